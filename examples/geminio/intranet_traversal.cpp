// Intranet traversal on the Geminio layer: a service on a private network (here a TCP echo
// server that answers in upper case) is reached from outside through a public server. The
// inside peer dials out to the public server; for each outside TCP connection the public server
// opens a stream to the inside peer, which connects to the private service; bytes are spliced.
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <iostream>
#include <thread>

#include "pipe.hpp"

using namespace std::chrono_literals;
namespace gm = tp::geminio;
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
  gm::Server public_server({.listen_address = "127.0.0.1:0"});
  if (!public_server.listen().ok()) return 1;
  tcp::acceptor public_tcp(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::function<void()> accept_outside = [&] {
    public_tcp.async_accept([&](boost::system::error_code ec, tcp::socket user) {
      if (ec) return;
      auto inside = public_server.endpoint(42);  // the inside peer's client id
      tp::Meta meta;
      meta.add("service", "echo");
      std::optional<gm::Stream> stream;
      if (inside) {
        if (auto opened = inside->open_stream(meta); opened.ok()) stream = opened.value;
      }
      if (stream) {
        demo::splice(std::make_shared<tcp::socket>(std::move(user)),
                     std::make_shared<gm::Stream>(*stream));
      }
      accept_outside();
    });
  };
  accept_outside();

  // The inside peer: dials out, then serves each stream by connecting to the private service.
  gm::Client inside({.redial_times = -1}, {}, {.client_id = 42});
  auto [ep, st] = inside.connect("127.0.0.1:" + std::to_string(public_server.peer().listen_port()));
  if (!st.ok()) return 1;
  std::atomic<bool> stop{false};
  std::thread tunnel([&] {
    while (!stop) {
      auto s = ep->accept_stream(100ms);
      if (!s) continue;
      auto local = std::make_shared<tcp::socket>(io);
      local->connect({asio::ip::make_address("127.0.0.1"), private_port});
      demo::splice(std::make_shared<gm::Stream>(*s), local);
    }
  });

  // An outside user connects to the public TCP port.
  tcp::socket user(io);
  user.connect({asio::ip::make_address("127.0.0.1"), public_tcp.local_endpoint().port()});
  asio::write(user, asio::buffer(std::string("hello from outside\n")));
  asio::streambuf reply;
  boost::system::error_code ec;
  asio::read_until(user, reply, '\n', ec);
  const std::string answer(asio::buffers_begin(reply.data()), asio::buffers_end(reply.data()));
  std::cout << "outside user got: " << answer;
  stop = true;
  tunnel.join();
  public_tcp.close();
  private_service.close();
  work.reset();
  io.stop();
  io_thread.join();
  return answer == "HELLO FROM OUTSIDE\n" ? 0 : 1;
}
