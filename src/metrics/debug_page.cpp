// The /debug page: what a person reads about a running peer. Plain HTML and CSS, charts as
// inline SVG, reloaded by a meta refresh: nothing to load, no script. Every text that came from
// the network (routes, meta, addresses, session ids) is escaped.
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <ctime>
#include <string_view>

#include "metrics/debug_data.hpp"
#include "teleport/codec/xml.hpp"
#include "teleport/peer.hpp"

namespace tp::detail {
namespace {

using Clock = std::chrono::system_clock;
constexpr auto kChartWindow = std::chrono::minutes(5);
constexpr auto kMinChartWindow = std::chrono::minutes(1);
constexpr std::size_t kSlowCallsShown = 20;  // the JSON has all that are kept

// Text from the network, safe inside HTML text and attribute values (XML's escaping serves).
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  xml::append_escaped(text, out);
  return out;
}

std::string ms(double seconds) {
  if (seconds <= 0) return "–";
  const double v = seconds * 1000;
  return v < 1     ? fmt::format("{:.3f}", v)
         : v < 100 ? fmt::format("{:.2f}", v)
                   : fmt::format("{:.0f}", v);
}

std::string bytes(std::uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024ULL * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024);
  if (n < 1024ULL * 1024 * 1024)
    return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024 * 1024));
  return fmt::format("{:.2f} GiB", static_cast<double>(n) / (1024.0 * 1024 * 1024));
}

std::string age(double seconds) {
  const auto s = static_cast<std::uint64_t>(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
}

std::string clock_text(Clock::time_point t) {
  const std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// A scale label: 3 significant digits, thousands as k and millions as M.
std::string scale_text(double v) {
  if (v >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

// 1, 2 or 5 times a power of ten, at least `v` (the top of a chart's scale).
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (v <= m * p) return m * p;
  }
  return 10 * p;
}

struct Series {
  std::string name;
  std::string color;
  std::vector<std::pair<Clock::time_point, double>> values;
};

// A line chart of `series` from `from` to `now`, with a 0 / half / top scale.
std::string chart(const std::string& title, const std::string& unit,
                  const std::vector<Series>& series, Clock::time_point from,
                  Clock::time_point now) {
  constexpr double kW = 560, kH = 150, kLeft = 60, kRight = 10, kTop = 22, kBottom = 22;
  double top = 0;
  bool any = false;
  for (const auto& s : series) {
    for (const auto& [t, v] : s.values) {
      if (t < from) continue;
      top = std::max(top, v);
      any = true;
    }
  }
  top = nice_ceiling(top);
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  auto x = [&](Clock::time_point t) {
    return kLeft + plot_w * std::chrono::duration<double>(t - from).count() /
                       std::chrono::duration<double>(now - from).count();
  };
  auto y = [&](double v) { return kTop + plot_h * (1 - v / top); };
  std::string svg = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"{0}\" width=\"{1}\" height=\"{2}\" "
      "viewBox=\"0 0 {1} {2}\" xmlns=\"http://www.w3.org/2000/svg\">"
      "<text x=\"{3}\" y=\"14\" class=\"title\">{0}</text>",
      escape(title), kW, kH, kLeft);
  for (double f : {0.0, 0.5, 1.0}) {
    const double v = top * f;
    svg += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" class=\"grid\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" class=\"axis\" text-anchor=\"end\">{5} {6}</text>",
        kLeft, kW - kRight, y(v), kLeft - 4, y(v) + 4, scale_text(v), unit);
  }
  const auto span = std::chrono::duration_cast<std::chrono::seconds>(now - from).count();
  svg += fmt::format(
      "<text x=\"{0}\" y=\"{2}\" class=\"axis\">−{3}</text>"
      "<text x=\"{1}\" y=\"{2}\" class=\"axis\" text-anchor=\"end\">now</text>",
      kLeft, kW - kRight, kH - 6,
      span % 60 ? fmt::format("{} s", span) : fmt::format("{} min", span / 60));
  if (!any) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\">no samples yet</text>",
                       kLeft + plot_w / 2 - 40, kTop + plot_h / 2);
  }
  double legend_x = kLeft + 200;
  for (const auto& s : series) {
    std::string points;
    for (const auto& [t, v] : s.values) {
      if (t < from) continue;
      points += fmt::format("{:.1f},{:.1f} ", x(t), y(v));
    }
    if (!points.empty()) {
      svg +=
          fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" points=\"{}\"/>",
                      s.color, points);
    }
    svg += fmt::format(
        "<rect x=\"{0}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{1}\"/>"
        "<text x=\"{2}\" y=\"15\" class=\"axis\">{3}</text>",
        legend_x, s.color, legend_x + 14, escape(s.name));
    legend_x += 110;
  }
  return svg + "</svg>";
}

