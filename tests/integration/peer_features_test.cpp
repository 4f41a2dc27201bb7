// Controllers, plugins, worker pool, redial, ages, graceful shutdown, logging — over loopback.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <sstream>
#include <thread>

#include <sys/socket.h>

#include "integration/math_peer.hpp"
#include "integration/recording_plugin.hpp"
#include "support/eventually.hpp"

namespace demo {
struct Calc : tp::CallCtl {
  tp::Result<int> add(const std::vector<int>& xs) {
    int sum = 0;
    for (int x : xs) sum += x;
    if (auto scale = ctx().query_param("times")) sum *= std::stoi(*scale);
    return sum;
  }
};
BOOST_DESCRIBE_STRUCT(Calc, (), (add))
}  // namespace demo

namespace tp {
namespace {

using namespace std::chrono_literals;

std::string addr_of(const Peer& p) { return "127.0.0.1:" + std::to_string(p.listen_port()); }

TEST(Controller, DescribedStructServesItsMethods) {
  Peer srv({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(srv.route_call<demo::Calc>().ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli;
  auto [sess, st] = cli.dial(addr_of(srv));
  ASSERT_TRUE(st.ok());
  int out = 0;
  ASSERT_TRUE(sess->call<int>("/calc/add?times=10", std::vector{1, 2, 3}).into(out).ok());
  EXPECT_EQ(out, 60);
}

TEST(Plugins, EveryHookRunsAndInOrder) {
  auto srv_rec = std::make_shared<test::RecordingPlugin>();
  auto cli_rec = std::make_shared<test::RecordingPlugin>();
  {
    Peer srv({.listen_address = "127.0.0.1:0"}, {srv_rec});
    EXPECT_TRUE(
        srv.route_call_func("/echo", [](Ctx&, const int& x) -> Result<int> { return x; }).ok());
    EXPECT_TRUE(srv.route_push_func("/note", [](Ctx&, const int&) {}).ok());
    ASSERT_TRUE(srv.listen().ok());
    Peer cli({}, {cli_rec});
    auto [sess, st] = cli.dial(addr_of(srv));
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(sess->push("/note", 1).ok());
    int out = 0;
    ASSERT_TRUE(sess->call<int>("/echo", 7).into(out).ok());
    sess->close();
  }
  for (const char* hook :
       {"pre_new_peer", "post_new_peer", "post_reg", "post_listen", "post_accept",
        "pre_write_reply", "post_write_reply", "pre_read_header", "post_read_call_header",
        "pre_read_call_body", "post_read_call_body", "post_read_push_header", "pre_read_push_body",
        "post_read_push_body", "post_disconnect"}) {
    EXPECT_TRUE(srv_rec->saw(hook)) << hook;
  }
  for (const char* hook : {"pre_new_peer", "post_new_peer", "pre_dial", "post_dial",
                           "pre_write_call", "post_write_call", "pre_write_push", "post_write_push",
                           "pre_read_header", "post_read_reply_header", "pre_read_reply_body",
                           "post_read_reply_body", "post_disconnect"}) {
    EXPECT_TRUE(cli_rec->saw(hook)) << hook;
  }
  auto s = srv_rec->seen();
  auto pos = [&](const char* h) { return std::find(s.begin(), s.end(), h) - s.begin(); };
  EXPECT_LT(pos("pre_new_peer"), pos("post_new_peer"));
  EXPECT_LT(pos("post_read_call_header"), pos("pre_read_call_body"));
  EXPECT_LT(pos("pre_read_call_body"), pos("post_read_call_body"));
  EXPECT_LT(pos("post_read_call_body"), pos("pre_write_reply"));
  EXPECT_LT(pos("pre_write_reply"), pos("post_write_reply"));
}

// The seeds' ignore-case plugin: routes are matched whatever the case of the service method.
struct IgnoreCase : Plugin {
  std::string_view name() const override { return "ignorecase"; }
  Status post_read_call_header(Ctx& ctx) override {
    std::string sm = ctx.service_method();
    std::transform(sm.begin(), sm.end(), sm.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    ctx.reset_service_method(std::move(sm));
    return {};
  }
};

struct DenyAdmin : Plugin {
  std::string_view name() const override { return "deny"; }
  Status post_read_call_header(Ctx&) override {
    return Status::from_code(code::kUnauthorized, "admins only");
  }
};

TEST(Plugins, HooksChangeRoutingAndAbortWithTheirStatus) {
  Peer srv({.listen_address = "127.0.0.1:0"}, {std::make_shared<IgnoreCase>()});
  EXPECT_TRUE(srv.route_call_func(
                     "/math/add",
                     [](Ctx&, const std::vector<int>& xs) -> Result<int> { return int(xs.size()); })
                  .ok());
  auto admin = srv.router().sub_route("/admin", {std::make_shared<DenyAdmin>()});
  EXPECT_TRUE(
      admin.route_call_func("/stats", [](Ctx&, const int&) -> Result<int> { return 1; }).ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli;
  auto [sess, st] = cli.dial(addr_of(srv));
  ASSERT_TRUE(st.ok());
  int out = 0;
  ASSERT_TRUE(sess->call<int>("/MATH/Add", std::vector{1, 2}).into(out).ok());
  EXPECT_EQ(out, 2);
  Status denied = sess->call<int>("/admin/stats", 1).into(out);
  EXPECT_EQ(denied.code(), code::kUnauthorized);
  EXPECT_EQ(denied.cause(), "admins only");
}

TEST(Plugins, PreDialAndPostAcceptRefusals) {
  struct NoDial : Plugin {
    std::string_view name() const override { return "nodial"; }
    Status pre_dial(std::string_view) override {
      return Status::from_code(code::kDialFailed, "not today");
    }
  };
  struct NoAccept : Plugin {
    std::string_view name() const override { return "noaccept"; }
    Status post_accept(Session&) override {
      return Status::from_code(code::kUnauthorized, "go away");
    }
  };
  Peer srv({.listen_address = "127.0.0.1:0"}, {std::make_shared<NoAccept>()});
  test::MathServer good;
  ASSERT_TRUE(srv.listen().ok());
  Peer refusing({}, {std::make_shared<NoDial>()});
  EXPECT_EQ(refusing.dial(good.addr()).status.cause(), "not today");
  Peer cli;
  auto [sess, st] = cli.dial(addr_of(srv));
  ASSERT_TRUE(st.ok());
  std::promise<void> closed;
  sess->on_close([&] { closed.set_value(); });
  EXPECT_EQ(closed.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(srv.count_sessions(), 0U);
}

TEST(WorkerPool, BlockingHandlerDoesNotStallTheSession) {
  Peer srv({.listen_address = "127.0.0.1:0", .io_threads = 1});
  EXPECT_TRUE(srv.route_call_func("/slow",
                                  [](Ctx&, const int& ms) -> Result<int> {
                                    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                    return ms;
                                  },
                                  {.blocking = true})
                  .ok());
  EXPECT_TRUE(
      srv.route_call_func("/fast", [](Ctx&, const int& x) -> Result<int> { return x; }).ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli;
  auto [sess, st] = cli.dial(addr_of(srv));
  ASSERT_TRUE(st.ok());
  std::promise<Status> slow_done;
  auto slow = slow_done.get_future();
  sess->async_call<int, int>("/slow", 1500, [&](Status s, int) { slow_done.set_value(s); });
  int out = 0;
  ASSERT_TRUE(sess->call<int>("/fast", 3).into(out).ok());
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout);  // answered while /slow still runs
  EXPECT_TRUE(slow.get().ok());
}

TEST(Ages, ContextAgeGives408FromTheServerAndSessionAgeCloses) {
  Peer srv({.listen_address = "127.0.0.1:0", .default_context_age = 50ms});
  EXPECT_TRUE(srv.route_call_func("/slow",
                                  [](Ctx&, const int& ms) -> Result<int> {
                                    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                    return ms;
                                  })
                  .ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli;
  auto [sess, st] = cli.dial(addr_of(srv));
  ASSERT_TRUE(st.ok());
  int out = 0;
  Status late = sess->call<int>("/slow", 120)
                    .into(out);  // the client has no deadline: the 408 is the server's
  EXPECT_EQ(late.code(), code::kHandleTimeout);
  EXPECT_EQ(late.cause(), "handler exceeded the context age");
  EXPECT_TRUE(sess->call<int>("/slow", 1).into(out).ok());

  Peer aging({.listen_address = "127.0.0.1:0", .default_session_age = 100ms});
  ASSERT_TRUE(aging.listen().ok());
  auto [old, st2] = cli.dial(addr_of(aging));
  ASSERT_TRUE(st2.ok());
  std::promise<void> closed;
  old->on_close([&] { closed.set_value(); });
  EXPECT_EQ(closed.get_future().wait_for(5s), std::future_status::ready);
}

TEST(Redial, UnlimitedRedialResumesAfterTheServerComesBack) {
  auto srv = std::make_unique<test::MathServer>();
  const std::string addr = srv->addr();
  const std::string port = addr.substr(addr.rfind(':') + 1);
  Peer cli({.redial_times = -1, .redial_interval = 50ms});
  auto [sess, st] = cli.dial(addr);
  ASSERT_TRUE(st.ok());
  int sum = 0;
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1, 1}).into(sum).ok());
  srv.reset();                         // the server goes away...
  std::this_thread::sleep_for(300ms);  // ...for several redial attempts (eRPC#56)...
  srv = std::make_unique<test::MathServer>(
      PeerConfig{.listen_address = "127.0.0.1:" + port});  // ...and returns
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{2, 3}, {.timeout = 5000ms}).into(sum).ok());
  EXPECT_EQ(sum, 5);
  EXPECT_TRUE(sess->health());
}

TEST(Redial, ACallBrokenByTheDropIsResentOnceAfterRedial) {
  std::atomic<int> last_fd{-1};
  Peer srv({.listen_address = "127.0.0.1:0", .control_fd = [&](int fd) { last_fd = fd; }});
  std::atomic<int> calls{0};
  EXPECT_TRUE(srv.route_call_func(
                     "/flaky",
                     [&](Ctx&, const int& x) -> Result<int> {
                       if (calls++ == 0)
                         ::shutdown(last_fd, SHUT_RDWR);  // the first attempt loses its connection
                       return x * 2;
                     })
                  .ok());
  ASSERT_TRUE(srv.listen().ok());
  // eRPC#86: a post_dial refusal on the first redial must not stop later attempts.
  struct RefuseFirstRedial : Plugin {
    std::atomic<int> redials{0};
    std::string_view name() const override { return "refuse-first-redial"; }
    Status post_dial(Session&, bool redialed) override {
      if (redialed && redials++ == 0) return Status(code::kDialFailed, "not yet");
      return {};
    }
  };
  auto refuse = std::make_shared<RefuseFirstRedial>();
  Peer cli({.redial_times = 5, .redial_interval = 20ms}, {refuse});
  auto [sess, st] = cli.dial(addr_of(srv));
  ASSERT_TRUE(st.ok());
  int out = 0;
  ASSERT_TRUE(sess->call<int>("/flaky", 21, {.timeout = 5000ms}).into(out).ok());
  EXPECT_EQ(out, 42);
  EXPECT_EQ(calls.load(), 2);  // sent, broken, re-sent once
  EXPECT_GE(refuse->redials.load(), 2);
}

TEST(Shutdown, InFlightCallsFinishBeforeTheServerCloses) {
  auto srv = std::make_unique<Peer>(PeerConfig{.listen_address = "127.0.0.1:0"});
  std::atomic<bool> handling{false};
  EXPECT_TRUE(srv->route_call_func("/slow",
                                   [&](Ctx&, const int& ms) -> Result<int> {
                                     handling = true;
                                     std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                     return ms;
                                   },
                                   {.blocking = true})
                  .ok());
  ASSERT_TRUE(srv->listen().ok());
  Peer cli;
  auto [sess, st] = cli.dial(addr_of(*srv));
  ASSERT_TRUE(st.ok());
  std::promise<Status> done;
  sess->async_call<int, int>("/slow", 200, [&](Status s, int) { done.set_value(s); });
  ASSERT_TRUE(test::eventually([&] { return handling.load(); }));  // the call is being handled
  srv->shutdown(2000ms);
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_EQ(cli.dial(addr_of(*srv)).status.code(), code::kDialFailed);  // no longer accepting
}

TEST(Logging, PrintDetailCountTimeAndSlowCalls) {
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "teleport", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  spdlog::drop("teleport");
  spdlog::register_logger(logger);
  {
    Peer srv({.listen_address = "127.0.0.1:0",
              .slow_call_threshold = 20ms,
              .print_detail = true,
              .count_time = true});
    EXPECT_TRUE(srv.route_call_func("/slow",
                                    [](Ctx& ctx, const int& ms) -> Result<int> {
                                      ctx.logger().info("handler says hi");
                                      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                      return ms;
                                    })
                    .ok());
    ASSERT_TRUE(srv.listen().ok());
    // The caller logs its side too, naming the method it kept for the call.
    Peer cli({.slow_call_threshold = 20ms, .count_time = true});
    auto [sess, st] = cli.dial(addr_of(srv));
    int out = 0;
    ASSERT_TRUE(sess->call<int>("/slow", 40).into(out).ok());
  }
  spdlog::drop("teleport");
  const std::string text = log.str();
  EXPECT_NE(text.find("recv"), std::string::npos) << text;
  EXPECT_NE(text.find("CALL seq=1 /slow status=code=0"), std::string::npos) << text;
  EXPECT_NE(text.find("handled /slow"), std::string::npos) << text;
  EXPECT_NE(text.find("slow call /slow from"), std::string::npos) << text;
  EXPECT_NE(text.find("call /slow to"), std::string::npos) << text;
  EXPECT_NE(text.find("slow call /slow to"), std::string::npos) << text;
  EXPECT_NE(text.find("handler says hi"), std::string::npos) << text;
}

TEST(SocketOptions, ControlFdSeesEachConnection) {
  std::atomic<int> fds{0};
  Peer srv({.listen_address = "127.0.0.1:0",
            .keepalive_period = std::chrono::seconds(30),
            .read_buffer_size = 65536,
            .control_fd = [&](int fd) { fds += fd > 0 ? 1 : 0; }});
  ASSERT_TRUE(srv.listen().ok());
  Peer cli({.no_delay = false});
  auto [a, st1] = cli.dial(addr_of(srv));
  auto [b, st2] = cli.dial(addr_of(srv));
  ASSERT_TRUE(st1.ok() && st2.ok());
  EXPECT_TRUE(test::eventually([&] { return fds.load() == 2; }));
}

}  // namespace
}  // namespace tp
