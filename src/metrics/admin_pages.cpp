// Which admin page a path names, and its content.
#include "metrics/debug_data.hpp"

namespace tp::detail {

namespace {
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kPrometheusType = "text/plain; version=0.0.4; charset=utf-8";
constexpr auto kRefresh = std::chrono::seconds(5);
}  // namespace

std::optional<AdminPage> admin_page(std::string_view path, const AdminSource& source,
                                    const MetricsHistory& history) {
  auto page = [](std::string_view type, std::string body) {
    return AdminPage{std::string(type), std::move(body)};
  };
  if (path == "/metrics") return page(kPrometheusType, to_prometheus(source.metrics()));
  if (path == "/debug" || path == "/debug/") {
    return page("text/html; charset=utf-8", debug_page({.metrics = source.metrics(),
                                                        .sessions = source.sessions(),
                                                        .slow_calls = source.slow_calls(),
                                                        .history = history,
                                                        .source = source,
                                                        .now = std::chrono::system_clock::now(),
                                                        .refresh = kRefresh}));
  }
  if (path == "/debug/metrics.json") return page(kJson, to_json(source.metrics()));
  if (path == "/debug/sessions.json") return page(kJson, to_json(source.sessions()));
  if (path == "/debug/slow_calls.json") return page(kJson, to_json(source.slow_calls()));
  if (path == "/debug/history.json") return page(kJson, history_json(history));
  if (path == "/debug/config.json") return page(kJson, config_json(source));
  return std::nullopt;
}

}  // namespace tp::detail
