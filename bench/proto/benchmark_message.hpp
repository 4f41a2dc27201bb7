// The rpc-benchmark request: a BenchmarkMessage that marshals to 581 bytes, as the Go seeds build
// it.
#pragma once

#include "benchmark.pb.h"

namespace tp::bench {

/// The seeds' benchmark request (same field values as rpc-benchmark's Go client).
BenchmarkMessage make_benchmark_message();

}  // namespace tp::bench
