#include "reliability/hostile.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <mutex>

#include "teleport/peer.hpp"
#include "unit/proto/frame_builder.hpp"

namespace tp::test {

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
}  // namespace tp::test
// The sanitizer's allocator keeps its own books (GCC ships no header declaring this).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
namespace tp::test {
std::size_t heap_in_use() { return __sanitizer_get_current_allocated_bytes(); }
#else
std::size_t heap_in_use() {
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}
#endif

RssSampler::RssSampler() : base_(rss_bytes()), peak_(base_) {
  thread_ = std::thread([this] {
    while (!stop_) {
      const std::size_t now = rss_bytes();
      if (now > peak_) peak_ = now;
      std::this_thread::sleep_for(5ms);
    }
  });
}

RssSampler::~RssSampler() {
  stop_ = true;
  thread_.join();
}

std::size_t RssSampler::peak_growth() const {
  const std::size_t now = std::max(rss_bytes(), peak_.load());
  return now > base_ ? now - base_ : 0;
}

int connect_raw(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool closed_by_peer(int fd, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char sink[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0) return false;
    const ssize_t n = ::recv(fd, sink, sizeof sink, 0);
    if (n <= 0) return true;  // EOF or reset
  }
}

void close_all(std::vector<int>& fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  fds.clear();
}

int count_closed(const std::vector<int>& fds, std::chrono::steady_clock::time_point deadline) {
  int closed = 0;
  for (int fd : fds) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    closed += closed_by_peer(fd, std::max(left, std::chrono::milliseconds(0))) ? 1 : 0;
  }
  return closed;
}

std::string raw_call(int seq, std::string_view sm, std::string_view meta, std::string_view body) {
  FrameBuilder b;
  b.u8(0)                                // no transfer filters
      .short_field(std::to_string(seq))  // base 36 is the same digit for seq < 10
      .u8(1)                             // CALL
      .short_field(sm)
      .long_field("code=0")
      .long_field(meta)
      .u8('j')
      .bytes(body);
  return b.frame();
}

struct LatencyProbe::State {
  Peer client{PeerConfig{.io_threads = 1}};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<double> ms;
  std::thread thread;
};

LatencyProbe::LatencyProbe(std::uint16_t port) : state_(std::make_unique<State>()) {
  state_->thread = std::thread([this, port] {
    auto [session, st] = state_->client.dial("127.0.0.1:" + std::to_string(port));
    if (!st.ok()) {
      ++errors_;
      return;
    }
    while (!state_->stop) {
      const auto start = std::chrono::steady_clock::now();
      int sum = 0;
      const Status cs =
          session->call<int>("/math/add", std::vector<int>{1, 2, 3}, {.timeout = 5s}).into(sum);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      if (!cs.ok() || sum != 6) ++errors_;
      std::lock_guard lock(state_->mutex);
      state_->ms.push_back(ms);
      if (ms < 1) std::this_thread::sleep_for(1ms);  // a steady client, not a flood
    }
  });
}

LatencyProbe::~LatencyProbe() {
  if (state_->thread.joinable()) stop();
}

std::string LatencyProbe::stop() {
  state_->stop = true;
  state_->thread.join();
  std::lock_guard lock(state_->mutex);
  auto& ms = state_->ms;
  std::sort(ms.begin(), ms.end());
  const double p99 = ms.empty() ? 0 : ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  const double max = ms.empty() ? 0 : ms.back();
  char text[160];
  std::snprintf(text, sizeof text, "probe calls=%zu errors=%d p99_ms=%.2f max_ms=%.2f", ms.size(),
                errors_.load(), p99, max);
  return text;
}

void figure(std::string_view scenario, std::string_view text) {
  std::printf("FIGURE %.*s: %.*s\n", static_cast<int>(scenario.size()), scenario.data(),
              static_cast<int>(text.size()), text.data());
  std::fflush(stdout);
}

}  // namespace tp::test
