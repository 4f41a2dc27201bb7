// Latency histograms (quantiles, Prometheus buckets) and the Prometheus text exposition, which
// the real `promtool check metrics` must accept.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "teleport/metrics.hpp"
#include "teleport/xfer/filters.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

// Each sample goes to the first bucket whose upper bound is not below it, at every bound, one
// nanosecond either side of it, and at the ends of the range.
TEST(LatencyHistogram, EverySampleLandsInTheFirstBucketNotBelowIt) {
  auto bucket_of = [](std::uint64_t ns) {
    LatencyHistogram h;
    h.record(std::chrono::nanoseconds(static_cast<std::int64_t>(ns)));
    const auto counts = h.counts();
    return static_cast<std::size_t>(std::find(counts.begin(), counts.end(), 1U) - counts.begin());
  };
  constexpr std::size_t kLast = LatencyHistogram::kBuckets - 1;
  EXPECT_EQ(bucket_of(0), 0U);
  EXPECT_EQ(bucket_of(1), 0U);
  for (std::size_t i = 0; i < kLast; ++i) {
    const std::uint64_t bound = LatencyHistogram::bound_ns(i);
    EXPECT_EQ(bucket_of(bound - 1), i) << bound;  // bounds are far more than 1 ns apart
    EXPECT_EQ(bucket_of(bound), i) << bound;
    EXPECT_EQ(bucket_of(bound + 1), i + 1) << bound;
  }
  EXPECT_EQ(bucket_of(std::uint64_t{1} << 62), kLast);
  EXPECT_EQ(bucket_of(static_cast<std::uint64_t>(INT64_MAX)), kLast);
}

TEST(LatencyHistogram, QuantilesAndBucketsOfAKnownDistribution) {
  LatencyHistogram h;
  for (int us = 1; us <= 1000; ++us) h.record(std::chrono::microseconds(us));
  const LatencySummary s = h.summary(default_latency_buckets());
  EXPECT_EQ(s.count, 1000U);
  EXPECT_NEAR(s.sum_seconds, 500500e-6, 1e-9);
  // Each quantile is its bucket's upper bound: at most one bucket (12 %) above the exact value.
  for (auto [q, exact] : {std::pair{s.p50, 500e-6},
                          {s.p90, 900e-6},
                          {s.p99, 990e-6},
                          {s.p999, 999e-6},
                          {s.max, 1000e-6}}) {
    EXPECT_GE(q, exact);
    EXPECT_LE(q, exact * 1.13);
  }
  // 100 µs, 250 µs, 500 µs and 1 ms are bucket bounds: the cumulative counts are exact.
  ASSERT_EQ(s.buckets.size(), default_latency_buckets().size() + 1);
  EXPECT_EQ(s.buckets[0], (std::pair<double, std::uint64_t>{0.0001, 100}));
  EXPECT_EQ(s.buckets[1].second, 250U);
  EXPECT_EQ(s.buckets[2].second, 500U);
  EXPECT_EQ(s.buckets[3].second, 1000U);
  EXPECT_TRUE(std::isinf(s.buckets.back().first));
  EXPECT_EQ(s.buckets.back().second, 1000U);
}

TEST(LatencyHistogram, EmptyAndOutOfRange) {
  LatencyHistogram h;
  EXPECT_EQ(h.summary({}).count, 0U);
  EXPECT_EQ(h.summary({}).p99, 0.0);
  h.record(-5ns);                   // a clock step backwards counts as 0
  h.record(std::chrono::hours(1));  // past the last bound
  const LatencySummary s = h.summary({0.001});
  EXPECT_EQ(s.count, 2U);
  EXPECT_EQ(s.buckets[0].second, 1U);
  EXPECT_EQ(s.max, 100.0);  // "at least 100 s"
}

PeerMetrics sample_metrics() {
  PeerMetrics m;
  m.sessions_accepted = 3;
  m.sessions_dialed = 1;
  m.sessions_open = 2;
  m.sessions_closed = {{"local", 1}, {"remote", 1}};
  m.bytes_in = 1234;
  m.bytes_out = 5678;
  RouteMetrics add{.route = "/math/add", .side = "handler", .calls = 3};
  add.replies_by_code = {{0, 2}, {400, 1}};
  LatencyHistogram h;
  for (std::chrono::microseconds d : {50us, 300us, 2000us}) h.record(d);
  add.latency = h.summary(default_latency_buckets());
  RouteMetrics odd{.route = "/a\"b\\c\nd", .side = "caller", .pushes = 4};
  m.routes = {add, odd};
  // Samples of metrics sources: one family's samples come apart here and are written together.
  m.extra = {
      {.name = "app_queue_depth",
       .help = "Items queued.",
       .counter = false,
       .labels = {{"queue", "a"}},
       .value = 3},
      {.name = "app_jobs_total", .help = "Jobs done.", .value = 7},
      {.name = "app_queue_depth", .counter = false, .labels = {{"queue", "b\"x"}}, .value = 4.5}};
  return m;
}

