// A plain TCP client that speaks bytes: send frames, read whole raw frames, see the close.
#pragma once

#include <boost/asio.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "interop/vectors.hpp"

namespace tp::test {

namespace asio = boost::asio;
using asio::ip::tcp;

class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  /// Reads one whole frame (4-byte length counting itself), or "" on EOF.
  std::string read_frame() {
    std::string head(4, '\0');
    boost::system::error_code ec;
    asio::read(socket_, asio::buffer(head), ec);
    if (ec) return {};
    const auto* u = reinterpret_cast<const unsigned char*>(head.data());
    const std::size_t len = (std::size_t{u[0]} << 24) | (u[1] << 16) | (u[2] << 8) | u[3];
    std::string rest(len - 4, '\0');
    asio::read(socket_, asio::buffer(rest), ec);
    return ec ? std::string() : head + rest;
  }
  /// True when the server closed the connection.
  bool closed_by_peer() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
};

/// The hex of the vector named `name`, or "" if there is none.
inline std::string vector_hex(const std::vector<Vector>& vs, std::string_view name) {
  for (const auto& v : vs) {
    if (v.name == name) return v.hex;
  }
  return {};
}

}  // namespace tp::test
