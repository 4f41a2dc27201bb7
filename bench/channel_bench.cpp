// What a Channel costs over plain Sessions: the same calls (the seeds' 581-byte protobuf, 100
// in flight, TCP loopback) through one session and through a channel over that one backend,
// through three sessions taken in turn and through a channel over those three backends (round
// robin and least in flight). Reports calls/s
// (items_per_second) and heap allocations per call; compare the rows of one run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "alloc_counter.hpp"
#include "benchmark_message.hpp"
#include "teleport/channel.hpp"
#include "teleport/peer.hpp"

namespace {

using tp::bench::BenchmarkMessage;
constexpr int kInFlight = 100;
constexpr int kCallsPerIteration = 20000;

std::unique_ptr<tp::Peer> make_backend() {
  auto peer =
      std::make_unique<tp::Peer>(tp::PeerConfig{.listen_address = "127.0.0.1:0",
                                                .default_body_codec = tp::codec_id::kProtobuf,
                                                .io_threads = 1});
  if (!peer->route_call_func(
               "/hello/say",
               [](tp::Ctx&, const BenchmarkMessage& in) -> tp::Result<BenchmarkMessage> {
                 BenchmarkMessage out = in;
                 out.set_field1("OK");
                 out.set_field2(100);
                 return out;
               })
           .ok() ||
      !peer->listen().ok()) {
    std::abort();
  }
  return peer;
}

// Keeps kInFlight calls going through `issue` until `total` have been answered.
template <class Issue>
bool run_calls(int total, Issue issue) {
  std::mutex mutex;
  std::condition_variable done_cv;
  std::atomic<int> started{0}, answered{0}, failed{0};
  std::function<void()> next = [&] {
    if (started.fetch_add(1) >= total) return;
    issue([&](tp::Status st) {
      if (!st.ok()) ++failed;
      if (answered.fetch_add(1) + 1 == total) {
        std::lock_guard lock(mutex);
        done_cv.notify_all();
        return;
      }
      next();
    });
  };
  for (int i = 0; i < kInFlight; ++i) next();
  std::unique_lock lock(mutex);
  done_cv.wait(lock, [&] { return answered.load() >= total; });
  return failed == 0;
}

void report(benchmark::State& state, std::uint64_t allocs_before) {
  state.SetItemsProcessed(state.iterations() * kCallsPerIteration);
  state.counters["allocs/call"] =
      benchmark::Counter(static_cast<double>(tp::bench::allocations() - allocs_before) /
                         (static_cast<double>(state.iterations()) * kCallsPerIteration));
}

// Arg 0: backends, one session each, taken in turn by hand (the baseline of a channel).
void BM_Session(benchmark::State& state) {
  std::vector<std::unique_ptr<tp::Peer>> backends;
  std::vector<std::shared_ptr<tp::Session>> sessions;
  tp::Peer client({.default_body_codec = tp::codec_id::kProtobuf, .io_threads = 1});
  for (int i = 0; i < state.range(0); ++i) {
    backends.push_back(make_backend());
    sessions.push_back(
        client.dial("127.0.0.1:" + std::to_string(backends.back()->listen_port())).value);
  }
  const BenchmarkMessage request = tp::bench::make_benchmark_message();
  std::atomic<std::size_t> turn{0};
  auto issue = [&](auto done) {
    sessions[turn.fetch_add(1, std::memory_order_relaxed) % sessions.size()]
        ->async_call<BenchmarkMessage>("/hello/say", request,
                                       [done](tp::Status st, BenchmarkMessage) { done(st); });
  };
  run_calls(1000, issue);  // warm up
  const std::uint64_t before = tp::bench::allocations();
  for (auto _ : state) {
    if (!run_calls(kCallsPerIteration, issue)) state.SkipWithError("a call failed");
  }
  report(state, before);
}
BENCHMARK(BM_Session)
    ->Arg(1)
    ->Arg(3)
    ->ArgName("backends")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Arg 0: backends; arg 1: 0 round robin, 1 least in flight.
void BM_Channel(benchmark::State& state) {
  std::vector<std::unique_ptr<tp::Peer>> backends;
  std::string target = "list://";
  for (int i = 0; i < state.range(0); ++i) {
    backends.push_back(make_backend());
    if (i > 0) target += ',';
    target += "127.0.0.1:";
    target += std::to_string(backends.back()->listen_port());
  }
  tp::Peer client({.default_body_codec = tp::codec_id::kProtobuf, .io_threads = 1});
  tp::Channel channel(client, target, {.balance = state.range(1) ? "least" : "rr"});
  if (!channel.start().ok()) std::abort();
  const BenchmarkMessage request = tp::bench::make_benchmark_message();
  auto issue = [&](auto done) {
    channel.async_call<BenchmarkMessage>("/hello/say", request,
                                         [done](tp::Status st, BenchmarkMessage) { done(st); });
  };
  run_calls(1000, issue);  // warm up (and every backend connected)
  const std::uint64_t before = tp::bench::allocations();
  for (auto _ : state) {
    if (!run_calls(kCallsPerIteration, issue)) state.SkipWithError("a call failed");
  }
  report(state, before);
}
BENCHMARK(BM_Channel)
    ->Args({1, 0})
    ->Args({3, 0})
    ->Args({3, 1})
    ->ArgNames({"backends", "least"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
