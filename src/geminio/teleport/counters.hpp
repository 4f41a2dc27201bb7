// EndpointCounters: one endpoint's Geminio events. Owned together by the endpoint, which counts,
// and its Mux, which reads them and keeps the totals of endpoints that are gone.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "teleport/geminio_teleport.hpp"

namespace tp::geminio::teleport::detail {

struct EndpointCounters {
  using Count = std::atomic<std::uint64_t>;
  // Acks received: acks_done (done()) and rejected (error()), apart, so that a read never sees
  // more rejected than received.
  Count streams_opened{0}, streams_reset{0}, duplicates{0}, acks_sent{0}, acks_done{0}, rejected{0},
      resent{0}, timed_out{0};
  std::array<Count, 3> published{}, received{};

  /// Adds one to `c` (endpoints count from several threads; they are theirs alone).
  static void bump(Count& c, std::uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
  /// Adds these counts to `m`.
  void add_to(GeminioMetrics& m) const;
};

/// The teleport_geminio_* samples of `m`, for the peer's metrics (`side`: "server" or "client").
void append_samples(const GeminioMetrics& m, const char* side, std::vector<MetricSample>& out);

}  // namespace tp::geminio::teleport::detail
