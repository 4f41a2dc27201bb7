// Faults that must stay inside one step: a plugin hook that throws, and blocking push handlers
// that a graceful shutdown must wait for.
#include <gtest/gtest.h>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

// Throws from the hooks it is told to.
class ThrowingPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "throwing"; }
  Status post_read_call_header(Ctx& ctx) override {
    if (ctx.path() == "/math/add") throw std::runtime_error("bad plugin");
    return {};
  }
  Status pre_read_header(Session&) override {
    if (throw_on_read) throw 42;  // not even an std::exception
    return {};
  }
  std::atomic<bool> throw_on_read{false};
};

TEST(FaultIsolation, AThrowingPluginHookFailsItsStepNotTheProcess) {
  auto plugin = std::make_shared<ThrowingPlugin>();
  Peer server({.listen_address = "127.0.0.1:0"}, {plugin});
  EXPECT_TRUE(server
                  .route_call_func("/math/add",
                                   [](Ctx&, const std::vector<int>& xs) -> Result<int> {
                                     return static_cast<int>(xs.size());
                                   })
                  .ok());
  EXPECT_TRUE(
      server.route_call_func("/math/other", [](Ctx&, const int& x) -> Result<int> { return x; })
          .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client(PeerConfig{});
  auto [session, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok());
  int out = 0;
  const Status threw = session->call<int>("/math/add", std::vector{1, 2}).into(out);
  EXPECT_EQ(threw.code(), code::kInternalServerError);
  EXPECT_NE(threw.cause().find("plugin hook threw: bad plugin"), std::string::npos)
      << threw.to_string();
  EXPECT_TRUE(session->call<int>("/math/other", 7).into(out).ok());  // the session goes on
  EXPECT_EQ(out, 7);
  plugin->throw_on_read = true;  // a hook failing before a frame is read closes that session
  EXPECT_EQ(session->call<int>("/math/other", 8, {.timeout = 5s}).into(out).code(),
            code::kConnClosed);
  plugin->throw_on_read = false;
  auto [again, st2] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st2.ok());
  EXPECT_TRUE(again->call<int>("/math/other", 9).into(out).ok());  // and the server is still there
}

TEST(FaultIsolation, ShutdownWaitsForBlockingPushHandlersAndWhatTheySend) {
  Peer server({.listen_address = "127.0.0.1:0"});
  std::atomic<int> handled{0};
  EXPECT_TRUE(server
                  .route_push_func("/work",
                                   [&](Ctx& ctx, const int& n) {
                                     std::this_thread::sleep_for(300ms);
                                     ++handled;
                                     (void)ctx.session().push(
                                         "/done",
                                         n);  // a side effect the shutdown must not cut
                                   },
                                   {.blocking = true})
                  .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client(PeerConfig{});
  std::atomic<int> done{0};
  EXPECT_TRUE(client.route_push_func("/done", [&](Ctx&, const int&) { ++done; }).ok());
  auto [session, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(session->push("/work", i).ok());
  // Wait until the pushes have arrived (a call after them on the same session is answered after
  // they are read), then shut down while their handlers still sleep.
  int ignored = 0;
  (void)session->call<int>("/none", 0).into(ignored);
  server.shutdown(5s);
  EXPECT_EQ(handled.load(), 4);
  EXPECT_TRUE(test::eventually([&] { return done.load() == 4; }));
}

}  // namespace
}  // namespace tp
