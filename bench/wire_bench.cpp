// Micro-benchmarks of the wire layer: one call frame with the 581-byte benchmark body.
// Each reports ns/op (Google Benchmark) and allocs/op (counted by alloc_counter).
#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"
#include "benchmark_message.hpp"
#include "teleport/codec/marshal.hpp"
#include "teleport/proto/raw_proto.hpp"

namespace {

tp::Message benchmark_call(tp::XferPipe pipe) {
  tp::Message m;
  m.seq = 12345;
  m.type = tp::MsgType::kCall;
  m.service_method = "/hello/say";
  m.body_codec = tp::codec_id::kProtobuf;
  (void)tp::marshal(m.body_codec, tp::bench::make_benchmark_message(), m.body);
  m.xfer_pipe = std::move(pipe);
  return m;
}

class AllocCounter {
 public:
  explicit AllocCounter(benchmark::State& state)
      : state_(state), start_(tp::bench::allocations()) {}
  ~AllocCounter() {
    state_.counters["allocs/op"] = benchmark::Counter(
        static_cast<double>(tp::bench::allocations() - start_), benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  std::uint64_t start_;
};

void BM_RawEncode(benchmark::State& state, tp::XferPipe pipe) {
  const tp::RawProto proto;
  tp::Message m = benchmark_call(std::move(pipe));
  std::string out;
  AllocCounter count(state);
  for (auto _ : state) {
    out.clear();
    (void)proto.encode(m, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * m.size));
}

void BM_RawDecode(benchmark::State& state, tp::XferPipe pipe) {
  const tp::RawProto proto;
  tp::Message m = benchmark_call(std::move(pipe));
  std::string frame;
  (void)proto.encode(m, frame);
  tp::Message out;
  AllocCounter count(state);
  for (auto _ : state) {
    auto r = proto.decode(frame, out);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame.size()));
}

BENCHMARK_CAPTURE(BM_RawEncode, plain, tp::XferPipe{});
BENCHMARK_CAPTURE(BM_RawEncode, gzip, tp::XferPipe{'g'});
BENCHMARK_CAPTURE(BM_RawDecode, plain, tp::XferPipe{});
BENCHMARK_CAPTURE(BM_RawDecode, gzip, tp::XferPipe{'g'});

void BM_ProtobufRoundTrip(benchmark::State& state) {
  const auto msg = tp::bench::make_benchmark_message();
  std::string body;
  tp::bench::BenchmarkMessage back;
  AllocCounter count(state);
  for (auto _ : state) {
    body.clear();
    (void)tp::marshal(tp::codec_id::kProtobuf, msg, body);
    (void)tp::unmarshal(tp::codec_id::kProtobuf, body, back);
    benchmark::DoNotOptimize(back);
  }
}
BENCHMARK(BM_ProtobufRoundTrip);

void BM_JsonRoundTrip(benchmark::State& state) {
  const std::vector<int> xs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::string body;
  std::vector<int> back;
  AllocCounter count(state);
  for (auto _ : state) {
    body.clear();
    (void)tp::marshal(tp::codec_id::kJson, xs, body);
    (void)tp::unmarshal(tp::codec_id::kJson, body, back);
    benchmark::DoNotOptimize(back);
  }
}
BENCHMARK(BM_JsonRoundTrip);

}  // namespace
