// A message queue on the Geminio layer: a broker, consumers that subscribe to topics by RPC, and
// a producer whose publish returns once every subscriber of the topic has acknowledged the
// message (at-least-once: re-sent if a connection drops on the way).
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>

#include "teleport/geminio.hpp"

using namespace std::chrono_literals;
namespace gm = tp::geminio;

int main() {
  gm::Server broker({.listen_address = "127.0.0.1:0"});
  std::mutex mutex;
  std::multimap<std::string, std::shared_ptr<gm::Endpoint>> subscribers;
  (void)broker.peer().route_call_func(
      "/mq/subscribe", [&](tp::Ctx& ctx, const std::string& topic) -> tp::Result<bool> {
        std::lock_guard lock(mutex);
        subscribers.emplace(topic, gm::endpoint_of(ctx));
        return true;
      });
  broker.on_endpoint([&](std::shared_ptr<gm::Endpoint> producer) {
    producer->default_stream().on_message([&](gm::Inbound in) {
      std::vector<std::shared_ptr<gm::Endpoint>> to;
      {
        std::lock_guard lock(mutex);
        for (auto [it, end] = subscribers.equal_range(in.topic()); it != end; ++it)
          to.push_back(it->second);
      }
      // The producer's message is done when every subscriber has acknowledged its copy.
      auto left = std::make_shared<std::atomic<int>>(static_cast<int>(to.size()));
      if (to.empty()) in.done();
      for (const auto& sub : to) {
        sub->default_stream().async_publish({.topic = in.topic(), .payload = in.payload()},
                                            [in, left](tp::Status) mutable {
                                              if (--*left == 0) in.done();
                                            });
      }
    });
  });
  if (!broker.listen().ok()) return 1;
  const std::string addr = "127.0.0.1:" + std::to_string(broker.peer().listen_port());

  std::atomic<int> consumed{0};
  auto consumer = [&](const std::string& name, const std::string& topic) {
    auto client = std::make_unique<gm::Client>();
    auto [ep, st] = client->connect(addr);
    bool ok = false;
    if (!st.ok() || !ep->call<bool>("/mq/subscribe", topic).into(ok).ok()) std::exit(1);
    ep->default_stream().on_message([&consumed, name](gm::Inbound in) {
      std::cout << name << " got [" << in.topic() << "] " << in.payload() << "\n";
      ++consumed;
      in.done();
    });
    return std::make_pair(std::move(client), ep);
  };
  auto orders_a = consumer("consumer-a", "orders");
  auto orders_b = consumer("consumer-b", "orders");
  auto news = consumer("consumer-c", "news");

  gm::Client producer;
  auto [ep, st] = producer.connect(addr);
  if (!st.ok()) return 1;
  for (const char* order : {"order-1", "order-2"}) {
    if (!ep->publish({.topic = "orders", .payload = order}).ok()) return 1;
  }
  if (!ep->publish({.topic = "news", .payload = "market opens"}).ok()) return 1;
  std::cout << "producer: every message acknowledged by its subscribers\n";
  return consumed == 5 ? 0 : 1;
}
