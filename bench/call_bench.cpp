// One in-process call/reply round trip through a socketpair: two peers (one I/O thread each),
// the seeds' 581-byte protobuf request. Reports ns per call and heap allocations per call
// (all threads: the caller, both I/O threads).
#include <benchmark/benchmark.h>
#include <sys/socket.h>

#include <functional>
#include <future>

#include "alloc_counter.hpp"
#include "benchmark_message.hpp"
#include "teleport/peer.hpp"

namespace {

using tp::bench::BenchmarkMessage;

struct PeerPair {
  tp::Peer server;
  tp::Peer client;
  std::shared_ptr<tp::Session> session;

  explicit PeerPair(bool metrics = true)
      : server(
            {.default_body_codec = tp::codec_id::kProtobuf, .metrics = metrics, .io_threads = 1}),
        client(
            {.default_body_codec = tp::codec_id::kProtobuf, .metrics = metrics, .io_threads = 1}) {
    const tp::Status st = server.route_call_func(
        "/hello/say", [](tp::Ctx&, const BenchmarkMessage& in) -> tp::Result<BenchmarkMessage> {
          BenchmarkMessage out = in;
          out.set_field1("OK");
          out.set_field2(100);
          return out;
        });
    if (!st.ok()) std::abort();
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
    (void)server.serve_conn(fds[0]);
    session = client.serve_conn(fds[1]).value;
  }
};

// Arg: metrics on (1) or off (0) on both peers.
void BM_CallRoundTrip(benchmark::State& state) {
  PeerPair pair(state.range(0) != 0);
  const BenchmarkMessage request = tp::bench::make_benchmark_message();
  BenchmarkMessage reply;
  (void)pair.session->call<BenchmarkMessage>("/hello/say", request).into(reply);  // warm up buffers
  const std::uint64_t before = tp::bench::allocations();
  for (auto _ : state) {
    if (!pair.session->call<BenchmarkMessage>("/hello/say", request).into(reply).ok())
      state.SkipWithError("call failed");
  }
  state.counters["allocs/call"] = benchmark::Counter(
      static_cast<double>(tp::bench::allocations() - before), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_CallRoundTrip)->Arg(1)->Arg(0)->ArgName("metrics")->UseRealTime();

// The same call with a deadline (5 s, never reached), as production callers set one: what the
// deadline adds per call.
void BM_CallRoundTripWithDeadline(benchmark::State& state) {
  using namespace std::chrono_literals;
  PeerPair pair;
  const BenchmarkMessage request = tp::bench::make_benchmark_message();
  BenchmarkMessage reply;
  (void)pair.session->call<BenchmarkMessage>("/hello/say", request, {.timeout = 5s}).into(reply);
  const std::uint64_t before = tp::bench::allocations();
  for (auto _ : state) {
    if (!pair.session->call<BenchmarkMessage>("/hello/say", request, {.timeout = 5s})
             .into(reply)
             .ok())
      state.SkipWithError("call failed");
  }
  state.counters["allocs/call"] = benchmark::Counter(
      static_cast<double>(tp::bench::allocations() - before), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_CallRoundTripWithDeadline)->UseRealTime();

// A caller that calls again from each reply's callback, on the client's I/O thread (as the RPC
// benchmark's clients do): no blocking wait, no hand-off to a caller thread. Arg: the callback
// takes the reply by value (0) or by const reference (1), which lends it the thread's reused reply.
void BM_CallLoopOnIoThread(benchmark::State& state) {
  constexpr int kCallsPerIteration = 1000;
  PeerPair pair;
  const BenchmarkMessage request = tp::bench::make_benchmark_message();
  const bool by_ref = state.range(0) != 0;
  int left = 0;
  bool failed = false;
  std::promise<void> batch_done;
  std::function<void()> issue = [&] {
    auto next = [&](const tp::Status& st) {
      failed = failed || !st.ok();
      if (--left > 0) {
        issue();
      } else {
        batch_done.set_value();
      }
    };
    if (by_ref) {
      pair.session->async_call<BenchmarkMessage>(
          "/hello/say", request, [next](tp::Status st, const BenchmarkMessage&) { next(st); });
    } else {
      pair.session->async_call<BenchmarkMessage>(
          "/hello/say", request, [next](tp::Status st, BenchmarkMessage) { next(st); });
    }
  };
  auto run_batch = [&] {
    left = kCallsPerIteration;
    batch_done = std::promise<void>();
    issue();
    batch_done.get_future().wait();
  };
  run_batch();  // warm up buffers
  const std::uint64_t before = tp::bench::allocations();
  for (auto _ : state) run_batch();
  if (failed) state.SkipWithError("a call failed");
  state.counters["allocs/call"] =
      benchmark::Counter(static_cast<double>(tp::bench::allocations() - before) /
                         static_cast<double>(state.iterations() * kCallsPerIteration));
  state.SetItemsProcessed(state.iterations() * kCallsPerIteration);
}
BENCHMARK(BM_CallLoopOnIoThread)->Arg(0)->Arg(1)->ArgName("by_ref")->UseRealTime();

// The same with a byte body through the plain codec: the framework's own cost without protobuf.
void BM_CallRoundTripBytes(benchmark::State& state) {
  tp::Peer server({.io_threads = 1});
  tp::Peer client({.io_threads = 1});
  if (!server
           .route_call_func("/echo",
                            [](tp::Ctx&, const tp::Bytes& b) -> tp::Result<tp::Bytes> { return b; })
           .ok()) {
    std::abort();
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
  (void)server.serve_conn(fds[0]);
  auto session = client.serve_conn(fds[1]).value;
  const tp::Bytes request(581, 'x');
  tp::Bytes reply;
  (void)session->call<tp::Bytes>("/echo", request, {.body_codec = tp::codec_id::kPlain})
      .into(reply);
  const std::uint64_t before = tp::bench::allocations();
  for (auto _ : state) {
    if (!session->call<tp::Bytes>("/echo", request, {.body_codec = tp::codec_id::kPlain})
             .into(reply)
             .ok())
      state.SkipWithError("call failed");
  }
  state.counters["allocs/call"] = benchmark::Counter(
      static_cast<double>(tp::bench::allocations() - before), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_CallRoundTripBytes)->UseRealTime();

}  // namespace
