// The URL of a page of a peer's admin endpoint, for the tests that fetch it with curl.
#pragma once

#include <string>
#include <string_view>

#include "teleport/peer.hpp"

namespace tp::test {

/// "http://127.0.0.1:PORT/path" of `peer`'s admin endpoint.
inline std::string url(const Peer& peer, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(peer.admin_port()) + std::string(path);
}

}  // namespace tp::test
