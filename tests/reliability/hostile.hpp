// What a hostile or faulty peer does, for the reliability suite: raw sockets that send what they
// like, the server process's memory, and a well-behaved client's latency while it happens.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tp::test {

using namespace std::chrono_literals;

/// The resident memory of this process, in bytes.
std::size_t rss_bytes();

/// Bytes the allocator has handed out and not taken back (glibc or the sanitizer's allocator).
std::size_t heap_in_use();

/// Samples rss_bytes() every few milliseconds until stopped; peak() is the largest seen.
class RssSampler {
 public:
  RssSampler();
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  /// The largest RSS seen so far, minus the RSS when sampling began.
  [[nodiscard]] std::size_t peak_growth() const;

 private:
  std::size_t base_;
  std::atomic<std::size_t> peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// A blocking TCP connection to 127.0.0.1:`port` as a bare descriptor (-1 on failure).
int connect_raw(std::uint16_t port);
/// Writes all of `bytes`; false if the connection failed.
bool send_all(int fd, std::string_view bytes);
/// Waits up to `limit` for the remote side to close `fd` (EOF or reset); data read is dropped.
bool closed_by_peer(int fd, std::chrono::milliseconds limit);
/// Closes every descriptor in `fds`.
void close_all(std::vector<int>& fds);
/// Of `fds`, how many the remote side has closed by `deadline` (each polled until then).
int count_closed(const std::vector<int>& fds, std::chrono::steady_clock::time_point deadline);

/// A v7 raw CALL frame: seq, service method, meta text as written (not escaped), JSON body.
std::string raw_call(int seq, std::string_view sm, std::string_view meta, std::string_view body);

/// A well-behaved client calling /math/add in a loop on its own thread, measuring latency.
class LatencyProbe {
 public:
  explicit LatencyProbe(std::uint16_t port);
  ~LatencyProbe();
  LatencyProbe(const LatencyProbe&) = delete;
  LatencyProbe& operator=(const LatencyProbe&) = delete;
  /// Stops calling; returns "calls=N errors=E p99_ms=X max_ms=Y".
  std::string stop();
  /// Calls that failed so far.
  [[nodiscard]] int errors() const { return errors_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::atomic<int> errors_{0};
};

/// Prints one figure line of the suite: "FIGURE <scenario>: <text>".
void figure(std::string_view scenario, std::string_view text);

}  // namespace tp::test
