// What a user's first day asked of the session API, over real loopback sockets: ctx.peer(),
// set_id that refuses a taken id, on_close with who closed and why, async_call with any callable
// and the reply's meta, cancellation seen by handlers, error texts without library internals,
// reply decode failures reported as local, and a peer's own logger.
#include <gtest/gtest.h>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <future>
#include <memory>
#include <mutex>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"
#include "teleport/asio.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<Session> must_dial(Peer& peer, const std::string& addr) {
  auto dialed = peer.dial(addr);
  if (!dialed.ok()) throw std::runtime_error(dialed.status.to_string());
  return dialed.value;
}

TEST(SessionApi, HandlersReachTheirPeer) {
  test::MathServer srv;
  Peer* seen = nullptr;
  ASSERT_TRUE(srv.peer
                  .route_call_func("/who",
                                   [&](Ctx& ctx, const int&) -> Result<int> {
                                     seen = &ctx.peer();
                                     return static_cast<int>(ctx.peer().count_sessions());
                                   })
                  .ok());
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  auto count = sess->call<int>("/who", 0);
  ASSERT_TRUE(count.ok()) << count.status.to_string();
  EXPECT_EQ(count.value, 1);
  EXPECT_EQ(seen, &srv.peer);
  EXPECT_EQ(&sess->peer(), &cli);
}

TEST(SessionApi, SetIdRefusesAnIdAnotherSessionHas) {
  test::MathServer srv;
  Peer cli;
  auto a = must_dial(cli, srv.addr());
  auto b = must_dial(cli, srv.addr());
  ASSERT_TRUE(a->set_id("alice").ok());
  const Status taken = b->set_id("alice");
  EXPECT_EQ(taken.code(), code::kInvalidOp) << taken.to_string();
  EXPECT_EQ(cli.get_session("alice"), a);
  EXPECT_NE(b->id(), "alice");
  EXPECT_TRUE(a->set_id("alice").ok());  // its own id again
  ASSERT_TRUE(b->set_id("bob").ok());
  EXPECT_EQ(cli.get_session("bob"), b);
  a->close();
  ASSERT_TRUE(test::eventually([&] { return cli.get_session("alice") == nullptr; }));
  EXPECT_TRUE(b->set_id("alice").ok());  // free once its holder closed
}

TEST(SessionApi, OnCloseTellsARemoteCloseFromALocalOne) {
  test::MathServer srv;
  std::promise<CloseReason> server_saw;
  srv.peer.router().set_unknown_call([](Ctx&) { return Status(); });
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  ASSERT_TRUE(test::eventually([&] { return srv.peer.count_sessions() == 1; }));
  srv.peer.range_sessions([&](const std::shared_ptr<Session>& s) {
    s->on_close([&](const CloseReason& why) { server_saw.set_value(why); });
    return false;
  });
  std::promise<CloseReason> client_saw;
  sess->on_close([&](const CloseReason& why) { client_saw.set_value(why); });
  sess->close();
  const CloseReason local = client_saw.get_future().get();
  EXPECT_FALSE(local.remote());
  EXPECT_EQ(local.status.code(), code::kConnClosed);
  EXPECT_NE(local.status.cause().find("local"), std::string::npos) << local.status.to_string();
  const CloseReason remote = server_saw.get_future().get();
  EXPECT_TRUE(remote.remote()) << remote.status.to_string();
  EXPECT_NE(remote.status.cause().find("remote"), std::string::npos) << remote.status.to_string();

  // A callback added after the close runs at once with the same reason; one without a reason
  // parameter still works.
  std::promise<bool> late;
  sess->on_close([&](const CloseReason& why) { late.set_value(why.remote()); });
  EXPECT_FALSE(late.get_future().get());
  std::promise<void> plain;
  sess->on_close([&] { plain.set_value(); });
  EXPECT_EQ(plain.get_future().wait_for(5s), std::future_status::ready);
}

