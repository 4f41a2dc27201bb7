// MetricsShard: the counters of one I/O thread. Only that thread writes them (no lock, no
// read-modify-write instruction: see Counter); any thread reads them, and a peer's metrics are
// the sum of its shards. Routes are added under a mutex that readers take too; the writer finds
// existing ones without it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "teleport/metrics.hpp"

namespace tp::detail {

/// A counter with one writer thread: a relaxed load and store, which readers see whole.
class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// One route seen from one side, on one thread.
struct RouteCounters {
  RouteCounters(std::string r, const char* s) : route(std::move(r)), side(s) {}
  const std::string route;
  const char* const side;
  Counter started;  // calls begun (in flight: started - completed)
  Counter pushes;
  LatencyHistogram latency;
  /// Completes a call with `code` after `cost`.
  void completed(std::int32_t code, std::chrono::nanoseconds cost) noexcept;
  /// Adds this route's counts to `into` (same route and side).
  void add_to(RouteMetrics& into) const;

 private:
  // Completed calls by status code: a few distinct codes in practice; past kCodes, the rest
  // are counted under -1.
  static constexpr std::size_t kCodes = 12;
  std::array<std::atomic<std::int32_t>, kCodes> codes_{};
  std::array<Counter, kCodes> by_code_{};
  std::atomic<std::size_t> used_{0};
  Counter other_codes_;
};

// Hashes strings and string views alike: finding a caller route by a view allocates nothing.
struct PathHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// Merges shards into a PeerMetrics (histograms bucket by bucket, then summarized).
class MetricsCollector {
 public:
  /// Adds one shard's counts.
  void add(const class MetricsShard& shard);
  /// The merged metrics, routes sorted by route then side.
  PeerMetrics finish(std::int64_t sessions_open);
  /// Every route's latency on one side ("handler" or "caller") together (before finish()).
  [[nodiscard]] LatencyHistogram::Counts side_total(std::string_view side) const;

 private:
  friend class MetricsShard;
  RouteMetrics& route(const RouteCounters& r, LatencyHistogram*& latency);
  PeerMetrics m_;
  std::vector<std::unique_ptr<LatencyHistogram>> latencies_;  // parallel to m_.routes
};

class MetricsShard {
 public:
  /// The handler side of `route` (found by its address; `path` names it the first time).
  RouteCounters& handler(const void* route, std::string_view path);
  /// The caller side of the service method path `path`.
  RouteCounters& caller(std::string_view path);

  Counter accepted, dialed, redials, closed_remote, closed_local, bytes_in, bytes_out, malformed,
      slow_calls;

  /// Adds this shard's counts to `into`.
  void add_to(MetricsCollector& into) const;

 private:
  mutable std::mutex routes_mutex_;
  std::unordered_map<const void*, std::unique_ptr<RouteCounters>> handlers_;
  std::unordered_map<std::string, std::unique_ptr<RouteCounters>, PathHash, std::equal_to<>>
      callers_;
  // The caller route found last: a thread's calls mostly repeat their path, and comparing it
  // costs less than hashing it. Only the writer thread reads or sets it.
  RouteCounters* last_caller_ = nullptr;
};

}  // namespace tp::detail
