// Metrics over real sockets: what a server and a client count per route and per peer.
#include <gtest/gtest.h>

#include "integration/math_peer.hpp"
#include "integration/raw_client.hpp"
#include "teleport/metrics.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

const RouteMetrics* find(const PeerMetrics& m, std::string_view route, std::string_view side) {
  for (const auto& r : m.routes) {
    if (r.route == route && r.side == side) return &r;
  }
  return nullptr;
}

TEST(Metrics, CountsCallsPushesCodesAndLatencyOnBothSides) {
  test::MathServer server;
  Peer client;
  auto [sess, st] = client.dial(server.addr());
  ASSERT_TRUE(st.ok());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(sess->call<int>("/math/add?author=x", std::vector{1, 2}).ok());
  EXPECT_EQ(sess->call<int>("/math/add", std::vector<int>{}).status.code(), 1001);
  EXPECT_EQ(sess->call<int>("/math/throw", 1).status.code(), code::kInternalServerError);
  EXPECT_EQ(sess->call<int>("/no/such", 1).status.code(), code::kNotFound);
  ASSERT_TRUE(sess->push("/chat/say", std::string("hi")).ok());
  ASSERT_TRUE(test::eventually([&] { return server.pushes == 1; }));

  const PeerMetrics s = server.peer.metrics();
  const RouteMetrics* add = find(s, "/math/add", "handler");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->calls, 11U);
  EXPECT_EQ(add->replies_by_code.at(0), 10U);
  EXPECT_EQ(add->replies_by_code.at(1001), 1U);
  EXPECT_EQ(add->in_flight, 0);
  EXPECT_EQ(add->latency.count, 11U);
  EXPECT_GT(add->latency.p99, 0.0);
  EXPECT_EQ(find(s, "/math/throw", "handler")->replies_by_code.at(500), 1U);
  EXPECT_EQ(find(s, "", "handler")->replies_by_code.at(404), 1U);  // no route: one label
  EXPECT_EQ(find(s, "/chat/say", "handler")->pushes, 1U);
  EXPECT_EQ(s.sessions_accepted, 1U);
  EXPECT_EQ(s.sessions_open, 1);
  EXPECT_GT(s.bytes_in, 0U);
  EXPECT_GT(s.bytes_out, 0U);

  const PeerMetrics c = client.metrics();
  const RouteMetrics* out = find(c, "/math/add", "caller");  // the query is not part of it
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->calls, 11U);
  EXPECT_EQ(out->replies_by_code.at(0), 10U);
  EXPECT_EQ(find(c, "/no/such", "caller")->replies_by_code.at(404), 1U);
  EXPECT_EQ(find(c, "/chat/say", "caller")->pushes, 1U);
  EXPECT_EQ(c.sessions_dialed, 1U);
  EXPECT_GE(c.bytes_in, 0U);

  // Closed by the remote side, as the server sees it; calls cut short count as 102.
  sess->close();
  ASSERT_TRUE(test::eventually([&] { return server.peer.metrics().sessions_open == 0; }));
  EXPECT_EQ(server.peer.metrics().sessions_closed.at("remote"), 1U);
  EXPECT_EQ(client.metrics().sessions_closed.at("local"), 1U);
}

TEST(Metrics, MalformedFramesAndTimeoutsAreCounted) {
  test::MathServer server({.listen_address = "127.0.0.1:0", .detect_protocol = false});
  test::RawClient raw(server.peer.listen_port());
  raw.send(std::string("\x00\x00\x00\x03", 4));  // a length below the minimum
  EXPECT_TRUE(raw.closed_by_peer());
  ASSERT_TRUE(test::eventually([&] { return server.peer.metrics().frames_malformed == 1; }));

  Peer silent({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(
      silent.router().route_call_async("/hang", [](Ctx&, std::function<void(Status)>) {}).ok());
  ASSERT_TRUE(silent.listen().ok());
  Peer client;
  auto [sess, st] = client.dial("127.0.0.1:" + std::to_string(silent.listen_port()));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(sess->call<int>("/hang", 1, {.timeout = 50ms}).status.code(), code::kHandleTimeout);
  const PeerMetrics c = client.metrics();
  EXPECT_EQ(find(c, "/hang", "caller")->replies_by_code.at(code::kHandleTimeout), 1U);
  EXPECT_EQ(find(silent.metrics(), "/hang", "handler")->in_flight, 1);
}

// The bounds on what one thread keeps: 1000 caller-side paths (then "(other)"), 12 status codes
// per route (then -1).
TEST(Metrics, RoutesAndCodesAreBounded) {
  Peer server({.listen_address = "127.0.0.1:0", .io_threads = 1});
  ASSERT_TRUE(server
                  .route_call_func("/code",
                                   [](Ctx&, const int& c) -> Result<int> {
                                     if (c == 0) return 0;
                                     return Status(1000 + c, "chosen");
                                   })
                  .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client({.io_threads = 1});
  auto [sess, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(st.ok());
  for (int c = 0; c < 15; ++c) (void)sess->call<int>("/code", c);
  const auto codes = find(server.metrics(), "/code", "handler")->replies_by_code;
  EXPECT_EQ(codes.size(), 13U);  // 12 kept, the rest under -1
  EXPECT_EQ(codes.at(-1), 3U);
  for (int i = 0; i < 1005; ++i) (void)sess->call<int>("/p" + std::to_string(i), 0);
  const PeerMetrics c = client.metrics();
  std::size_t caller_routes = 0;
  for (const auto& r : c.routes) caller_routes += r.side == "caller";
  EXPECT_EQ(caller_routes, 1001U);  // "/code", 999 of the paths, then "(other)"
  EXPECT_EQ(find(c, "(other)", "caller")->calls, 6U);
}

TEST(Metrics, OffMeansNoRoutes) {
  test::MathServer server({.listen_address = "127.0.0.1:0", .metrics = false});
  Peer client({.metrics = false});
  auto [sess, st] = client.dial(server.addr());
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1}).ok());
  EXPECT_TRUE(server.peer.metrics().routes.empty());
  EXPECT_EQ(server.peer.metrics().sessions_open, 1);
  EXPECT_TRUE(client.metrics().routes.empty());
}

}  // namespace
}  // namespace tp
