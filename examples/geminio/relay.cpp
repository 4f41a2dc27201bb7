// A relay on the Geminio layer: client A opens a stream to the server naming client B in its
// meta; the server opens a stream to B and splices the two, so A and B talk through bytes.
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <iostream>
#include <thread>

#include "pipe.hpp"

using namespace std::chrono_literals;
namespace gm = tp::geminio;
namespace asio = boost::asio;

int main() {
  gm::Server server({.listen_address = "127.0.0.1:0"});
  std::vector<std::thread> relays;
  std::atomic<bool> stop{false};
  server.on_endpoint([&](std::shared_ptr<gm::Endpoint> from) {
    relays.emplace_back([&server, &stop, from] {  // accepts this client's relay requests
      while (!stop) {
        auto in = from->accept_stream(100ms);
        if (!in) continue;
        auto to_id = in->meta().get("to");
        auto to = to_id ? server.endpoint(std::stoull(std::string(*to_id))) : nullptr;
        if (!to) {
          in->reset("no such client");
          continue;
        }
        tp::Meta meta;
        meta.add("from", std::to_string(from->client_id()));
        auto [out, st] = to->open_stream(meta);
        if (!st.ok()) {
          in->reset(st.to_string());
          continue;
        }
        demo::splice(std::make_shared<gm::Stream>(*in), std::make_shared<gm::Stream>(out));
      }
    });
  });
  if (!server.listen().ok()) return 1;
  const std::string addr = "127.0.0.1:" + std::to_string(server.peer().listen_port());

  gm::Client a_client({.redial_times = -1}, {}, {.client_id = 1});
  gm::Client b_client({.redial_times = -1}, {}, {.client_id = 2});
  auto [a, ast] = a_client.connect(addr);
  auto [b, bst] = b_client.connect(addr);
  if (!ast.ok() || !bst.ok()) return 1;

  std::thread b_side([&] {  // B answers whatever arrives, in upper case
    auto s = b->accept_stream(5s);
    if (!s) return;
    std::string text(11, '\0');
    asio::async_read(*s, asio::buffer(text), asio::use_future).get();
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::cout << "B (from client " << s->meta().get("from").value_or("?") << ") got a request\n";
    asio::async_write(*s, asio::buffer(text), asio::use_future).get();
    s->close();
  });
  tp::Meta meta;
  meta.add("to", "2");
  auto stream = a->open_stream(meta).value;
  asio::async_write(stream, asio::buffer(std::string("hello, b!\n!")), asio::use_future).get();
  std::string reply(11, '\0');
  asio::async_read(stream, asio::buffer(reply), asio::use_future).get();
  std::cout << "A got back: " << reply << "\n";
  b_side.join();
  stop = true;
  for (auto& t : relays) t.join();
  return reply == "HELLO, B!\n!" ? 0 : 1;
}
