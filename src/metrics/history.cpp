#include "metrics/history.hpp"

namespace tp::detail {
namespace {

// The figures of the calls counted between `before` and `now`, over `seconds`.
MetricsHistory::Rate rate_between(const LatencyHistogram::Counts& before,
                                  const LatencyHistogram::Counts& now, double seconds) {
  LatencyHistogram::Counts period{};
  std::uint64_t calls = 0;
  for (std::size_t i = 0; i < period.size(); ++i) {
    // A count never goes down; a peer's counts only grow, so this guards a restarted source.
    period[i] = now[i] >= before[i] ? now[i] - before[i] : 0;
    calls += period[i];
  }
  return {.calls_per_second = seconds > 0 ? static_cast<double>(calls) / seconds : 0,
          .p99_seconds = LatencyHistogram::quantile(period, 0.99)};
}

}  // namespace

void MetricsHistory::sample(const std::array<LatencyHistogram::Counts, 2>& totals,
                            std::chrono::system_clock::time_point now) {
  if (have_last_) {
    const double seconds = std::chrono::duration<double>(now - last_at_).count();
    points_.push_back({.at = now,
                       .handler = rate_between(last_[0], totals[0], seconds),
                       .caller = rate_between(last_[1], totals[1], seconds)});
    if (points_.size() > capacity_) points_.pop_front();
  }
  last_ = totals;
  last_at_ = now;
  have_last_ = true;
}

}  // namespace tp::detail