// A callback that calls again when its call fails (a retry loop, a benchmark's loop) on a closed
// session: each failure comes from the queue, so the loop runs without growing the stack.
TEST(SessionApi, CallingAgainFromAFailedCallsCallbackDoesNotRecurse) {
  test::MathServer srv;
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  std::promise<CloseReason> closed;
  sess->on_close([&](const CloseReason& why) { closed.set_value(why); });
  sess->close();
  closed.get_future().wait();
  constexpr int kAttempts = 200000;  // far past what a recursion's stack would hold
  std::atomic<int> failed{0};
  std::atomic<int> depth{0};
  std::atomic<int> deepest{0};
  std::promise<void> all_failed;
  std::function<void()> again = [&] {
    sess->async_call<int>("/math/add", std::vector{1, 2}, [&](Status st, int) {
      const int now = ++depth;
      deepest = std::max(deepest.load(), now);
      EXPECT_EQ(st.code(), code::kConnClosed);
      if (++failed < kAttempts) {
        again();
      } else {
        all_failed.set_value();
      }
      --depth;
    });
  };
  again();
  ASSERT_EQ(all_failed.get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(failed, kAttempts);
  EXPECT_EQ(deepest, 1);  // every callback returned before the next one ran
}

TEST(SessionApi, AsyncCallTakesAnyCallableAndSeesTheReplyMeta) {
  test::MathServer srv;
  ASSERT_TRUE(srv.peer
                  .route_call_func("/meta/echo",
                                   [](Ctx& ctx, const int& x) -> Result<int> {
                                     ctx.reply_meta().set("X-Served-By", "math");
                                     return x + 1;
                                   })
                  .ok());
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  // A move-only lambda, Out first as in tp::async_call<Out>.
  std::promise<int> sum;
  auto owned = std::make_unique<int>(100);
  sess->async_call<int>("/math/add", std::vector{1, 2, 3},
                        [&sum, owned = std::move(owned)](Status st, int v) {
                          sum.set_value(st.ok() ? v + *owned : -1);
                        });
  EXPECT_EQ(sum.get_future().get(), 106);
  // The three-argument form reads the reply's meta.
  std::promise<std::string> served_by;
  sess->async_call<int>("/meta/echo", 1, [&](Status st, int v, const Message& reply) {
    served_by.set_value(st.ok() && v == 2 ? std::string(reply.meta.get("X-Served-By").value_or(""))
                                          : st.to_string());
  });
  EXPECT_EQ(served_by.get_future().get(), "math");
  // So does the blocking call, given somewhere to put it.
  Meta meta;
  auto r = sess->call<int>("/meta/echo", 41, {}, &meta);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.value, 42);
  EXPECT_EQ(meta.get("X-Served-By"), "math");
}

TEST(SessionApi, ErrorTextsNameNoLibraryInternals) {
  test::MathServer srv;
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  // The server cannot read "x" as numbers: its 400 says why, in words, not Boost's file paths.
  auto bad = sess->call<int>("/math/add", std::string("x"));
  EXPECT_EQ(bad.status.code(), code::kBadMessage) << bad.status.to_string();
  EXPECT_EQ(bad.status.cause().find("boost"), std::string::npos) << bad.status.to_string();
  EXPECT_EQ(bad.status.cause().find("/usr/include"), std::string::npos) << bad.status.to_string();
  EXPECT_FALSE(bad.status.cause().empty());
  // The server answered 15; reading it as a string list fails here, and says so.
  auto local = sess->call<std::vector<std::string>>("/math/add", std::vector{7, 8});
  EXPECT_EQ(local.status.code(), code::kReplyDecodeFailed) << local.status.to_string();
  EXPECT_EQ(local.status.msg(), "Reply Decode Failed");
  EXPECT_EQ(local.status.cause().find("/usr/include"), std::string::npos)
      << local.status.to_string();
}

