#include "socket/ws_target.hpp"

#include <boost/url/parse.hpp>

namespace tp::detail {

std::optional<WsTarget> parse_ws_target(const std::string& target) {
  const bool ws = target.rfind("ws://", 0) == 0;
  const bool wss = target.rfind("wss://", 0) == 0;
  if (!ws && !wss) return std::nullopt;
  WsTarget out;
  const auto url = boost::urls::parse_uri(target);
  if (!url || url->encoded_host().empty()) {
    out.status = Status::from_code(code::kDialFailed, target + ": not a WebSocket URL");
    return out;
  }
  out.tls = wss;
  const std::string port = url->has_port() ? std::string(url->port()) : (wss ? "443" : "80");
  out.address =
      std::string(url->encoded_host_and_port().empty() ? "" : url->encoded_host()) + ":" + port;
  out.path = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
  if (url->has_query()) {
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on `"?" + string`.
    const auto query = url->encoded_query();
    out.path += '?';
    out.path.append(query.data(), query.size());
  }
  return out;
}

}  // namespace tp::detail
