// A blocking TCP client speaking Go geminio's frames by hand, for tests that play a Go peer
// (or a broken one) against our Server.
#pragma once

#include <poll.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "geminio/gowire/frame.hpp"

namespace tp::geminio::gotest {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using gowire::DecodeOutcome;
using gowire::Frame;

/// A blocking TCP client that reads whole frames (5 s at most per read).
struct RawClient {
  asio::io_context io;
  tcp::socket socket{io};
  std::string in;

  /// Connects to "ip:port".
  explicit RawClient(const std::string& addr) {
    const auto colon = addr.rfind(':');
    socket.connect({asio::ip::make_address(addr.substr(0, colon)),
                    static_cast<unsigned short>(std::stoi(addr.substr(colon + 1)))});
  }
  /// Writes all of `bytes`.
  void write(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
  /// The next frame and its bytes; false at EOF or on a timeout.
  bool next(Frame& f, std::string* bytes = nullptr) {
    for (;;) {
      const auto r = gowire::decode_frame(in, 64 << 20, f);
      if (r.kind == DecodeOutcome::Kind::kFrame) {
        if (bytes) *bytes = in.substr(0, r.consumed);
        in.erase(0, r.consumed);
        return true;
      }
      if (r.kind == DecodeOutcome::Kind::kError) return false;
      // Asio's blocking read has no timeout (it polls again after SO_RCVTIMEO): poll first.
      pollfd p{.fd = socket.native_handle(), .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 5000) <= 0) return false;
      std::array<char, 65536> buf{};
      boost::system::error_code ec;
      const std::size_t n = socket.read_some(asio::buffer(buf), ec);
      if (ec) return false;
      in.append(buf.data(), n);
    }
  }
  /// True when the server closes the connection (EOF or reset) within 5 s.
  bool closed_by_server() {
    Frame f;
    while (next(f)) {
    }
    pollfd p{.fd = socket.native_handle(), .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    std::array<char, 1> b{};
    boost::system::error_code ec;
    socket.read_some(asio::buffer(b), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
};

/// The bytes of `f`.
inline std::string encoded(const Frame& f) {
  std::string out;
  gowire::encode_frame(f, out);
  return out;
}

}  // namespace tp::geminio::gotest
