// A caller's deadlines over real sockets: one timer per session serves every call waiting on it,
// so these check what that timer must get right — an earlier deadline after a later one, many
// deadlines at once, replies that beat their deadline, and a close with deadlines still set.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// A TCP port that takes connections (the kernel's backlog completes them) and never answers:
/// every call sent there waits until its deadline.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "silent server: " << std::strerror(errno);
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  [[nodiscard]] std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// One call's outcome: its status code and when it came, after the calls started.
struct Outcome {
  int index = 0;
  std::int32_t code = 0;
  std::chrono::milliseconds after{};
};

/// Collects the outcomes of calls made with async_call, from the I/O thread.
class Outcomes {
 public:
  /// The callback for call `index`.
  auto record(int index) {
    return [this, index](Status st, int) {
      const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0_);
      const std::lock_guard lock(mutex_);
      seen_.push_back({index, st.code(), after});
    };
  }
  /// Waits until `n` outcomes have come (false after 20 s).
  bool wait_for(std::size_t n) {
    return test::eventually([&] { return size() >= n; }, 20s);
  }
  [[nodiscard]] std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return seen_.size();
  }
  [[nodiscard]] std::vector<Outcome> all() const {
    const std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  const Clock::time_point t0_ = Clock::now();
  mutable std::mutex mutex_;
  std::vector<Outcome> seen_;
};

TEST(CallDeadline, AnEarlierDeadlineAfterALaterOneFiresOnTime) {
  SilentServer silent;
  Peer cli;
  auto [sess, st] = cli.dial(silent.addr());
  ASSERT_TRUE(st.ok()) << st.to_string();
  Outcomes out;
  // The timer is set for the first call's 1.5 s first; the next two must not wait for it.
  sess->async_call<int>("/never", 0, out.record(0), {.timeout = 1500ms});
  sess->async_call<int>("/never", 0, out.record(1), {.timeout = 100ms});
  sess->async_call<int>("/never", 0, out.record(2), {.timeout = 300ms});
  ASSERT_TRUE(out.wait_for(3));
  const auto seen = out.all();
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].index, 1);
  EXPECT_EQ(seen[1].index, 2);
  EXPECT_EQ(seen[2].index, 0);
  for (const auto& o : seen) EXPECT_EQ(o.code, code::kHandleTimeout) << "call " << o.index;
  // Never before the deadline; the upper bounds leave room for a slow sanitizer build.
  EXPECT_GE(seen[0].after, 100ms);
  EXPECT_LT(seen[0].after, 1000ms);
  EXPECT_GE(seen[1].after, 300ms);
  EXPECT_LT(seen[1].after, 1200ms);
  EXPECT_GE(seen[2].after, 1500ms);
  EXPECT_LT(seen[2].after, 3000ms);
}

TEST(CallDeadline, ManyDeadlinesFailOnceEachInDeadlineOrder) {
  SilentServer silent;
  Peer cli;
  auto [sess, st] = cli.dial(silent.addr());
  ASSERT_TRUE(st.ok()) << st.to_string();
  constexpr int kCalls = 60;
  std::vector<int> order(kCalls);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(7));  // sent out of deadline order
  Outcomes out;
  for (int i : order) {
    sess->async_call<int>("/never", i, out.record(i), {.timeout = 20ms + i * 5ms});
  }
  ASSERT_TRUE(out.wait_for(kCalls));
  std::this_thread::sleep_for(100ms);  // room for a second completion of any call
  const auto seen = out.all();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kCalls));
  for (int k = 0; k < kCalls; ++k) {
    EXPECT_EQ(seen[k].index, k) << "calls fail in the order of their deadlines";
    EXPECT_EQ(seen[k].code, code::kHandleTimeout);
    EXPECT_GE(seen[k].after, 20ms + seen[k].index * 5ms);
  }
}

TEST(CallDeadline, RepliesThatBeatTheirDeadlineNeverTimeOut) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok()) << st.to_string();
  constexpr int kCalls = 300;
  std::mutex mutex;
  std::vector<std::int32_t> codes;
  for (int i = 0; i < kCalls; ++i) {
    sess->async_call<int>("/math/add", std::vector{i, 1},
                          [&](Status s, int) {
                            const std::lock_guard lock(mutex);
                            codes.push_back(s.code());
                          },
                          {.timeout = 200ms + (i % 3) * 100ms});
  }
  ASSERT_TRUE(test::eventually([&] {
    const std::lock_guard lock(mutex);
    return codes.size() >= kCalls;
  }));
  std::this_thread::sleep_for(600ms);  // past every deadline: the timer fires and finds none due
  const std::lock_guard lock(mutex);
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(kCalls)) << "a replied call completed twice";
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 0), kCalls);
  int sum = 0;
  EXPECT_TRUE(sess->call<int>("/math/add", std::vector{2, 3}, {.timeout = 1s}).into(sum).ok());
  EXPECT_EQ(sum, 5);
}

TEST(CallDeadline, ClosingFailsTimedCallsOnceAndLeavesNoTimerBehind) {
  SilentServer silent;
  const auto t0 = Clock::now();
  Outcomes out;
  {
    Peer cli;
    auto [sess, st] = cli.dial(silent.addr());
    ASSERT_TRUE(st.ok()) << st.to_string();
    for (int i = 0; i < 10; ++i)
      sess->async_call<int>("/never", i, out.record(i), {.timeout = 30s});
    sess->close();  // after the calls: both go through the session's thread in order
    ASSERT_TRUE(out.wait_for(10));
  }  // the peer joins its I/O threads here: a timer still set for 30 s would hold them
  EXPECT_LT(Clock::now() - t0, 10s);
  const auto seen = out.all();
  ASSERT_EQ(seen.size(), 10U);
  for (const auto& o : seen) EXPECT_EQ(o.code, code::kConnClosed) << "call " << o.index;
}

TEST(CallDeadline, APeerClosedWithDeadlinesSetDoesNotWaitForThem) {
  SilentServer silent;
  const auto t0 = Clock::now();
  Outcomes out;
  {
    Peer cli;
    auto [sess, st] = cli.dial(silent.addr());
    ASSERT_TRUE(st.ok()) << st.to_string();
    sess->async_call<int>("/never", 0, out.record(0), {.timeout = 30s});
    std::this_thread::sleep_for(50ms);  // the call is out and waiting
  }                                     // no close first: the peer's own shutdown ends the session
  EXPECT_LT(Clock::now() - t0, 10s);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out.all()[0].code, code::kConnClosed);
}

}  // namespace
}  // namespace tp
