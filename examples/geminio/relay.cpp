// A relay on Go geminio's wire: client A opens a stream to the server with meta "to=2"; the server
// opens a stream to client 2 with meta "from=1" and splices the two, so A and B talk through bytes.
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <iostream>

#include "pipe.hpp"

using namespace std::chrono_literals;
namespace gg = tp::geminio;
namespace asio = boost::asio;

int main() {
  gg::Server server;
  server.on_endpoint([&server](std::shared_ptr<gg::Endpoint> from) {
    const std::string from_meta = "from=" + std::to_string(from->client_id());
    from->on_stream([&server, from_meta](gg::Stream in) {  // on the I/O thread: async only
      const std::string meta = in.meta();
      auto to = meta.starts_with("to=") ? server.endpoint(std::stoull(meta.substr(3))) : nullptr;
      if (!to) return in.close();
      to->async_open_stream(from_meta, "", 5s, [in](tp::Result<gg::Stream> out) mutable {
        if (!out.ok()) return in.close();
        demo::splice(std::make_shared<gg::Stream>(in), std::make_shared<gg::Stream>(out.value));
      });
    });
  });
  if (!server.listen("127.0.0.1:0").ok()) return 1;

  gg::Client a_client({.client_id = 1});
  std::promise<gg::Stream> to_b;
  gg::Client b_client({.client_id = 2, .on_connect = [&to_b](gg::Endpoint& ep) {
                         ep.on_stream([&to_b](gg::Stream s) { to_b.set_value(s); });
                       }});
  auto [a, ast] = a_client.connect(server.local_address());
  auto [b, bst] = b_client.connect(server.local_address());
  if (!ast.ok() || !bst.ok()) return 1;

  auto stream = a->open_stream("to=2").value;
  asio::async_write(stream, asio::buffer(std::string("hello, b!\n!")), asio::use_future).get();
  // B answers whatever arrives, in upper case.
  auto s = to_b.get_future();
  if (s.wait_for(5s) != std::future_status::ready) return 1;
  gg::Stream at_b = s.get();
  std::string text(11, '\0');
  asio::async_read(at_b, asio::buffer(text), asio::use_future).get();
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::cout << "B (" << at_b.meta() << ") got a request\n";
  asio::async_write(at_b, asio::buffer(text), asio::use_future).get();

  std::string reply(11, '\0');
  asio::async_read(stream, asio::buffer(reply), asio::use_future).get();
  std::cout << "A got back: " << reply << "\n";
  at_b.close();
  return reply == "HELLO, B!\n!" ? 0 : 1;
}