constexpr std::string_view kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:0 24px 40px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:18px 0 2px}h2{font-size:16px;margin:26px 0 8px}
.sub{color:#5b6475;margin:0}.sub a{color:#2457c5}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.tile{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px 14px;min-width:110px}
.tile b{display:block;font-size:20px}.tile span{color:#5b6475;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{background:#fff;border:1px solid #dde1e8;border-radius:6px}
.chart .title{font-weight:600;font-size:13px}.chart .axis{font-size:11px;fill:#5b6475}
.chart .grid{stroke:#e6e9ef}
table{border-collapse:collapse;background:#fff;border:1px solid #dde1e8;font-size:13px}
th,td{padding:4px 10px;border-bottom:1px solid #eef0f4;text-align:left;vertical-align:top}
th{background:#f1f3f7;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.err{color:#b3261e}.none{color:#5b6475}code{font-size:12px}
)";

void tile(std::string& out, const std::string& label, const std::string& value) {
  out += fmt::format("<div class=\"tile\"><b>{}</b><span>{}</span></div>", value, escape(label));
}

void routes_table(std::string& out, const PeerMetrics& m) {
  out += "<h2 id=\"routes\">Routes</h2>";
  if (m.routes.empty()) {
    out += "<p class=\"none\">No calls or pushes yet.</p>";
    return;
  }
  out +=
      "<table><tr><th>route</th><th>side</th><th>calls</th><th>pushes</th><th>in flight</th>"
      "<th>errors</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th>"
      "<th>max ms</th></tr>";
  for (const auto& r : m.routes) {
    std::uint64_t errors = 0;
    for (const auto& [code, n] : r.replies_by_code) {
      if (code != 0) errors += n;
    }
    out += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n{}\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td></tr>",
        r.route.empty() ? "(no route)" : escape(r.route), escape(r.side), r.calls, r.pushes,
        r.in_flight, errors ? " err" : "", errors, ms(r.latency.p50), ms(r.latency.p90),
        ms(r.latency.p99), ms(r.latency.p999), ms(r.latency.max));
  }
  out += "</table>";
}

void sessions_table(std::string& out, const std::vector<SessionInfo>& sessions) {
  out += fmt::format("<h2 id=\"sessions\">Sessions ({})</h2>", sessions.size());
  if (sessions.empty()) {
    out += "<p class=\"none\">No open sessions.</p>";
    return;
  }
  out +=
      "<table><tr><th>id</th><th>remote</th><th>local</th><th>how</th><th>age</th>"
      "<th>calls waiting</th><th>handlers running</th><th>bytes in</th><th>bytes out</th>"
      "</tr>";
  constexpr std::size_t kShown = 200;  // a page, not a dump: the JSON has them all
  for (std::size_t i = 0; i < sessions.size() && i < kShown; ++i) {
    const auto& s = sessions[i];
    out += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td></tr>",
        escape(s.id), escape(s.remote), escape(s.local), s.dialed ? "dialed" : "accepted",
        age(s.age_seconds), s.calls_waiting, s.handlers_running, bytes(s.bytes_in),
        bytes(s.bytes_out));
  }
  out += "</table>";
  if (sessions.size() > kShown) {
    out += fmt::format(
        "<p class=\"none\">{} more: <a href=\"/debug/sessions.json\">sessions.json</a></p>",
        sessions.size() - kShown);
  }
}

void slow_calls_table(std::string& out, const std::vector<SlowCall>& calls,
                      const PeerConfig* config) {
  out += "<h2 id=\"slow\">Slow calls</h2>";
  if (config && config->slow_call_threshold.count() <= 0) {
    out += "<p class=\"none\">Off: PeerConfig::slow_call_threshold is 0.</p>";
    return;
  }
  if (calls.empty()) {
    out += fmt::format("<p class=\"none\">None over {} ms.</p>",
                       config ? config->slow_call_threshold.count() : 0);
    return;
  }
  out +=
      "<table><tr><th>ended</th><th>side</th><th>service method</th><th>remote</th>"
      "<th>ms</th><th>code</th><th>meta</th></tr>";
  for (std::size_t i = 0; i < calls.size() && i < kSlowCallsShown; ++i) {
    const SlowCall& c = calls[i];
    std::string meta;
    for (const auto& [k, v] : c.meta) meta += escape(k) + "=" + escape(v) + "<br>";
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td>"
        "<td class=\"n{}\">{}</td><td><code>{}</code></td></tr>",
        clock_text(c.at), escape(c.side), escape(c.service_method), escape(c.remote), ms(c.seconds),
        c.code != 0 ? " err" : "", c.code, meta);
  }
  out += "</table>";
}

// Samples from metrics sources (Geminio's, the application's), if any.
void extra_table(std::string& out, const std::vector<MetricSample>& extra) {
  if (extra.empty()) return;
  out +=
      "<h2 id=\"extra\">More metrics</h2><table><tr><th>metric</th><th>labels</th>"
      "<th>value</th></tr>";
  for (const auto& s : extra) {
    std::string labels;
    for (const auto& [k, v] : s.labels) labels += escape(k) + "=" + escape(v) + " ";
    out += fmt::format(
        "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
        escape(s.name), labels, s.value);
  }
  out += "</table>";
}

void about(std::string& out, const AdminSource& source) {
  out += "<h2 id=\"plugins\">Plugins</h2>";
  if (source.plugins.empty()) {
    out += "<p class=\"none\">None.</p>";
  } else {
    out += "<p>";
    for (std::size_t i = 0; i < source.plugins.size(); ++i)
      out += (i ? ", <code>" : "<code>") + escape(source.plugins[i]) + "</code>";
    out += "</p>";
  }
  out += "<h2 id=\"config\">Effective config</h2><table><tr><th>setting</th><th>value</th></tr>";
  const auto parsed = boost::json::parse(config_json(source)).as_object();
  for (const auto& [key, value] : parsed.at("config").as_object()) {
    out += fmt::format("<tr><td><code>{}</code></td><td><code>{}</code></td></tr>", escape(key),
                       escape(boost::json::serialize(value)));
  }
  out += "</table>";
}

}  // namespace

std::string debug_page(const DebugView& v) {
  const auto& m = v.metrics;
  const auto port = v.source.listen_port ? v.source.listen_port() : 0;
  std::string out = fmt::format(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"{}\">"
      "<title>teleport peer{}</title><style>{}</style></head><body>",
      v.refresh.count(), port ? fmt::format(" :{}", port) : "", kStyle);
  out += fmt::format(
      "<h1>teleport peer</h1><p class=\"sub\">{} · pid {} · {} · refreshes every {} s · "
      "<a href=\"/metrics\">/metrics</a> · <a href=\"/debug/metrics.json\">metrics.json</a> · "
      "<a href=\"/debug/sessions.json\">sessions.json</a> · "
      "<a href=\"/debug/slow_calls.json\">slow_calls.json</a> · "
      "<a href=\"/debug/history.json\">history.json</a> · "
      "<a href=\"/debug/config.json\">config.json</a></p>",
      port ? fmt::format("listening on port {}", port) : std::string("not listening"), ::getpid(),
      clock_text(v.now), v.refresh.count());

  const auto& points = v.history.points();
  const MetricsHistory::Point last = points.empty() ? MetricsHistory::Point{} : points.back();
  std::uint64_t handled = 0, made = 0;
  for (const auto& r : m.routes) (r.side == "handler" ? handled : made) += r.calls;
  out += "<div class=\"tiles\">";
  tile(out, "sessions open", std::to_string(m.sessions_open));
  tile(out, "accepted / dialed", fmt::format("{} / {}", m.sessions_accepted, m.sessions_dialed));
  tile(out, "calls handled", std::to_string(handled));
  tile(out, "calls made", std::to_string(made));
  tile(out, "handled/s now", fmt::format("{:.0f}", last.handler.calls_per_second));
  tile(out, "handler p99 now (ms)", ms(last.handler.p99_seconds));
  tile(out, "bytes in / out", bytes(m.bytes_in) + " / " + bytes(m.bytes_out));
  tile(out, "malformed frames", std::to_string(m.frames_malformed));
  tile(out, "slow calls", std::to_string(m.slow_calls));
  tile(out, "redials", std::to_string(m.redials));
  out += "</div>";

  Series handled_rate{"handled", "#2457c5", {}}, made_rate{"made", "#d9730d", {}};
  Series handled_p99{"handled", "#2457c5", {}}, made_p99{"made", "#d9730d", {}};
  for (const auto& p : points) {
    handled_rate.values.emplace_back(p.at, p.handler.calls_per_second);
    made_rate.values.emplace_back(p.at, p.caller.calls_per_second);
    // A period without calls has no p99: the line skips it rather than dropping to 0.
    if (p.handler.p99_seconds > 0)
      handled_p99.values.emplace_back(p.at, p.handler.p99_seconds * 1e3);
    if (p.caller.p99_seconds > 0) made_p99.values.emplace_back(p.at, p.caller.p99_seconds * 1e3);
  }
  // The last five minutes, or since the first sample of a younger peer (a minute at least).
  auto from = v.now - kChartWindow;
  if (!points.empty() && points.front().at > from)
    from = std::min(points.front().at - std::chrono::seconds(1), v.now - kMinChartWindow);
  out += "<h2 id=\"charts\">Recent calls</h2><div class=\"charts\">";
  out += chart("calls per second", "/s", {handled_rate, made_rate}, from, v.now);
  out += chart("p99 latency", "ms", {handled_p99, made_p99}, from, v.now);
  out += "</div>";

  routes_table(out, m);
  sessions_table(out, v.sessions);
  slow_calls_table(out, v.slow_calls, v.source.config);
  extra_table(out, m.extra);
  about(out, v.source);
  return out + "</body></html>\n";
}

}  // namespace tp::detail
