// Copies bytes both ways between two Asio streams (Geminio streams, TCP sockets) until either
// side ends: what relays and tunnels are made of.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <memory>

#include "teleport/geminio.hpp"

namespace demo {

// A Go geminio stream closes both ways at once (DISMISS).
inline void close_writing(tp::geminio::Stream& s) { s.close(); }
inline void close_writing(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ignored;
  s.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
}

/// Copies `from` into `to` until `from` ends, then closes `to`'s writing half.
template <class From, class To>
void pump(std::shared_ptr<From> from, std::shared_ptr<To> to) {
  auto buf = std::make_shared<std::array<char, 16 * 1024>>();
  from->async_read_some(
      boost::asio::buffer(*buf), [=](boost::system::error_code ec, std::size_t n) {
        if (ec) {
          close_writing(*to);
          return;
        }
        boost::asio::async_write(*to, boost::asio::buffer(buf->data(), n),
                                 // buf lives until the write is done
                                 [from, to, buf](boost::system::error_code wec, std::size_t) {
                                   if (!wec) pump(from, to);
                                 });
      });
}

/// Pumps both ways between `a` and `b`.
template <class A, class B>
void splice(std::shared_ptr<A> a, std::shared_ptr<B> b) {
  pump(a, b);
  pump(b, a);
}

}  // namespace demo
