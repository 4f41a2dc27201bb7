// tp::Channel over real loopback peers: balancers, ejection and probing back, retries of calls
// that never reached a handler or are idempotent, list:// and file:// resolvers.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "support/eventually.hpp"
#include "teleport/asio.hpp"
#include "teleport/channel.hpp"
#include "teleport/peer.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

// A backend server: answers /who with its index, /crash closes the caller's session the first time
// `crash_once` is set, and counts what it served.
struct Server {
  explicit Server(int index, std::uint16_t port = 0, std::atomic<bool>* crash_once = nullptr)
      : index(index), peer(PeerConfig{.listen_address = "127.0.0.1:" + std::to_string(port)}) {
    (void)peer.route_call_func("/who", [this](Ctx&, const int&) -> Result<int> {
      ++served;
      return this->index;
    });
    // Closes the session before any reply can leave, then completes (the reply is dropped).
    (void)peer.router().route_call_async(
        "/crash", [this, crash_once](Ctx& ctx, std::function<void(Status)> done) {
          ++served;
          if (crash_once && crash_once->exchange(false)) {
            ctx.session().close();
            done(Status::from_code(code::kInternalServerError, "crashed"));
            return;
          }
          done(ctx.set_reply(this->index));
        });
    if (!peer.listen().ok()) throw std::runtime_error("listen");
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(peer.listen_port()); }

  int index;
  std::atomic<int> served{0};
  Peer peer;
};

std::string list_of(const std::vector<std::unique_ptr<Server>>& backends) {
  std::string target = "list://";
  for (const auto& b : backends) target += (target.size() > 7 ? "," : "") + b->addr();
  return target;
}

std::vector<std::unique_ptr<Server>> three(std::atomic<bool>* crash_once = nullptr) {
  std::vector<std::unique_ptr<Server>> out;
  for (int i = 0; i < 3; ++i) out.push_back(std::make_unique<Server>(i, 0, crash_once));
  return out;
}

// How many backends `channel` has a session to.
int connected(const Channel& channel) {
  int n = 0;
  for (const auto& b : channel.backends()) n += b.connected;
  return n;
}

TEST(Channel, RoundRobinSpreadsCallsEvenly) {
  auto backends = three();
  Peer client;
  Channel channel(client, list_of(backends));
  ASSERT_TRUE(channel.start().ok());
  ASSERT_TRUE(test::eventually([&] { return connected(channel) == 3; }));
  std::map<int, int> seen;
  for (int i = 0; i < 30; ++i) {
    auto r = channel.call<int>("/who", 0);
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    ++seen[r.value];
  }
  EXPECT_EQ(seen, (std::map<int, int>{{0, 10}, {1, 10}, {2, 10}}));
  for (const auto& state : channel.backends()) EXPECT_EQ(state.calls, 10u);
}

// An empty reply callback: the call is sent and its reply dropped; a channel not started drops
// its failure the same way.
TEST(Channel, AnEmptyReplyCallbackDropsTheReply) {
  auto backends = three();
  Peer client;
  Channel idle(client, list_of(backends));
  idle.call_raw("/who", codec_id::kJson, "0", {}, nullptr);  // not started: fails, dropped
  Channel channel(client, list_of(backends));
  ASSERT_TRUE(channel.start().ok());
  ASSERT_TRUE(test::eventually([&] { return connected(channel) == 3; }));
  for (int i = 0; i < 3; ++i) channel.call_raw("/who", codec_id::kJson, "0", {}, nullptr);
  ASSERT_TRUE(test::eventually(
      [&] { return backends[0]->served + backends[1]->served + backends[2]->served == 3; }));
  auto r = channel.call<int>("/who", 0);
  EXPECT_TRUE(r.ok()) << r.status.to_string();
}

