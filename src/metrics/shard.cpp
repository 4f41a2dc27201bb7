// MetricsShard: one I/O thread's counters, and their merge into a PeerMetrics.
#include "metrics/shard.hpp"

#include <algorithm>
#include <tuple>

namespace tp::detail {
namespace {

// Distinct caller-side paths kept per thread; calls to further ones count under "(other)", so
// that an application calling ever new paths cannot grow the metrics without bound.
constexpr std::size_t kMaxCallerRoutes = 1000;

}  // namespace

void RouteCounters::completed(std::int32_t code, std::chrono::nanoseconds cost) noexcept {
  latency.record(cost);
  const std::size_t used = used_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < used; ++i) {
    if (codes_[i].load(std::memory_order_relaxed) == code) {
      by_code_[i].add();
      return;
    }
  }
  if (used == kCodes) {
    other_codes_.add();
    return;
  }
  codes_[used].store(code, std::memory_order_relaxed);
  by_code_[used].add();
  used_.store(used + 1, std::memory_order_release);  // readers see the code before the slot
}

void RouteCounters::add_to(RouteMetrics& into) const {
  std::uint64_t completed = 0;
  const std::size_t used = used_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < used; ++i) {
    const std::uint64_t n = by_code_[i].get();
    into.replies_by_code[codes_[i].load(std::memory_order_relaxed)] += n;
    completed += n;
  }
  if (const std::uint64_t n = other_codes_.get(); n > 0) {
    into.replies_by_code[-1] += n;
    completed += n;
  }
  into.calls += completed;
  into.pushes += pushes.get();
  // Read after the completions, so a call completing meanwhile is not counted as negative; relaxed
  // loads of two counters may still be seen out of order on weakly ordered hardware: clamp.
  into.in_flight += static_cast<std::int64_t>(started.get()) - static_cast<std::int64_t>(completed);
  into.in_flight = std::max<std::int64_t>(into.in_flight, 0);
}

RouteCounters& MetricsShard::handler(const void* route, std::string_view path) {
  if (auto it = handlers_.find(route); it != handlers_.end()) return *it->second;
  std::lock_guard lock(routes_mutex_);
  auto& slot = handlers_[route];
  slot = std::make_unique<RouteCounters>(route ? std::string(path) : std::string(), "handler");
  return *slot;
}

RouteCounters& MetricsShard::caller(std::string_view path) {
  if (last_caller_ && last_caller_->route == path) return *last_caller_;
  if (auto it = callers_.find(path); it != callers_.end()) {
    last_caller_ = it->second.get();
    return *last_caller_;
  }
  std::lock_guard lock(routes_mutex_);
  const std::string key = callers_.size() < kMaxCallerRoutes ? std::string(path) : "(other)";
  auto& slot = callers_[key];
  if (!slot) slot = std::make_unique<RouteCounters>(key, "caller");
  return *slot;
}

void MetricsShard::add_to(MetricsCollector& into) const {
  PeerMetrics& m = into.m_;
  m.sessions_accepted += accepted.get();
  m.sessions_dialed += dialed.get();
  m.redials += redials.get();
  m.sessions_closed["remote"] += closed_remote.get();
  m.sessions_closed["local"] += closed_local.get();
  m.bytes_in += bytes_in.get();
  m.bytes_out += bytes_out.get();
  m.frames_malformed += malformed.get();
  m.slow_calls += slow_calls.get();
  std::lock_guard lock(routes_mutex_);
  auto add_route = [&](const RouteCounters& r) {
    LatencyHistogram* latency = nullptr;
    r.add_to(into.route(r, latency));
    r.latency.merge_into(*latency);
  };
  for (const auto& [key, r] : handlers_) add_route(*r);
  for (const auto& [key, r] : callers_) add_route(*r);
}

void MetricsCollector::add(const MetricsShard& shard) { shard.add_to(*this); }

RouteMetrics& MetricsCollector::route(const RouteCounters& r, LatencyHistogram*& latency) {
  for (std::size_t i = 0; i < m_.routes.size(); ++i) {
    if (m_.routes[i].route == r.route && m_.routes[i].side == r.side) {
      latency = latencies_[i].get();
      return m_.routes[i];
    }
  }
  latencies_.push_back(std::make_unique<LatencyHistogram>());
  latency = latencies_.back().get();
  return m_.routes.emplace_back(RouteMetrics{.route = r.route, .side = r.side});
}

LatencyHistogram::Counts MetricsCollector::side_total(std::string_view side) const {
  LatencyHistogram::Counts total{};
  for (std::size_t i = 0; i < m_.routes.size(); ++i) {
    if (m_.routes[i].side != side) continue;
    const auto counts = latencies_[i]->counts();
    for (std::size_t b = 0; b < total.size(); ++b) total[b] += counts[b];
  }
  return total;
}

PeerMetrics MetricsCollector::finish(std::int64_t sessions_open) {
  for (std::size_t i = 0; i < m_.routes.size(); ++i) {
    m_.routes[i].latency = latencies_[i]->summary(default_latency_buckets());
  }
  std::sort(m_.routes.begin(), m_.routes.end(), [](const RouteMetrics& a, const RouteMetrics& b) {
    return std::tie(a.route, a.side) < std::tie(b.route, b.side);
  });
  m_.sessions_open = sessions_open;
  return std::move(m_);
}

}  // namespace tp::detail
