// A chatroom on the Geminio layer: every client publishes its lines to the server, which
// publishes each line to every other client; each publish waits for the receiver's done().
#include <iostream>
#include <mutex>
#include <thread>

#include "teleport/geminio.hpp"

using namespace std::chrono_literals;
namespace gm = tp::geminio;

int main() {
  gm::Server server({.listen_address = "127.0.0.1:0"});
  std::mutex mutex;
  // Each line a client publishes goes to every other client.
  server.on_endpoint([&](std::shared_ptr<gm::Endpoint> from) {
    from->default_stream().on_message([&server, from](gm::Inbound in) {
      const std::string line = "client " + std::to_string(from->client_id()) + ": " + in.payload();
      for (const auto& to : server.endpoints()) {
        if (to->client_id() != from->client_id()) {
          to->default_stream().async_publish({.topic = "chat", .payload = line}, [](tp::Status) {});
        }
      }
      in.done();
    });
  });
  if (auto st = server.listen(); !st.ok()) return 1;
  const std::string addr = "127.0.0.1:" + std::to_string(server.peer().listen_port());

  constexpr int kClients = 3;
  std::vector<std::unique_ptr<gm::Client>> clients;
  std::vector<std::shared_ptr<gm::Endpoint>> endpoints;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<gm::Client>());
    auto [ep, st] = clients.back()->connect(addr);
    if (!st.ok()) return 1;
    endpoints.push_back(ep);
  }
  for (int i = 0; i < kClients; ++i) {
    if (!endpoints[i]
             ->publish({.topic = "chat", .payload = "hello from " + std::to_string(i)})
             .ok())
      return 1;
  }
  int heard = 0;
  for (int i = 0; i < kClients; ++i) {
    for (int n = 0; n < kClients - 1; ++n) {
      auto in = endpoints[i]->receive(5s);
      if (!in) break;
      std::lock_guard lock(mutex);
      std::cout << "client " << endpoints[i]->client_id() << " hears " << in->payload() << "\n";
      in->done();
      ++heard;
    }
  }
  return heard == kClients * (kClients - 1) ? 0 : 1;
}
