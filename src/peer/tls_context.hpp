// Builds Asio's OpenSSL contexts from a TlsConfig.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "teleport/status.hpp"
#include "teleport/tls.hpp"

namespace tp::detail {

/// The context of accepted (`server`) or dialed connections; a bad file or PEM is a status.
Status make_tls_context(const TlsConfig& cfg, bool server,
                        std::unique_ptr<boost::asio::ssl::context>& out);

}  // namespace tp::detail
