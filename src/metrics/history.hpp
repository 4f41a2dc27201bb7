// MetricsHistory: calls per second and p99 latency, sampled once a period, for the last few
// minutes — what the /debug page charts. Sampled and read on the admin thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>

#include "teleport/metrics.hpp"

namespace tp::detail {

class MetricsHistory {
 public:
  /// One side's figures over one period.
  struct Rate {
    double calls_per_second = 0;
    double p99_seconds = 0;  ///< of the calls completed in the period (0: none)
  };
  /// One sample: the period that ended at `at`.
  struct Point {
    std::chrono::system_clock::time_point at;
    Rate handler;
    Rate caller;
  };

  /// Keeps `capacity` points.
  explicit MetricsHistory(std::size_t capacity) : capacity_(capacity) {}
  /// Adds a point from the cumulative latency counts now (handler, caller); the first call only
  /// sets the baseline.
  void sample(const std::array<LatencyHistogram::Counts, 2>& totals,
              std::chrono::system_clock::time_point now);
  /// The points, oldest first.
  [[nodiscard]] const std::deque<Point>& points() const { return points_; }

 private:
  std::size_t capacity_;
  std::deque<Point> points_;
  bool have_last_ = false;
  std::array<LatencyHistogram::Counts, 2> last_{};
  std::chrono::system_clock::time_point last_at_{};
};

}  // namespace tp::detail