TEST(Channel, ConsistentHashKeepsAKeyOnOneBackend) {
  auto backends = three();
  Peer client;
  Channel channel(client, list_of(backends), {.balance = "hash:user"});
  ASSERT_TRUE(channel.start().ok());
  ASSERT_TRUE(test::eventually([&] { return connected(channel) == 3; }));
  std::set<int> used;
  for (int user = 0; user < 30; ++user) {
    CallOptions opts;
    opts.meta.set("user", "user-" + std::to_string(user));
    auto first = channel.call<int>("/who", 0, opts);
    ASSERT_TRUE(first.ok());
    for (int again = 0; again < 3; ++again)
      EXPECT_EQ(channel.call<int>("/who", 0, opts).value, first.value);
    // The query names the key too.
    EXPECT_EQ(channel.call<int>("/who?user=user-" + std::to_string(user), 0).value, first.value);
    used.insert(first.value);
  }
  EXPECT_EQ(used.size(), 3u);  // 30 keys over 3 backends use them all
}

TEST(Channel, LeastInFlightPicksTheIdlestBackend) {
  auto least = make_balancer("least");
  ASSERT_TRUE(least);
  Backend a{.addr = "a"}, b{.addr = "b"}, c{.addr = "c"};
  const std::vector<Candidate> busy{{&a, 3}, {&b, 0}, {&c, 2}};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(least->pick(busy, "/x", {}), 1u);
  EXPECT_FALSE(make_balancer("fastest"));
  EXPECT_FALSE(make_balancer("hash:"));
}

TEST(Channel, AFailedBackendIsEjectedAndProbedBack) {
  auto backends = three();
  Peer client;
  Channel channel(client, list_of(backends), {.eject_backoff = 50ms, .max_eject_backoff = 200ms});
  ASSERT_TRUE(channel.start().ok());
  ASSERT_TRUE(test::eventually([&] { return connected(channel) == 3; }));
  const std::uint16_t port = backends[1]->peer.listen_port();
  backends[1].reset();  // killed: its sessions close
  // Every call still succeeds: on the other two, or retried there when it met the dead one. A
  // call written just before the backend's close arrives may have been read there: only an
  // idempotent one is sent again (OnlyIdempotentCallsAreSentAgainOnceWritten shows the rest).
  for (int i = 0; i < 30; ++i) {
    auto r = channel.call<int>("/who", 0, {.timeout = 2s, .idempotent = true});
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_NE(r.value, 1);
  }
  bool ejected = false;
  for (const auto& s : channel.backends()) {
    if (s.backend.addr.ends_with(":" + std::to_string(port))) {
      ejected = !s.connected && !s.last_error.empty();
    }
  }
  EXPECT_TRUE(ejected);
  // Back on the same port: probed, reconnected, and given calls again.
  backends[1] = std::make_unique<Server>(1, port);
  ASSERT_TRUE(test::eventually([&] {
    for (const auto& s : channel.backends()) {
      if (s.backend.addr == backends[1]->addr() && s.connected) return true;
    }
    return false;
  }));
  std::set<int> seen;
  for (int i = 0; i < 9; ++i) seen.insert(channel.call<int>("/who", 0).value);
  EXPECT_TRUE(seen.contains(1));
}

TEST(Channel, OnlyIdempotentCallsAreSentAgainOnceWritten) {
  std::atomic<bool> crash_once{true};
  auto backends = three(&crash_once);
  Peer client;
  Channel channel(client, list_of(backends), {.eject_backoff = 20ms});
  ASSERT_TRUE(channel.start().ok());
  ASSERT_TRUE(test::eventually([&] { return connected(channel) == 3; }));
  // Written, then its backend's connection broke: not idempotent, so the caller hears it.
  auto once = channel.call<int>("/crash", 0);
  EXPECT_EQ(once.status.code(), code::kConnClosed) << once.status.to_string();
  ASSERT_TRUE(test::eventually([&] { return connected(channel) == 3; }));
  // Idempotent: the same break sends it to another backend, which answers.
  crash_once = true;
  auto again = channel.call<int>("/crash", 0, {.idempotent = true});
  EXPECT_TRUE(again.ok()) << again.status.to_string();
}

