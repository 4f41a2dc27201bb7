// A message queue on Go geminio's wire: a broker, consumers that subscribe to topics by RPC
// (method mq.subscribe), and a producer whose publish returns once every subscriber of the topic
// has acknowledged its copy.
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>

#include "teleport/geminio.hpp"

namespace gg = tp::geminio;

int main() {
  gg::Server broker;
  std::mutex mutex;
  std::multimap<std::string, std::weak_ptr<gg::Endpoint>> subscribers;
  broker.on_endpoint([&](std::shared_ptr<gg::Endpoint> client) {
    std::weak_ptr<gg::Endpoint> weak = client;
    client->default_stream().serve("mq.subscribe", [&, weak](gg::Request r) {
      std::lock_guard lock(mutex);
      subscribers.emplace(r.data(), weak);
      r.reply("true");
    });
    client->default_stream().on_message([&](gg::Message m) {
      std::vector<std::shared_ptr<gg::Endpoint>> to;
      {
        std::lock_guard lock(mutex);
        for (auto [it, end] = subscribers.equal_range(m.topic()); it != end; ++it)
          if (auto sub = it->second.lock()) to.push_back(sub);
      }
      // The producer's message is done when every subscriber has acknowledged its copy.
      auto left = std::make_shared<std::atomic<int>>(static_cast<int>(to.size()));
      if (to.empty()) m.done();
      for (const auto& sub : to) {
        sub->default_stream().async_publish({.topic = m.topic(), .data = m.data()},
                                            [m, left](tp::Status) mutable {
                                              if (--*left == 0) m.done();
                                            });
      }
    });
  });
  if (!broker.listen("127.0.0.1:0").ok()) return 1;

  std::atomic<int> consumed{0};
  auto consumer = [&](const std::string& name, const std::string& topic) {
    auto client = std::make_unique<gg::Client>(gg::ClientOptions{
        .wait_methods = {"mq.subscribe"}, .on_connect = [&consumed, name](gg::Endpoint& ep) {
          ep.default_stream().on_message([&consumed, name](gg::Message m) {
            std::cout << name << " got [" << m.topic() << "] " << m.data() << "\n";
            ++consumed;
            m.done();
          });
        }});
    auto [ep, st] = client->connect(broker.local_address());
    if (!st.ok() || ep->default_stream().call("mq.subscribe", topic).value != "true") std::exit(1);
    return std::make_pair(std::move(client), ep);
  };
  auto orders_a = consumer("consumer-a", "orders");
  auto orders_b = consumer("consumer-b", "orders");
  auto news = consumer("consumer-c", "news");

  gg::Client producer;
  auto [ep, st] = producer.connect(broker.local_address());
  if (!st.ok()) return 1;
  gg::Stream out = ep->default_stream();
  for (const char* order : {"order-1", "order-2"}) {
    if (!out.publish({.topic = "orders", .data = order}).ok()) return 1;
  }
  if (!out.publish({.topic = "news", .data = "market opens"}).ok()) return 1;
  std::cout << "producer: every message acknowledged by its subscribers\n";
  return consumed == 5 ? 0 : 1;
}
