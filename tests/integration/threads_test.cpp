// Which thread runs what: every session hook runs on its session's I/O thread (dial and redial,
// inline, blocking and async routes alike), and blocking APIs refuse to run on any I/O thread.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"
#include "teleport/asio.hpp"
#include "teleport/plugin/auth.hpp"

namespace tp {
namespace {

// Records, for every session hook, whether it ran on the session's own I/O thread.
class ThreadProbe final : public Plugin {
 public:
  std::string_view name() const override { return "thread-probe"; }
  Status post_dial(Session& s, bool redialed) override {
    return seen(s, redialed ? "post_dial(redial)" : "post_dial");
  }
  Status post_accept(Session& s) override { return seen(s, "post_accept"); }
  Status pre_write_call(Session& s, Message&) override { return seen(s, "pre_write_call"); }
  Status post_write_call(Session& s, const Message&) override { return seen(s, "post_write_call"); }
  Status pre_write_reply(Session& s, Message&) override { return seen(s, "pre_write_reply"); }
  Status post_write_reply(Session& s, const Message&) override {
    return seen(s, "post_write_reply");
  }
  Status pre_write_push(Session& s, Message&) override { return seen(s, "pre_write_push"); }
  Status post_write_push(Session& s, const Message&) override { return seen(s, "post_write_push"); }
  Status pre_read_header(Session& s) override { return seen(s, "pre_read_header"); }
  Status post_read_call_header(Ctx& c) override {
    return seen(c.session(), "post_read_call_header");
  }
  Status pre_read_call_body(Ctx& c) override { return seen(c.session(), "pre_read_call_body"); }
  Status post_read_call_body(Ctx& c) override { return seen(c.session(), "post_read_call_body"); }
  Status post_read_push_header(Ctx& c) override {
    return seen(c.session(), "post_read_push_header");
  }
  Status pre_read_push_body(Ctx& c) override { return seen(c.session(), "pre_read_push_body"); }
  Status post_read_push_body(Ctx& c) override { return seen(c.session(), "post_read_push_body"); }
  Status post_read_reply_header(Session& s, Message&) override {
    return seen(s, "post_read_reply_header");
  }
  Status pre_read_reply_body(Session& s, Message&) override {
    return seen(s, "pre_read_reply_body");
  }
  Status post_read_reply_body(Session& s, Message&) override {
    return seen(s, "post_read_reply_body");
  }
  Status post_disconnect(Session& s) override { return seen(s, "post_disconnect"); }

  std::set<std::string> hooks() const {
    std::lock_guard lock(mutex_);
    return hooks_;
  }
  std::set<std::string> off_loop() const {
    std::lock_guard lock(mutex_);
    return off_loop_;
  }

