// Turns "host:port" / ":port" / a Unix path into a generic stream endpoint.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <cerrno>

#include "teleport/status.hpp"

namespace tp::detail {

using Endpoint = boost::asio::generic::stream_protocol::endpoint;

/// Resolves `addr` for `network` (tcp, tcp4, tcp6, unix, unixpacket). `listening` makes ":port" the
/// wildcard address. Fails with `failure_code` and the reason.
Status resolve_endpoint(const std::string& network, const std::string& addr, bool listening,
                        std::int32_t failure_code, Endpoint& out);
/// "ip:port" or the Unix path of an endpoint.
std::string endpoint_text(const Endpoint& ep);

/// True for the Unix networks: "unix" (stream) and "unixpacket" (SOCK_SEQPACKET).
inline bool is_unix_network(const std::string& network) {
  return network == "unix" || network == "unixpacket";
}

/// Opens `s` (a socket or an acceptor) for `ep`. For "unixpacket" the descriptor is a
/// SOCK_SEQPACKET socket: Asio's generic stream types drive it, since sessions read it as a byte
/// stream with room for a whole packet per read (see SessionImpl::read_more).
template <class SocketOrAcceptor>
void open_for_network(SocketOrAcceptor& s, const std::string& network, const Endpoint& ep,
                      boost::system::error_code& ec) {
  if (network != "unixpacket") {
    s.open(ep.protocol(), ec);
    return;
  }
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
    return;
  }
  s.assign(ep.protocol(), fd, ec);
}

/// The protocol Asio's generic stream sockets take for a connected descriptor of `family`:
/// Unix sockets (stream or seqpacket) have none, the rest are TCP.
inline boost::asio::generic::stream_protocol stream_protocol_of(int family) {
  return {family, family == AF_UNIX ? 0 : IPPROTO_TCP};
}

/// Opens `socket` for connecting to `remote`, bound to `local_ip` (TCP only) when not empty.
Status open_for_dial(boost::asio::generic::stream_protocol::socket& socket,
                     const std::string& network, const std::string& local_ip,
                     const Endpoint& remote);

}  // namespace tp::detail
