// AdminSource: what a peer lets its admin endpoint read. Every function is called on the admin
// thread and must be safe to call from there (the peer's readers take their own locks).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "teleport/metrics.hpp"

namespace tp {
struct PeerConfig;
}

namespace tp::detail {

struct AdminSource {
  /// The merged metrics (GET /metrics, /debug/metrics.json, the page's routes).
  std::function<PeerMetrics()> metrics;
  /// Every route's latency together, handler side then caller side (the page's charts).
  std::function<std::array<LatencyHistogram::Counts, 2>()> latency_totals;
  /// The open sessions.
  std::function<std::vector<SessionInfo>()> sessions;
  /// The last slow calls, newest first.
  std::function<std::vector<SlowCall>()> slow_calls;
  /// The port the peer listens on (0: none yet).
  std::function<std::uint16_t()> listen_port;
  /// The peer's settings (outlive the endpoint).
  const PeerConfig* config = nullptr;
  /// Its plugins' names, peer-wide ones in order.
  std::vector<std::string> plugins;
};

}  // namespace tp::detail
