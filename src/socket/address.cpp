#include "socket/address.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

namespace tp::detail {

namespace asio = boost::asio;

Status resolve_endpoint(const std::string& network, const std::string& addr, bool listening,
                        std::int32_t failure_code, Endpoint& out) {
  auto fail = [&](std::string why) { return Status::from_code(failure_code, addr + ": " + why); };
  if (is_unix_network(network)) {
    if (addr.empty()) return fail("empty unix socket path");
    out = Endpoint(asio::local::stream_protocol::endpoint(addr));
    return {};
  }
  if (network != "tcp" && network != "tcp4" && network != "tcp6")
    return fail("unsupported network " + network);
  auto authority = boost::urls::parse_authority(addr);
  if (!authority || !authority->has_port()) return fail("want host:port");
  std::uint16_t port = 0;
  const auto port_text = authority->port();
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size()) return fail("bad port");
  std::string host(authority->host_address());
  if (host.empty() && listening) host = network == "tcp6" ? "::" : "0.0.0.0";
  if (host.empty()) host = "127.0.0.1";
  asio::io_context ioc;
  asio::ip::tcp::resolver resolver(ioc);
  boost::system::error_code error;
  const auto family = network == "tcp4"   ? asio::ip::tcp::v4()
                      : network == "tcp6" ? asio::ip::tcp::v6()
                                          : asio::ip::tcp::v4();
  auto results = network == "tcp" ? resolver.resolve(host, std::to_string(port), error)
                                  : resolver.resolve(family, host, std::to_string(port), error);
  if (error || results.empty()) return fail("cannot resolve: " + error.message());
  out = Endpoint(results.begin()->endpoint());
  return {};
}

std::string endpoint_text(const Endpoint& ep) {
  if (ep.protocol().family() == AF_UNIX) {
    asio::local::stream_protocol::endpoint local;
    local.resize(ep.size());
    std::memcpy(local.data(), ep.data(), ep.size());
    return local.path();
  }
  asio::ip::tcp::endpoint tcp;
  std::memcpy(tcp.data(), ep.data(), ep.size());
  tcp.resize(ep.size());
  const auto ip = tcp.address();
  return (ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string()) + ":" +
         std::to_string(tcp.port());
}

Status open_for_dial(asio::generic::stream_protocol::socket& socket, const std::string& network,
                     const std::string& local_ip, const Endpoint& remote) {
  boost::system::error_code ec;
  detail::open_for_network(socket, network, remote, ec);
  if (!ec && !local_ip.empty() && !is_unix_network(network)) {
    const bool v6 = local_ip.find(':') != std::string::npos;
    Endpoint local;
    if (Status st = resolve_endpoint(network, (v6 ? "[" + local_ip + "]" : local_ip) + ":0", true,
                                     code::kDialFailed, local);
        !st.ok()) {
      return st;
    }
    socket.bind(local, ec);
  }
  if (ec) return Status::from_code(code::kDialFailed, "local " + local_ip + ": " + ec.message());
  return {};
}

}  // namespace tp::detail
