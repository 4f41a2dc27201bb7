// Metrics: latency histograms written by one thread and read by any, the snapshot types a peer's
// metrics are read as, and their Prometheus text exposition (format 0.0.4).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tp {

/// A latency distribution as read: count, sum, quantiles and cumulative Prometheus buckets.
struct LatencySummary {
  std::uint64_t count = 0;  ///< samples
  double sum_seconds = 0;   ///< their sum
  double p50 = 0;           ///< median, seconds (the upper bound of its bucket)
  double p90 = 0;           ///< 90th percentile, seconds
  double p99 = 0;           ///< 99th percentile, seconds
  double p999 = 0;          ///< 99.9th percentile, seconds
  double max = 0;           ///< the largest sample's bucket bound, seconds
  /// (upper bound in seconds, samples at or below it), ascending; the last bound is +Inf.
  std::vector<std::pair<double, std::uint64_t>> buckets{};
};

/// A latency histogram with about 12 % wide buckets from 1 µs to 100 s (20 per decade, so 1, 2.5
/// and 5 times each power of ten are exact bucket bounds). One thread records, any thread reads:
/// counters are relaxed atomics that the writer updates without read-modify-write instructions.
class LatencyHistogram {
 public:
  /// The number of buckets: 161 with finite upper bounds (1 µs to 100 s), then one for the rest.
  static constexpr std::size_t kBuckets = 162;
  /// Samples per bucket, as read at one moment.
  using Counts = std::array<std::uint64_t, kBuckets>;
  /// Adds one sample (from the writer thread only).
  void record(std::chrono::nanoseconds latency) noexcept;
  /// Reads the distribution (from any thread); `le_seconds` are the Prometheus bucket bounds
  /// reported (each should be a bucket bound, such as 0.001 or 0.0025).
  [[nodiscard]] LatencySummary summary(const std::vector<double>& le_seconds) const;
  /// Adds this histogram's counts to `total` (whose writer is the calling thread).
  void merge_into(LatencyHistogram& total) const noexcept;
  /// The upper bound of bucket `i` in nanoseconds (UINT64_MAX for the last one).
  static std::uint64_t bound_ns(std::size_t i) noexcept;
  /// The samples per bucket now (from any thread).
  [[nodiscard]] Counts counts() const noexcept;
  /// The `q` quantile (0..1) of `counts` in seconds: the upper bound of the bucket that holds
  /// the sample of rank ceil(q * total) (100 s for the overflow bucket); 0 without samples.
  static double quantile(const Counts& counts, double q) noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// The Prometheus bucket bounds a peer reports, in seconds: 100 µs to 10 s, 1-2.5-5 per decade.
const std::vector<double>& default_latency_buckets();

/// One route seen from one side: "handler" (calls and pushes it served) or "caller" (calls and
/// pushes this peer sent to it).
struct RouteMetrics {
  std::string route{};       ///< the service method's path ("" for calls to no route)
  std::string side{};        ///< "handler" or "caller"
  std::uint64_t calls = 0;   ///< calls completed (replied to, or answered)
  std::uint64_t pushes = 0;  ///< pushes handled or sent
  std::map<std::int32_t, std::uint64_t> replies_by_code{};  ///< completed calls by status code
  std::int64_t in_flight = 0;                               ///< calls started and not completed yet
  LatencySummary latency{};                                 ///< the calls' latency
};

/// A metric from beyond the peer's own (Geminio's, or the application's: see
/// Peer::add_metrics_source), exported with them.
struct MetricSample {
  std::string name{};   ///< Prometheus name, e.g. "teleport_geminio_acks_total"
  std::string help{};   ///< one line for # HELP (the first sample of a name gives it)
  bool counter = true;  ///< a counter (only goes up), else a gauge
  std::vector<std::pair<std::string, std::string>> labels{};  ///< label names and values
  double value = 0;                                           ///< the value
};

/// A peer's metrics at one moment.
struct PeerMetrics {
  std::uint64_t sessions_accepted = 0;  ///< sessions accepted since the peer started
  std::uint64_t sessions_dialed = 0;    ///< sessions dialed (redials included)
  std::map<std::string, std::uint64_t> sessions_closed{};  ///< closed sessions by reason
  std::int64_t sessions_open = 0;                          ///< sessions open now
  std::uint64_t redials = 0;           ///< sessions dialed again after they broke
  std::uint64_t bytes_in = 0;          ///< bytes read from connections
  std::uint64_t bytes_out = 0;         ///< bytes written to connections
  std::uint64_t frames_malformed = 0;  ///< connections closed for a malformed frame
  std::uint64_t slow_calls = 0;        ///< calls over the slow-call threshold (both sides)
  std::vector<RouteMetrics> routes{};  ///< per route and side, sorted by route then side
  std::vector<MetricSample> extra{};   ///< from the metrics sources added to the peer, in order
};

/// One open session, as the admin page lists it.
struct SessionInfo {
  std::string id{};                    ///< its id (the remote address unless renamed)
  std::string remote{};                ///< remote address
  std::string local{};                 ///< local address
  bool dialed = false;                 ///< this peer dialed it (else accepted it)
  double age_seconds = 0;              ///< since it opened
  std::uint64_t calls_waiting = 0;     ///< calls it sent that wait for replies
  std::uint64_t handlers_running = 0;  ///< handlers of its calls running on workers or async
  std::uint64_t bytes_in = 0;          ///< bytes read on it
  std::uint64_t bytes_out = 0;         ///< bytes written on it
};

/// A call that took longer than PeerConfig::slow_call_threshold.
struct SlowCall {
  std::chrono::system_clock::time_point at{};  ///< when it ended
  std::string service_method{};                ///< its service method, query included
  std::string side{};                          ///< "handler" (served here) or "caller" (sent)
  std::string remote{};                        ///< the other peer's address
  double seconds = 0;                          ///< how long it took
  std::int32_t code = 0;                       ///< the reply's status code
  /// The call's meta (handler side; the caller side keeps none, to cost nothing per call).
  std::vector<std::pair<std::string, std::string>> meta{};
};

/// The Prometheus text exposition (format 0.0.4) of `m`: metric names `teleport_*`, labels
/// `route`, `side` and `code`, label values escaped as the format requires.
std::string to_prometheus(const PeerMetrics& m);

/// `m` as one JSON object: {"sessions":{...},"bytes_in":..,"routes":[{"route","side","calls",
/// "pushes","replies_by_code":{"0":n,...},"in_flight","latency":{"count","p50",...}}],
/// "extra":[{"name","labels":{...},"value"}]}.
std::string to_json(const PeerMetrics& m);
/// `sessions` as a JSON array of objects with SessionInfo's field names.
std::string to_json(const std::vector<SessionInfo>& sessions);
/// `calls` as a JSON array of objects with SlowCall's field names (`at` in Unix milliseconds,
/// `meta` as [[key, value], ...]).
std::string to_json(const std::vector<SlowCall>& calls);

}  // namespace tp
