// A chatroom on Go geminio's wire: every client publishes its lines to the server, which
// publishes each line to every other client; each publish waits for the receiver's done(). A Go
// geminio client could join the same room.
#include <iostream>
#include <memory>
#include <vector>

#include "inbox.hpp"
#include "teleport/geminio.hpp"

using namespace std::chrono_literals;
namespace gg = tp::geminio;

int main() {
  gg::Server server;
  // Each line a client publishes goes to every other client.
  server.on_endpoint([&server](std::shared_ptr<gg::Endpoint> from) {
    const std::uint64_t from_id = from->client_id();
    from->default_stream().on_message([&server, from_id](gg::Message m) {
      const std::string line = "client " + std::to_string(from_id) + ": " + m.data();
      for (const auto& to : server.endpoints()) {
        if (to->client_id() != from_id) {
          to->default_stream().async_publish({.topic = "chat", .data = line}, [](tp::Status) {});
        }
      }
      m.done();
    });
  });
  if (!server.listen("127.0.0.1:0").ok()) return 1;

  constexpr int kClients = 3;
  std::vector<std::unique_ptr<gg::Client>> clients;
  std::vector<std::shared_ptr<gg::Endpoint>> endpoints;
  std::vector<std::unique_ptr<demo::Inbox>> heard_by;
  for (int i = 0; i < kClients; ++i) {
    heard_by.push_back(std::make_unique<demo::Inbox>());
    clients.push_back(std::make_unique<gg::Client>(
        gg::ClientOptions{.on_connect = [inbox = heard_by.back().get()](gg::Endpoint& ep) {
          ep.default_stream().on_message([inbox](gg::Message m) {
            inbox->put(m.data());
            m.done();
          });
        }}));
    auto [ep, st] = clients.back()->connect(server.local_address());
    if (!st.ok()) return 1;
    endpoints.push_back(ep);
  }
  for (int i = 0; i < kClients; ++i) {
    gg::Stream room = endpoints[i]->default_stream();
    if (!room.publish({.topic = "chat", .data = "hello from " + std::to_string(i)}).ok()) return 1;
  }
  int heard = 0;
  for (int i = 0; i < kClients; ++i) {
    for (int n = 0; n < kClients - 1; ++n) {
      auto line = heard_by[i]->take(5s);
      if (!line) break;
      std::cout << "client " << endpoints[i]->client_id() << " hears " << *line << "\n";
      ++heard;
    }
  }
  return heard == kClients * (kClients - 1) ? 0 : 1;
}
