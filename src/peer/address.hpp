// Turns "host:port" / ":port" / a Unix path into a generic stream endpoint.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <string>

#include "teleport/status.hpp"

namespace tp::detail {

using Endpoint = boost::asio::generic::stream_protocol::endpoint;

/// Resolves `addr` for `network` (tcp, tcp4, tcp6, unix). `listening` makes ":port" the
/// wildcard address. Fails with `failure_code` and the reason.
Status resolve_endpoint(const std::string& network, const std::string& addr, bool listening,
                        std::int32_t failure_code, Endpoint& out);
/// "ip:port" or the Unix path of an endpoint.
std::string endpoint_text(const Endpoint& ep);

}  // namespace tp::detail
