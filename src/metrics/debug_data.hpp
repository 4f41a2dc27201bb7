// The admin endpoint's /debug data: the effective settings and the sampled history as JSON, and
// the HTML page a person reads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/admin_source.hpp"
#include "metrics/history.hpp"

namespace tp::detail {

/// Everything the /debug page shows, read at one moment.
struct DebugView {
  PeerMetrics metrics;
  std::vector<SessionInfo> sessions;
  std::vector<SlowCall> slow_calls;
  const MetricsHistory& history;
  const AdminSource& source;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds refresh;  // how often the page reloads itself
};

/// {"listen_port":..,"plugins":[..],"config":{field: value, ...}} (durations in milliseconds;
/// TLS files named, PEM text and keys never shown).
std::string config_json(const AdminSource& source);
/// [{"at": unix ms, "handler": {"calls_per_second", "p99_seconds"}, "caller": {...}}, ...].
std::string history_json(const MetricsHistory& history);
/// The /debug page: plain HTML and CSS with inline SVG charts, reloading itself.
std::string debug_page(const DebugView& view);

/// One answer of the admin endpoint.
struct AdminPage {
  std::string content_type;
  std::string body;
};
/// The page at `path` (/metrics, /debug, /debug/*.json); nullopt: no such page.
std::optional<AdminPage> admin_page(std::string_view path, const AdminSource& source,
                                    const MetricsHistory& history);
/// The paths admin_page() answers, for the 404 text.
inline constexpr std::string_view kAdminPaths =
    "/metrics, /debug, /debug/metrics.json, /debug/sessions.json, /debug/slow_calls.json, "
    "/debug/history.json, /debug/config.json";

}  // namespace tp::detail
