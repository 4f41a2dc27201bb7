// LatencyHistogram: log-linear buckets (20 per decade), written by one thread, read by any.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "teleport/metrics.hpp"

namespace tp {
namespace {

// 20 steps per decade, about 12 % apart; 1, 2.5 and 5 are among them (Prometheus' usual bounds).
constexpr std::array<std::uint64_t, 20> kMantissa100 = {100, 112, 125, 140, 160, 180, 200,
                                                        225, 250, 280, 320, 360, 400, 450,
                                                        500, 560, 630, 710, 800, 900};
constexpr std::size_t kFinite = LatencyHistogram::kBuckets - 1;

// Upper bounds in nanoseconds: 1 µs (1e3 ns) up to 100 s (1e11 ns).
constexpr std::array<std::uint64_t, kFinite> make_bounds() {
  std::array<std::uint64_t, kFinite> out{};
  std::uint64_t decade = 1000;  // 1 µs
  for (std::size_t j = 0; j < kFinite; ++j) {
    if (j > 0 && j % 20 == 0) decade *= 10;
    out[j] = kMantissa100[j % 20] * decade / 100;
  }
  return out;
}
constexpr std::array<std::uint64_t, kFinite> kBounds = make_bounds();
static_assert(kBounds[0] == 1000 && kBounds[kFinite - 1] == 100'000'000'000ULL);

// For each bit width of a latency, the first bound not below the smallest value of that width:
// a value's bucket is at most a few bounds past it (a factor of two spans at most 7 of them), so
// record() steps there instead of searching all 161 (~60 instructions less per call).
constexpr std::array<std::uint8_t, 65> make_first_by_width() {
  std::array<std::uint8_t, 65> out{};
  for (std::size_t w = 0; w < out.size(); ++w) {
    const std::uint64_t least = w == 0 ? 0 : std::uint64_t{1} << (w - 1);
    std::size_t i = 0;
    while (i < kFinite && kBounds[i] < least) ++i;
    out[w] = static_cast<std::uint8_t>(i);
  }
  return out;
}
constexpr std::array<std::uint8_t, 65> kFirstByWidth = make_first_by_width();

double seconds(std::uint64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

std::uint64_t LatencyHistogram::bound_ns(std::size_t i) noexcept {
  return i < kFinite ? kBounds[i] : std::numeric_limits<std::uint64_t>::max();
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) noexcept {
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(0, latency.count()));
  std::size_t i = kFirstByWidth[std::bit_width(ns)];
  while (i < kFinite && kBounds[i] < ns) ++i;  // the first bound not below ns, as lower_bound
  // One writer: a plain load and store, no locked instruction; readers see whole values.
  auto& c = counts_[i];
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  sum_ns_.store(sum_ns_.load(std::memory_order_relaxed) + ns, std::memory_order_relaxed);
}

void LatencyHistogram::merge_into(LatencyHistogram& total) const noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    auto& c = total.counts_[i];
    c.store(c.load(std::memory_order_relaxed) + counts_[i].load(std::memory_order_relaxed),
            std::memory_order_relaxed);
  }
  total.sum_ns_.store(
      total.sum_ns_.load(std::memory_order_relaxed) + sum_ns_.load(std::memory_order_relaxed),
      std::memory_order_relaxed);
}

LatencyHistogram::Counts LatencyHistogram::counts() const noexcept {
  Counts counts{};
  for (std::size_t i = 0; i < kBuckets; ++i) counts[i] = counts_[i].load(std::memory_order_relaxed);
  return counts;
}

double LatencyHistogram::quantile(const Counts& counts, double q) noexcept {
  std::uint64_t total = 0;
  for (auto n : counts) total += n;
  if (total == 0) return 0.0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return seconds(kBounds[std::min(i, kFinite - 1)]);
  }
  return seconds(kBounds[kFinite - 1]);
}

LatencySummary LatencyHistogram::summary(const std::vector<double>& le_seconds) const {
  const Counts counts = this->counts();
  LatencySummary out;
  for (auto n : counts) out.count += n;
  out.sum_seconds = seconds(sum_ns_.load(std::memory_order_relaxed));
  out.p50 = quantile(counts, 0.5);
  out.p90 = quantile(counts, 0.9);
  out.p99 = quantile(counts, 0.99);
  out.p999 = quantile(counts, 0.999);
  out.max = quantile(counts, 1.0);
  std::uint64_t cumulative = 0;
  std::size_t i = 0;
  for (double le : le_seconds) {
    const auto le_ns = static_cast<std::uint64_t>(std::llround(le * 1e9));
    for (; i < kFinite && kBounds[i] <= le_ns; ++i) cumulative += counts[i];
    out.buckets.emplace_back(le, cumulative);
  }
  out.buckets.emplace_back(std::numeric_limits<double>::infinity(), out.count);
  return out;
}

const std::vector<double>& default_latency_buckets() {
  static const std::vector<double> buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                              0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                              1,      2.5,     5,      10};
  return buckets;
}

}  // namespace tp
