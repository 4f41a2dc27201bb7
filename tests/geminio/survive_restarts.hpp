// Messages published while the server is killed and restarted twice: shared by the Geminio suite
// and the reliability suite (which cuts frames with a tiny send buffer).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "support/eventually.hpp"
#include "teleport/geminio_teleport.hpp"

namespace tp::geminio::teleport {

/// One run of survive_restarts().
struct RestartRun {
  Delivery delivery = Delivery::kAtLeastOnce;
  int count = 0;                        ///< messages published
  std::shared_ptr<DedupStore> dedup{};  ///< the server's (kept across its restarts)
  PeerConfig client{};                  ///< the client peer's settings
  std::size_t padding = 0;              ///< bytes added to each payload
};

/// What a run saw.
struct RestartOutcome {
  int acked = 0;
  int failed = 0;
};

/// Publishes `run.count` messages while the server is killed and restarted twice (after a third
/// and two thirds have arrived); `deliveries` counts each message id the servers handled. Checks
/// that every publish is acknowledged and none is lost.
inline RestartOutcome survive_restarts(const RestartRun& run,
                                       std::map<std::uint64_t, int>& deliveries) {
  std::mutex mutex;
  std::atomic<int> received{0};
  auto make_server = [&](std::uint16_t port) {
    auto s =
        std::make_unique<Server>(PeerConfig{.listen_address = "127.0.0.1:" + std::to_string(port)},
                                 MuxOptions{.dedup = run.dedup, .on_message = [&](Inbound in) {
                                              {
                                                std::lock_guard lock(mutex);
                                                ++deliveries[in.id()];
                                              }
                                              ++received;
                                              in.done();
                                            }});
    EXPECT_TRUE(s->listen().ok());
    return s;
  };
  RestartOutcome out;
  auto server = make_server(0);
  const std::uint16_t port = server->peer().listen_port();
  Client client(run.client);
  auto [ep, st] = client.connect("127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(st.ok());
  if (!st.ok()) return out;
  std::atomic<int> acked{0};
  std::atomic<int> failed{0};
  const std::string padding(run.padding, 'p');
  std::thread publisher([&] {
    for (int i = 0; i < run.count; ++i) {
      ep->default_stream().async_publish(
          {.payload = std::to_string(i) + padding, .delivery = run.delivery},
          [&](Status s) { s.ok() ? ++acked : ++failed; });
    }
  });
  struct JoinOnExit {  // a failed check returns early: never leave a joinable thread behind
    std::thread& t;
    ~JoinOnExit() {
      if (t.joinable()) t.join();
    }
  } join{publisher};
  for (int restart : {run.count / 3, 2 * run.count / 3}) {
    const bool arrived =
        test::eventually([&] { return received >= restart; }, std::chrono::seconds(60));
    EXPECT_TRUE(arrived) << received << " of " << restart << " arrived";
    if (!arrived) return out;
    server.reset();  // killed: every connection drops, frames cut wherever they were
    server = make_server(port);
  }
  publisher.join();
  EXPECT_TRUE(
      test::eventually([&] { return acked + failed == run.count; }, std::chrono::seconds(120)))
      << acked << " acked";
  out.acked = acked;
  out.failed = failed;
  EXPECT_EQ(out.failed, 0);
  EXPECT_EQ(out.acked, run.count);
  std::lock_guard lock(mutex);
  EXPECT_EQ(deliveries.size(), static_cast<std::size_t>(run.count));  // none lost
  return out;
}

}  // namespace tp::geminio::teleport
