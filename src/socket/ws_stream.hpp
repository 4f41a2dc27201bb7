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

namespace tp::detail {

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
  /// Server side: reads the HTTP request (8 KiB of headers at most); a WebSocket upgrade to
  /// `path` is accepted, anything else gets 404 (another path) or 400 and fails `done`.
  void accept(const std::string& path, Done done);
  /// Reads what has arrived of the current message (text or binary) into `room`; `done` gets
  /// the bytes read and whether the message is complete.
  void read_some(boost::asio::mutable_buffer room,
                 std::function<void(boost::system::error_code, std::size_t, bool done)> done);
  /// Writes `message` as one binary message (as Go's eRPC does); it must stay valid until done.
  void write(std::string_view message, std::function<void(boost::system::error_code)> done);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp::detail
