// Intranet traversal on Go geminio's wire (frontier's edge-to-service shape): a service on a
// private network (here a TCP echo server that answers in upper case) is reached from outside
// through a public server. The inside peer dials out to the public server; for each outside TCP
// connection the public server opens a stream to the inside peer, which connects to the private
// service; bytes are spliced.
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <iostream>
#include <optional>
#include <thread>

#include "pipe.hpp"

using namespace std::chrono_literals;
namespace gg = tp::geminio;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The private service: reads lines, answers them in upper case.
void serve_private(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    auto buf = std::make_shared<asio::streambuf>();
    asio::async_read_until(*s, *buf, '\n', [s, buf](boost::system::error_code rec, std::size_t) {
      if (rec) return;
      std::string line(asio::buffers_begin(buf->data()), asio::buffers_end(buf->data()));
      for (auto& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto out = std::make_shared<std::string>(std::move(line));
      asio::async_write(*s, asio::buffer(*out),
                        [s, out](boost::system::error_code, std::size_t) {});
    });
    serve_private(acceptor);
  });
}

int main() {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  tcp::acceptor private_service(io, {asio::ip::make_address("127.0.0.1"), 0});
  serve_private(private_service);
  const auto private_port = private_service.local_endpoint().port();

  // The public server: Geminio for the inside peer, plain TCP for outside users.
  gg::Server public_server;
  if (!public_server.listen("127.0.0.1:0").ok()) return 1;
  tcp::acceptor public_tcp(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::function<void()> accept_outside = [&] {
    public_tcp.async_accept([&](boost::system::error_code ec, tcp::socket user) {
      if (ec) return;
      auto inside = public_server.endpoint(42);  // the inside peer's client id
      std::optional<gg::Stream> stream;
      if (inside) {
        if (auto opened = inside->open_stream("service=echo"); opened.ok()) stream = opened.value;
      }
      if (stream) {
        demo::splice(std::make_shared<tcp::socket>(std::move(user)),
                     std::make_shared<gg::Stream>(*stream));
      }
      accept_outside();
    });
  };
  accept_outside();

  // The inside peer: dials out, then serves each stream by connecting to the private service.
  gg::Client inside({.client_id = 42, .on_connect = [&io, private_port](gg::Endpoint& ep) {
                       ep.on_stream([&io, private_port](gg::Stream s) {  // on the I/O thread
                         auto local = std::make_shared<tcp::socket>(io);
                         local->async_connect({asio::ip::make_address("127.0.0.1"), private_port},
                                              [s, local](boost::system::error_code ec) mutable {
                                                if (ec) return s.close();
                                                demo::splice(std::make_shared<gg::Stream>(s),
                                                             local);
                                              });
                       });
                     }});
  auto [ep, st] = inside.connect(public_server.local_address());
  if (!st.ok()) return 1;

  // An outside user connects to the public TCP port.
  tcp::socket user(io);
  user.connect({asio::ip::make_address("127.0.0.1"), public_tcp.local_endpoint().port()});
  asio::write(user, asio::buffer(std::string("hello from outside\n")));
  asio::streambuf reply;
  boost::system::error_code ec;
  asio::read_until(user, reply, '\n', ec);
  const std::string answer(asio::buffers_begin(reply.data()), asio::buffers_end(reply.data()));
  std::cout << "outside user got: " << answer;
  public_tcp.close();
  private_service.close();
  work.reset();
  io.stop();
  io_thread.join();
  return answer == "HELLO FROM OUTSIDE\n" ? 0 : 1;
}