TEST(Prometheus, ExpositionLines) {
  const std::string text = to_prometheus(sample_metrics());
  for (const char* line :
       {"# TYPE teleport_calls_total counter\n",
        "teleport_calls_total{route=\"/math/add\",side=\"handler\",code=\"0\"} 2\n",
        "teleport_calls_total{route=\"/math/add\",side=\"handler\",code=\"400\"} 1\n",
        "teleport_pushes_total{route=\"/a\\\"b\\\\c\\nd\",side=\"caller\"} 4\n",
        "teleport_call_duration_seconds_bucket{route=\"/math/add\",side=\"handler\",le=\"0.0001\"} "
        "1\n",
        "teleport_call_duration_seconds_bucket{route=\"/math/add\",side=\"handler\",le=\"0.001\"} "
        "2\n",
        "teleport_call_duration_seconds_bucket{route=\"/math/add\",side=\"handler\",le=\"+Inf\"} "
        "3\n",
        "teleport_call_duration_seconds_sum{route=\"/math/add\",side=\"handler\"} 0.00235\n",
        "teleport_call_duration_seconds_count{route=\"/math/add\",side=\"handler\"} 3\n",
        "teleport_sessions_open 2\n", "teleport_sessions_total{origin=\"accepted\"} 3\n",
        "teleport_sessions_closed_total{reason=\"remote\"} 1\n",
        "teleport_received_bytes_total 1234\n",
        "# HELP app_queue_depth Items queued.\n# TYPE app_queue_depth gauge\n"
        "app_queue_depth{queue=\"a\"} 3\napp_queue_depth{queue=\"b\\\"x\"} 4.5\n",
        "# TYPE app_jobs_total counter\napp_jobs_total 7\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
}

// What a scrape of a busy peer weighs: 100 routes, each with calls on both sides, three status
// codes and a full histogram.
TEST(Prometheus, HundredRoutesStayUnder64KiBGzipped) {
  PeerMetrics m;
  LatencyHistogram h;
  for (int us = 1; us < 100000; us *= 2) h.record(std::chrono::microseconds(us));
  for (int i = 0; i < 100; ++i) {
    for (const char* side : {"handler", "caller"}) {
      RouteMetrics r{
          .route = "/service" + std::to_string(i) + "/method", .side = side, .calls = 30};
      r.replies_by_code = {{0, 10}, {404, 10}, {500, 10}};
      r.latency = h.summary(default_latency_buckets());
      m.routes.push_back(r);
    }
  }
  const std::string text = to_prometheus(m);
  std::string gzipped;
  ASSERT_TRUE(make_gzip_filter()->pack(text, gzipped).ok());
  std::printf("/metrics for 100 routes (both sides): %zu bytes, %zu gzipped (as Prometheus asks)\n",
              text.size(), gzipped.size());
  EXPECT_LT(text.size(), 512U * 1024);
  EXPECT_LT(gzipped.size(), 64U * 1024);
}

// The real promtool (Debian's prometheus package) lints the exposition.
TEST(Prometheus, PromtoolAcceptsTheExposition) {
  ASSERT_EQ(std::system("command -v promtool >/dev/null 2>&1"), 0)
      << "promtool is not installed (apt-get install prometheus)";
  const std::string path = ::testing::TempDir() + "metrics-" + std::to_string(::getpid()) + ".txt";
  std::ofstream(path) << to_prometheus(sample_metrics());
  const std::string cmd = "promtool check metrics < " + path + " > " + path + ".out 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out(path + ".out");
  const std::string said{std::istreambuf_iterator<char>(out), {}};
  EXPECT_EQ(rc, 0) << said;
  EXPECT_EQ(said, "") << said;
  std::remove(path.c_str());
  std::remove((path + ".out").c_str());
}

}  // namespace
}  // namespace tp