TEST(SessionApi, BlockingHandlerSeesTheSessionClose) {
  test::MathServer srv;
  std::promise<Status> cancelled_with;
  std::atomic<bool> saw_flag{false};
  ASSERT_TRUE(srv.peer
                  .route_call_func(
                      "/wait",
                      [&](Ctx& ctx, const int&) -> Result<int> {
                        ctx.on_cancel([&](const Status& why) { cancelled_with.set_value(why); });
                        saw_flag = test::eventually([&] { return ctx.cancelled(); });
                        return 0;
                      },
                      RouteOptions{.blocking = true})
                  .ok());
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  std::promise<Status> caller;
  sess->async_call<int>("/wait", 0, [&](Status st, int) { caller.set_value(st); });
  ASSERT_TRUE(test::eventually([&] { return srv.peer.count_sessions() == 1; }));
  std::this_thread::sleep_for(50ms);  // the call is on its way to the worker
  sess->close();
  EXPECT_EQ(caller.get_future().get().code(), code::kConnClosed);
  auto why = cancelled_with.get_future();
  ASSERT_EQ(why.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(why.get().code(), code::kConnClosed);
  ASSERT_TRUE(test::eventually([&] { return saw_flag.load(); }));
}

TEST(SessionApi, AsyncHandlerSeesItsContextAgePass) {
  test::MathServer srv(PeerConfig{.listen_address = "127.0.0.1:0", .default_context_age = 300ms});
  std::promise<Status> cancelled_with;
  ASSERT_TRUE(srv.peer.router()
                  .route_call_async("/never",
                                    [&](Ctx& ctx, std::function<void(Status)> done) {
                                      // Answers only when told the caller gave up.
                                      ctx.on_cancel([&, done](const Status& why) {
                                        cancelled_with.set_value(why);
                                        done(why);
                                      });
                                    })
                  .ok());
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  auto r = sess->call<int>("/never", 0, CallOptions{.timeout = 5s});
  EXPECT_EQ(r.status.code(), code::kHandleTimeout) << r.status.to_string();
  auto why = cancelled_with.get_future();
  ASSERT_EQ(why.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(why.get().code(), code::kHandleTimeout);
}

TEST(SessionApi, CoroutineHandlerIsCancelledWhenTheSessionCloses) {
  test::MathServer srv;
  std::promise<std::string> outcome;
  ASSERT_TRUE(route_call_coro(srv.peer.router(), "/sleep",
                              [&](Ctx& ctx, const int&) -> boost::asio::awaitable<Result<int>> {
                                boost::asio::steady_timer timer(io_executor(ctx.session()), 60s);
                                try {
                                  co_await timer.async_wait(boost::asio::use_awaitable);
                                  outcome.set_value("slept a minute");
                                } catch (const boost::system::system_error& e) {
                                  outcome.set_value(e.code() ==
                                                            boost::asio::error::operation_aborted
                                                        ? "cancelled"
                                                        : e.code().message());
                                }
                                co_return 0;
                              })
                  .ok());
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  sess->async_call<int>("/sleep", 0, [](Status, int) {});
  std::this_thread::sleep_for(100ms);  // the coroutine is waiting on its timer
  sess->close();
  auto seen = outcome.get_future();
  ASSERT_EQ(seen.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(seen.get(), "cancelled");
}

// Keeps what it is given, for the test to read from another thread.
class KeepingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  bool saw(std::string_view text) {
    std::lock_guard lock(mutex_);
    return kept_.find(text) != std::string::npos;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    kept_.append(msg.payload.data(), msg.payload.size()).push_back('\n');
  }
  void flush_() override {}

 private:
  std::string kept_;
};

TEST(SessionApi, APeerLogsToTheLoggerItIsGiven) {
  auto sink = std::make_shared<KeepingSink>();
  auto logger = std::make_shared<spdlog::logger>("session-api-test", sink);
  logger->set_level(spdlog::level::info);
  test::MathServer srv(
      PeerConfig{.listen_address = "127.0.0.1:0", .count_time = true, .logger = logger});
  Peer cli;
  auto sess = must_dial(cli, srv.addr());
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1, 2}).ok());
  ASSERT_TRUE(test::eventually([&] { return sink->saw("handled /math/add"); }));
  EXPECT_EQ(&srv.peer.logger(), logger.get());
}

}  // namespace
}  // namespace tp