TEST(Channel, NoBackendGivesAStatusNotAHang) {
  Peer client(PeerConfig{.dial_timeout = 300ms});
  Channel channel(client, "list://127.0.0.1:1", {.start_timeout = 500ms});
  const Status st = channel.start();
  EXPECT_EQ(st.code(), code::kDialFailed) << st.to_string();
  auto r = channel.call<int>("/who", 0, {.timeout = 1s});
  EXPECT_EQ(r.status.code(), code::kDialFailed) << r.status.to_string();
  EXPECT_NE(r.status.cause().find("127.0.0.1:1"), std::string::npos) << r.status.to_string();

  Channel bad_scheme(client, "zk://x/y");
  EXPECT_EQ(bad_scheme.start().code(), code::kInvalidOp);
  Channel bad_balancer(client, "list://127.0.0.1:1", {.balance = "fastest"});
  EXPECT_EQ(bad_balancer.start().code(), code::kInvalidOp);
}

// Slows every dial of its peer down, as a far or busy backend would.
struct SlowDial : Plugin {
  std::string_view name() const override { return "slow-dial"; }
  Status post_dial(Session&, bool) override {
    std::this_thread::sleep_for(300ms);
    return {};
  }
};

// A call made while the only backend is still being dialed waits for that dial, within its
// timeout, rather than failing at once; a call whose timeout ends first gets 408.
TEST(Channel, ACallWaitsForAFirstDialInProgress) {
  auto backends = three();
  Peer client(PeerConfig{}, {std::make_shared<SlowDial>()});
  Channel channel(client, "list://" + backends[1]->addr(), {.start_timeout = 0ms});
  EXPECT_EQ(channel.start().code(), code::kDialFailed);  // not connected yet
  auto early = channel.call<int>("/who", 0, {.timeout = 50ms});
  EXPECT_EQ(early.status.code(), code::kHandleTimeout) << early.status.to_string();
  auto r = channel.call<int>("/who", 0, {.timeout = 5s});
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value, 1);
}

// A coroutine awaits calls through a channel as through a session. (A coroutine function, not
// a capturing lambda: the lambda object would be gone while the coroutine runs; named
// arguments: GCC 12 cannot keep a braced or literal temporary across a co_await.)
boost::asio::awaitable<void> ask_each(Channel& channel, std::set<int>& answered) {
  const std::string sm = "/who";
  const int arg = 0;
  CallOptions opts;
  for (int i = 0; i < 3; ++i) {
    // No structured binding of the co_await's result either: GCC 12 miscompiles it.
    std::tuple<Status, int> result =
        co_await tp::async_call<int>(channel, sm, arg, opts, boost::asio::use_awaitable);
    EXPECT_TRUE(std::get<0>(result).ok()) << std::get<0>(result).to_string();
    answered.insert(std::get<1>(result));
  }
}

TEST(Channel, CoroutinesAwaitCallsThroughAChannel) {
  auto backends = three();
  Peer client;
  Channel channel(client, list_of(backends));
  ASSERT_TRUE(channel.start().ok());
  ASSERT_TRUE(test::eventually([&] { return connected(channel) == 3; }));
  boost::asio::io_context io;
  std::set<int> answered;
  boost::asio::co_spawn(io, ask_each(channel, answered), boost::asio::detached);
  io.run();
  EXPECT_EQ(answered, (std::set<int>{0, 1, 2}));
}

TEST(Channel, FileResolverFollowsTheFile) {
  auto backends = three();
  const auto path = std::filesystem::path(::testing::TempDir()) /
                    ("channel-" + std::to_string(::getpid()) + ".list");
  std::ofstream(path) << "# the math service\n" << backends[0]->addr() << "\n";
  Peer client;
  Channel channel(client, "file://" + path.string());
  ASSERT_TRUE(channel.start().ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(channel.call<int>("/who", 0).value, 0);
  std::ofstream(path) << backends[0]->addr() << "\n" << backends[2]->addr() << "\n";
  ASSERT_TRUE(test::eventually([&] { return channel.call<int>("/who", 0).value == 2; }));
  std::ofstream(path) << backends[2]->addr() << "\n";
  ASSERT_TRUE(test::eventually([&] { return channel.backends().size() == 1; }));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(channel.call<int>("/who", 0).value, 2);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tp
