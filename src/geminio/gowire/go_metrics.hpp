// The counts behind tp::geminio::Metrics: one set per Server or Client, shared by its
// connections, written on its I/O thread and read from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "teleport/geminio.hpp"

namespace tp::geminio::detail {

struct GoCounters {
  using Count = std::atomic<std::uint64_t>;
  Count endpoints_connected{0}, connections{0}, reconnects{0}, bad_input_closes{0}, streams_open{0},
      streams_opened{0}, calls_sent{0}, calls_failed{0}, requests_received{0}, requests_failed{0},
      messages_published{0}, messages_received{0}, acks_sent{0}, acks_sent_error{0},
      acks_received{0}, acks_received_error{0}, resent{0}, timed_out{0}, read_pauses{0};

  /// Adds one to `c`.
  static void bump(Count& c) { c.fetch_add(1, std::memory_order_relaxed); }
  /// Takes one from the gauge `c`.
  static void drop(Count& c) { c.fetch_sub(1, std::memory_order_relaxed); }
  /// The counts now.
  [[nodiscard]] Metrics read() const;
};

/// The teleport_geminio_go_* samples of `m` (`side`: "server" or "client").
void append_samples(const Metrics& m, const char* side, std::vector<MetricSample>& out);

}  // namespace tp::geminio::detail
