// The heartbeat plugin: pings keep a quiet session open, silence closes it (on the answering
// side, and on a side that pings with calls), a ping is answered while every worker is busy.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <future>
#include <thread>

#include "integration/math_peer.hpp"
#include "teleport/plugin/heartbeat.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

TEST(Heartbeat, PingsKeepAQuietSessionOpen) {
  Peer srv({.listen_address = "127.0.0.1:0"}, {std::make_shared<plugin::Heartbeat>(200ms, false)});
  ASSERT_TRUE(srv.listen().ok());
  Peer cli({}, {std::make_shared<plugin::Heartbeat>(100ms)});
  auto [sess, st] = cli.dial("127.0.0.1:" + std::to_string(srv.listen_port()));
  ASSERT_TRUE(st.ok());
  std::this_thread::sleep_for(
      1500ms);  // over 7 of the server's intervals with no application traffic
  EXPECT_TRUE(sess->health());
  EXPECT_EQ(srv.count_sessions(), 1U);
}

TEST(Heartbeat, SilenceForThreeIntervalsCloses) {
  Peer srv({.listen_address = "127.0.0.1:0"}, {std::make_shared<plugin::Heartbeat>(50ms, false)});
  ASSERT_TRUE(srv.listen().ok());
  Peer silent;  // never pings
  auto [sess, st] = silent.dial("127.0.0.1:" + std::to_string(srv.listen_port()));
  ASSERT_TRUE(st.ok());
  std::promise<void> closed;
  sess->on_close([&] { closed.set_value(); });
  EXPECT_EQ(closed.get_future().wait_for(5s), std::future_status::ready);
}

// Pinging with calls, a side hears the replies: a live peer keeps the session open, a frozen
// one (it accepted, then never answers: a stopped process, a hung host) is closed after three
// silent intervals, which is how a Channel ejects it.
TEST(Heartbeat, CallPingsCloseASessionToAFrozenPeer) {
  Peer live({.listen_address = "127.0.0.1:0"}, {std::make_shared<plugin::Heartbeat>(50ms, false)});
  ASSERT_TRUE(live.listen().ok());
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor frozen(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  Peer cli({}, {std::make_shared<plugin::Heartbeat>(50ms, true, true)});
  auto [to_live, st1] = cli.dial("127.0.0.1:" + std::to_string(live.listen_port()));
  ASSERT_TRUE(st1.ok());
  // The kernel completes the connection from the backlog; nobody ever reads or writes it.
  auto [to_frozen, st2] = cli.dial("127.0.0.1:" + std::to_string(frozen.local_endpoint().port()));
  ASSERT_TRUE(st2.ok());
  std::promise<void> closed;
  to_frozen->on_close([&] { closed.set_value(); });
  EXPECT_EQ(closed.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(300ms);  // six intervals
  EXPECT_TRUE(to_live->health());
}

TEST(Heartbeat, CallPingAnsweredWhileWorkersAreBusy) {
  Peer srv({.listen_address = "127.0.0.1:0", .worker_threads = 1},
           {std::make_shared<plugin::Heartbeat>(50ms, false)});
  EXPECT_TRUE(srv.route_call_func("/busy",
                                  [](Ctx&, const int& ms) -> Result<int> {
                                    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                    return ms;
                                  },
                                  {.blocking = true})
                  .ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli({}, {std::make_shared<plugin::Heartbeat>(50ms, true, true)});
  auto [sess, st] = cli.dial("127.0.0.1:" + std::to_string(srv.listen_port()));
  ASSERT_TRUE(st.ok());
  std::atomic<int> busy_done{0};
  for (int i = 0; i < 10; ++i)
    sess->async_call<int, int>("/busy", 100, [&](Status, int) { ++busy_done; });  // 1 s queued
  int out = 0;
  ASSERT_TRUE(sess->call<int>("/heartbeat", 0, {.body_codec = codec_id::kJson}).into(out).ok());
  EXPECT_LT(busy_done.load(), 10);  // the ping was answered while the work was still queued
  EXPECT_TRUE(sess->health());
}

}  // namespace
}  // namespace tp
