// Peers that stall: slowloris, silent connections, a client that never reads its replies, more
// connections than allowed. Each is closed by a deadline or refused, and a normal client goes on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "integration/math_peer.hpp"
#include "reliability/hostile.hpp"
#include "support/eventually.hpp"

namespace tp::test {
namespace {

constexpr std::size_t kMiB = 1 << 20;

TEST(Timeouts, SlowlorisAndSilentConnectionsAreClosed) {
  MathServer srv({.listen_address = "127.0.0.1:0", .read_timeout = 1s, .handshake_timeout = 1s});
  LatencyProbe probe(srv.peer.listen_port());
  const std::string frame = raw_call(1, "/math/add", "", "[1,2,3]");
  std::vector<int> slow;
  std::vector<int> silent;
  for (int i = 0; i < 300; ++i) slow.push_back(connect_raw(srv.peer.listen_port()));
  for (int i = 0; i < 300; ++i) silent.push_back(connect_raw(srv.peer.listen_port()));
  // One byte per connection every 100 ms: the 44-byte frame would take 4.4 s to arrive.
  const auto start = std::chrono::steady_clock::now();
  std::vector<bool> refused(slow.size(), false);
  for (std::size_t at = 0; at < frame.size() && std::chrono::steady_clock::now() - start < 3s;
       ++at) {
    for (std::size_t i = 0; i < slow.size(); ++i) {
      if (!refused[i] && ::send(slow[i], &frame[at], 1, MSG_NOSIGNAL) != 1) refused[i] = true;
    }
    std::this_thread::sleep_for(100ms);
  }
  const int slow_closed = count_closed(slow, start + 4s);
  const int silent_closed = count_closed(silent, start + 4s);
  figure("slowloris",
         "300 connections sending 1 byte/100 ms, 300 sending nothing (read and "
         "handshake timeouts 1 s): closed " +
             std::to_string(slow_closed) + "/300 and " + std::to_string(silent_closed) +
             "/300 within 4 s, " + probe.stop());
  close_all(slow);
  close_all(silent);
  EXPECT_EQ(slow_closed, 300);
  EXPECT_EQ(silent_closed, 300);
  EXPECT_EQ(probe.errors(), 0);
}

TEST(Timeouts, IdleTimeoutClosesQuietSessionsWhenAskedFor) {
  MathServer srv({.listen_address = "127.0.0.1:0", .idle_timeout = 500ms});
  Peer client({.io_threads = 1});
  auto [session, st] = client.dial("127.0.0.1:" + std::to_string(srv.peer.listen_port()));
  ASSERT_TRUE(st.ok());
  int sum = 0;
  ASSERT_TRUE(session->call<int>("/math/add", std::vector{1, 2}).into(sum).ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(test::eventually([&] { return !session->health(); }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);
}

TEST(Backpressure, AClientThatNeverReadsIsBoundedThenClosed) {
  MathServer srv({.listen_address = "127.0.0.1:0", .max_unsent_bytes = kMiB, .write_timeout = 2s});
  LatencyProbe probe(srv.peer.listen_port());
  RssSampler rss;
  const int fd = connect_raw(srv.peer.listen_port());
  ASSERT_GE(fd, 0);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  // Pipelined echo calls of 16 KiB each, never reading a reply.
  const std::string call =
      raw_call(1, "/echo/bytes", "", "\"" + std::string(16 * 1024, 'x') + "\"");
  std::size_t sent = 0;
  std::size_t at = 0;
  bool closed = false;
  auto last_progress = std::chrono::steady_clock::now();
  const auto start = last_progress;
  while (std::chrono::steady_clock::now() - start < 10s) {
    const ssize_t n = ::send(fd, call.data() + at, call.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      at = (at + static_cast<std::size_t>(n)) % call.size();
      last_progress = std::chrono::steady_clock::now();
    } else if (errno == EAGAIN) {
      std::this_thread::sleep_for(10ms);  // the server has stopped reading
    } else {
      closed = true;  // reset: the server gave up on us
      break;
    }
  }
  const auto stalled_for = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - last_progress);
  const std::size_t growth = rss.peak_growth();
  figure("unread-flood",
         "pipelined 16 KiB calls, replies never read: server took " + std::to_string(sent / kMiB) +
             " MiB then stopped reading; RSS growth " + std::to_string(growth / kMiB) +
             " MiB; closed by write timeout: " + (closed ? "yes" : "no") + " (" +
             std::to_string(stalled_for.count()) + " ms after the last byte taken), " +
             probe.stop());
  ::close(fd);
  EXPECT_TRUE(closed);
  EXPECT_LT(sent, 64 * kMiB);  // kernel buffers both ways plus the 1 MiB cap, not unbounded
  EXPECT_LT(growth, 64 * kMiB);
  EXPECT_EQ(probe.errors(), 0);
}

// A burst of pipelined calls whose replies pass the cap pauses reading; a client that reads
// them lets the server resume, also when the socket took each batch of replies at once.
TEST(Backpressure, ACappedSessionResumesWhenItsRepliesAreTaken) {
  MathServer srv({.listen_address = "127.0.0.1:0", .max_unsent_bytes = 2048});
  const int fd = connect_raw(srv.peer.listen_port());
  ASSERT_GE(fd, 0);
  constexpr int kCalls = 300;  // about 13 KiB of calls, one read; ~10 KiB of replies
  std::string burst;
  for (int i = 1; i <= kCalls; ++i) burst += raw_call(i, "/math/add", "", "[1,2,3]");
  ASSERT_TRUE(send_all(fd, burst));
  std::string in;
  int replies = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (replies < kCalls && std::chrono::steady_clock::now() < deadline) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
    while (in.size() >= 4) {  // whole frames: a 4-byte big-endian length counts itself
      const auto* b = reinterpret_cast<const unsigned char*>(in.data());
      const std::size_t len = std::size_t{b[0]} << 24 | std::size_t{b[1]} << 16 |
                              std::size_t{b[2]} << 8 | std::size_t{b[3]};
      if (in.size() < len) break;
      in.erase(0, len);
      ++replies;
    }
  }
  ::close(fd);
  EXPECT_EQ(replies, kCalls);
}

TEST(Limits, ConnectionsBeyondMaxConnectionsAreRefused) {
  MathServer srv({.listen_address = "127.0.0.1:0", .max_connections = 5});
  std::vector<int> fds;
  for (int i = 0; i < 12; ++i) fds.push_back(connect_raw(srv.peer.listen_port()));
  const int closed = count_closed(fds, std::chrono::steady_clock::now() + 1s);
  EXPECT_EQ(closed, 7);
  EXPECT_EQ(srv.peer.count_sessions(), 5u);
  close_all(fds);
}

}  // namespace
}  // namespace tp::test
