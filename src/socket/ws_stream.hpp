// WsStream: RFC 6455 over a connection's socket (or its TLS stream), through Boost.Beast: the
// opening handshake on either side, then whole messages in and out. One read and one write may
// be in flight at once; everything runs on the connection's I/O thread.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "teleport/plugin.hpp"

namespace tp::detail {

/// How an accepting WsStream ends when it did not upgrade (WsStream::accept's error codes).
enum class WsFront {
  kNotFound = 1,  ///< answered 404: an upgrade to another path, or no such file
  kNotUpgrade,    ///< answered 400: an HTTP request that is neither an upgrade nor a file
  kRefused,       ///< answered 401 or 403: the pre-handshake hook refused
  kServedFile,    ///< answered 200 with a file under the web root, then closed
};
/// The error category of WsFront.
const boost::system::error_category& ws_front_category();
/// A WsFront as an error code.
inline boost::system::error_code make_error_code(WsFront e) {
  return {static_cast<int>(e), ws_front_category()};
}

/// What an accepting WsStream serves.
struct WsAcceptOptions {
  std::string path;          ///< the WebSocket endpoint ("/ws"); other upgrades get 404
  std::string web_root;      ///< other GETs are answered with files under it (empty: 400/404)
  std::string already_read;  ///< bytes of the request read from the socket before accept
  std::string remote;        ///< the remote address, for `check`
  std::function<Status(const WsHandshake&)> check;  ///< before answering an upgrade (may be null)
};

class WsStream {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;
  using Done = std::function<void(boost::system::error_code)>;

  /// Over `socket`, or over `tls` when it is set (both outlive this). Messages past
  /// `max_message` bytes close the connection with 1009 (message too big).
  WsStream(Socket& socket, boost::asio::ssl::stream<Socket&>* tls, std::size_t max_message);
  ~WsStream();
  WsStream(const WsStream&) = delete;
  WsStream& operator=(const WsStream&) = delete;

  /// Client side: asks `host` to upgrade to WebSocket at `target` ("/ws").
  void handshake(const std::string& host, const std::string& target, Done done);
  /// Server side: reads the HTTP request (8 KiB of headers at most); a WebSocket upgrade to the
  /// path that `check` lets through is accepted; anything else is answered as WsFront says and
  /// fails `done` with that WsFront.
  void accept(WsAcceptOptions options, Done done);
  /// Reads what has arrived of the current message (text or binary) into `room`; `done` gets
  /// the bytes read and whether the message is complete.
  void read_some(boost::asio::mutable_buffer room,
                 std::function<void(boost::system::error_code, std::size_t, bool done)> done);
  /// Closes with a WebSocket close frame (`code`, `reason` cut to 123 bytes) and waits for the
  /// peer's answer.
  void close(std::uint16_t code, std::string_view reason, Done done);
  /// Writes `message` as one binary message (as Go's eRPC does); it must stay valid until done.
  void write(std::string_view message, std::function<void(boost::system::error_code)> done);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp::detail
