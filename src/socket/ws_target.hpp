// Where a WebSocket dial goes: "ws://host:port/path" or "wss://..." read with Boost.URL.
#pragma once

#include <optional>
#include <string>

#include "teleport/status.hpp"

namespace tp::detail {

/// A WebSocket URL, taken apart.
struct WsTarget {
  Status status{};        ///< not OK: the URL is malformed (then nothing else is set)
  bool tls = false;       ///< wss://
  std::string address{};  ///< "host:port" to connect to (default port 80, or 443 for wss)
  std::string path{};     ///< the request target: path and query ("/" at least)
};

/// `target` taken apart if it is a ws:// or wss:// URL; nullopt for anything else (an address).
std::optional<WsTarget> parse_ws_target(const std::string& target);

}  // namespace tp::detail