 private:
  Status seen(Session& s, const std::string& hook) {
    const auto executor = io_executor(s);  // target() points into it: keep it alive
    const auto* loop = executor.target<boost::asio::io_context::executor_type>();
    const bool on_loop = loop && loop->running_in_this_thread();
    std::lock_guard lock(mutex_);
    hooks_.insert(hook);
    if (!on_loop) off_loop_.insert(hook);
    return {};
  }
  mutable std::mutex mutex_;
  std::set<std::string> hooks_;
  std::set<std::string> off_loop_;
};

TEST(Threads, EverySessionHookRunsOnTheSessionsThread) {
  auto server_probe = std::make_shared<ThreadProbe>();
  auto client_probe = std::make_shared<ThreadProbe>();
  std::atomic<int> blocking_pushes{0};
  {
    Peer server({.listen_address = "127.0.0.1:0"}, {server_probe});
    EXPECT_TRUE(
        server.route_call_func("/inline", [](Ctx&, const int& x) -> Result<int> { return x + 1; })
            .ok());
    EXPECT_TRUE(server
                    .route_call_func("/blocking",
                                     [](Ctx&, const int& x) -> Result<int> { return x + 2; },
                                     {.blocking = true})
                    .ok());
    EXPECT_TRUE(
        server.router()
            .route_call_async("/async",
                              [](Ctx& ctx, std::function<void(Status)> done) {
                                std::thread([&ctx, done] { done(ctx.set_reply(7)); }).detach();
                              })
            .ok());
    EXPECT_TRUE(server
                    .route_push_func("/note", [&](Ctx&, const int&) { ++blocking_pushes; },
                                     {.blocking = true})
                    .ok());
    ASSERT_TRUE(server.listen().ok());
    Peer client({.redial_times = -1, .redial_interval = std::chrono::milliseconds(20)},
                {client_probe});
    EXPECT_TRUE(client.route_push_func("/back", [](Ctx&, const int&) {}).ok());
    auto [s, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
    ASSERT_TRUE(st.ok()) << st.to_string();
    int out = 0;
    ASSERT_TRUE(s->call<int>("/inline", 1).into(out).ok());
    ASSERT_TRUE(s->call<int>("/blocking", 1).into(out).ok());
    ASSERT_TRUE(s->call<int>("/async", 1).into(out).ok());
    EXPECT_EQ(out, 7);
    ASSERT_TRUE(s->push("/note", 1).ok());
    auto accepted = test::first_session(server);
    ASSERT_NE(accepted, nullptr);
    ASSERT_TRUE(accepted->push("/back", 2).ok());
    ASSERT_TRUE(test::eventually([&] { return blocking_pushes == 1; }));
    accepted->close();  // the client redials
    ASSERT_TRUE(
        test::eventually([&] { return client_probe->hooks().contains("post_dial(redial)"); }));
    ASSERT_TRUE(s->call<int>("/inline", 1).into(out).ok());
  }
  EXPECT_TRUE(server_probe->off_loop().empty()) << *server_probe->off_loop().begin();
  EXPECT_TRUE(client_probe->off_loop().empty()) << *client_probe->off_loop().begin();
  std::set<std::string> all = server_probe->hooks();
  for (const auto& h : client_probe->hooks()) all.insert(h);
  EXPECT_EQ(all.size(), 20U);  // the nineteen session hooks, post_dial once per kind
}

TEST(Threads, BlockingApisAreRefusedOnAnyIoThread) {
  test::MathServer other;
  Peer elsewhere;
  auto [to_other, st] = elsewhere.dial(other.addr());
  ASSERT_TRUE(st.ok());
  // A handler on this server's I/O thread tries to block on another peer's session and dial.
  Peer server({.listen_address = "127.0.0.1:0"});
  EXPECT_TRUE(
      server
          .route_call_func(
              "/relay",
              [&](Ctx&, const int&) -> Result<std::vector<int>> {
                int sum = 0;
                const Status call = to_other->call<int>("/math/add", std::vector{1, 2}).into(sum);
                const Status dial = elsewhere.dial(other.addr()).status;
                return std::vector{call.code(), dial.code()};
              })
          .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client;
  auto [s, cst] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(cst.ok());
  std::vector<int> codes;
  ASSERT_TRUE(s->call<std::vector<int>>("/relay", 0).into(codes).ok());
  EXPECT_EQ(codes, (std::vector{code::kInvalidOp, code::kInvalidOp}));
  // The same calls from this (non-I/O) thread work.
  int sum = 0;
  EXPECT_TRUE(to_other->call<int>("/math/add", std::vector{1, 2}).into(sum).ok());
  EXPECT_EQ(sum, 3);
}

// One I/O thread accepts, and hands each connection to the thread whose turn it is: every thread
// serves a share of the sessions, calls go both ways on them, and they close cleanly.
TEST(Threads, AcceptedConnectionsAreServedOnEveryIoThread) {
  Peer server({.listen_address = "127.0.0.1:0", .io_threads = 3});
  auto thread_hash = [] { return std::hash<std::thread::id>{}(std::this_thread::get_id()); };
  EXPECT_TRUE(
      server
          .route_call_func("/where",
                           [&](Ctx&, const int&) -> Result<std::size_t> { return thread_hash(); })
          .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client({.io_threads = 3});
  EXPECT_TRUE(
      client.route_call_func("/back", [](Ctx&, const int& x) -> Result<int> { return x + 1; })
          .ok());
  std::vector<std::shared_ptr<Session>> sessions;
  std::set<std::size_t> serving_threads;
  for (int i = 0; i < 6; ++i) {
    auto [s, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
    ASSERT_TRUE(st.ok()) << st.to_string();
    std::size_t where = 0;
    ASSERT_TRUE(s->call<std::size_t>("/where", 0).into(where).ok());
    serving_threads.insert(where);
    sessions.push_back(s);
  }
  EXPECT_EQ(serving_threads.size(), 3U);
  ASSERT_TRUE(test::eventually([&] { return server.count_sessions() == 6; }));
  int answered = 0;
  server.range_sessions([&](const std::shared_ptr<Session>& s) {
    int out = 0;
    if (s->call<int>("/back", 1).into(out).ok() && out == 2) ++answered;
    return true;
  });
  EXPECT_EQ(answered, 6);
  for (auto& s : sessions) s->close();
  EXPECT_TRUE(test::eventually([&] { return server.count_sessions() == 0; }));
}

TEST(Threads, AuthRunsAgainAfterARedialAndItsCallsFollowIt) {
  std::atomic<int> checks{0};
  Peer server({.listen_address = "127.0.0.1:0"},
              {std::make_shared<plugin::AuthChecker>(
                  [&](Session&, const std::string& token) -> Result<std::string> {
                    ++checks;
                    if (token != "s3cret") return Status::from_code(code::kUnauthorized, "no");
                    return std::string("ok");
                  })});
  EXPECT_TRUE(
      server.route_call_func("/inc", [](Ctx&, const int& x) -> Result<int> { return x + 1; }).ok());
  ASSERT_TRUE(server.listen().ok());
  // A long redial interval: the test calls while the session is down.
  Peer client({.redial_times = -1, .redial_interval = std::chrono::milliseconds(300)},
              {std::make_shared<plugin::AuthBearer>("s3cret")});
  auto [s, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(checks, 1);
  int out = 0;
  ASSERT_TRUE(s->call<int>("/inc", 1).into(out).ok());
  test::first_session(server)->close();
  // Calls made while the client redials are held, then sent after the new AUTH_CALL.
  ASSERT_TRUE(test::eventually([&] { return !s->health(); }));
  ASSERT_TRUE(s->call<int>("/inc", 2).into(out).ok());
  EXPECT_EQ(out, 3);
  EXPECT_EQ(checks, 2);
}

}  // namespace
}  // namespace tp
