// The Prometheus text exposition format 0.0.4 of a peer's metrics.
#include <charconv>
#include <cmath>

#include "teleport/metrics.hpp"

namespace tp {
namespace {

// A label value with \, " and newline escaped.
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// A sample value: integers as such, others in the shortest form that reads back the same.
void append_number(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[400];  // the longest fixed form of a double
  // Fixed notation ("0.0001", not "1e-04"), as Prometheus clients write bucket bounds.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out.append(buf, ec == std::errc() ? end : buf);
}

void append_number(std::string& out, std::uint64_t v) { out += std::to_string(v); }
void append_number(std::string& out, std::int64_t v) { out += std::to_string(v); }

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// {k="v",...} (nothing without labels).
template <class Range>
void append_labels(std::string& out, const Range& labels) {
  if (labels.size() > 0) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      append_label_value(out, v);
      out += '"';
    }
    out += '}';
  }
}

template <class V>
void sample(std::string& out, std::string_view name, Labels labels, V value) {
  out += name;
  append_labels(out, labels);
  out += ' ';
  append_number(out, value);
  out += '\n';
}

// The samples of metrics sources, grouped by name (a family's samples must be together), the
// families in the order their first sample came.
void extra_families(std::string& out, const std::vector<MetricSample>& extra) {
  std::vector<bool> written(extra.size(), false);
  for (std::size_t i = 0; i < extra.size(); ++i) {
    if (written[i]) continue;
    const MetricSample& first = extra[i];
    family(out, first.name, first.counter ? "counter" : "gauge", first.help);
    for (std::size_t j = i; j < extra.size(); ++j) {
      if (written[j] || extra[j].name != first.name) continue;
      written[j] = true;
      out += extra[j].name;
      append_labels(out, extra[j].labels);
      out += ' ';
      append_number(out, extra[j].value);
      out += '\n';
    }
  }
}

std::string le_text(double le) {
  std::string s;
  append_number(s, le);
  return s;
}

}  // namespace

std::string to_prometheus(const PeerMetrics& m) {
  std::string out;
  family(out, "teleport_calls_total", "counter",
         "Calls completed, by route, side (handler: served here; caller: sent from here) and "
         "status code.");
  for (const auto& r : m.routes) {
    for (const auto& [code, n] : r.replies_by_code) {
      const std::string code_text = std::to_string(code);
      sample(out, "teleport_calls_total",
             {{"route", r.route}, {"side", r.side}, {"code", code_text}}, n);
    }
  }
  family(out, "teleport_pushes_total", "counter", "Pushes handled or sent, by route and side.");
  for (const auto& r : m.routes) {
    if (r.pushes > 0)
      sample(out, "teleport_pushes_total", {{"route", r.route}, {"side", r.side}}, r.pushes);
  }
  family(out, "teleport_calls_in_flight", "gauge",
         "Calls started and not completed, by route and side.");
  for (const auto& r : m.routes) {
    sample(out, "teleport_calls_in_flight", {{"route", r.route}, {"side", r.side}}, r.in_flight);
  }
  family(out, "teleport_call_duration_seconds", "histogram",
         "Call latency: handler side from the frame read to the reply queued; caller side from "
         "the call queued to the reply read.");
  for (const auto& r : m.routes) {
    if (r.latency.count == 0) continue;
    for (const auto& [le, n] : r.latency.buckets) {
      const std::string le_s = le_text(le);
      sample(out, "teleport_call_duration_seconds_bucket",
             {{"route", r.route}, {"side", r.side}, {"le", le_s}}, n);
    }
    sample(out, "teleport_call_duration_seconds_sum", {{"route", r.route}, {"side", r.side}},
           r.latency.sum_seconds);
    sample(out, "teleport_call_duration_seconds_count", {{"route", r.route}, {"side", r.side}},
           r.latency.count);
  }
  family(out, "teleport_sessions_open", "gauge", "Sessions open now.");
  sample(out, "teleport_sessions_open", {}, m.sessions_open);
  family(out, "teleport_sessions_total", "counter", "Sessions started, by origin.");
  sample(out, "teleport_sessions_total", {{"origin", "accepted"}}, m.sessions_accepted);
  sample(out, "teleport_sessions_total", {{"origin", "dialed"}}, m.sessions_dialed);
  family(out, "teleport_sessions_closed_total", "counter", "Sessions closed, by reason.");
  for (const auto& [reason, n] : m.sessions_closed) {
    sample(out, "teleport_sessions_closed_total", {{"reason", reason}}, n);
  }
  family(out, "teleport_redials_total", "counter", "Sessions dialed again after they broke.");
  sample(out, "teleport_redials_total", {}, m.redials);
  family(out, "teleport_received_bytes_total", "counter", "Bytes read from connections.");
  sample(out, "teleport_received_bytes_total", {}, m.bytes_in);
  family(out, "teleport_sent_bytes_total", "counter", "Bytes written to connections.");
  sample(out, "teleport_sent_bytes_total", {}, m.bytes_out);
  family(out, "teleport_malformed_frames_total", "counter",
         "Connections closed because a frame did not decode.");
  sample(out, "teleport_malformed_frames_total", {}, m.frames_malformed);
  family(out, "teleport_slow_calls_total", "counter", "Calls over the slow-call threshold.");
  sample(out, "teleport_slow_calls_total", {}, m.slow_calls);
  extra_families(out, m.extra);
  return out;
}

}  // namespace tp
