// A peer's metrics as JSON, for tools (`teleport stats`) and the admin endpoint's
// /debug/*.json.
#include <boost/json.hpp>
#include <cmath>

#include "teleport/metrics.hpp"

namespace tp {
namespace {

boost::json::object latency_json(const LatencySummary& l) {
  return {{"count", l.count}, {"sum_seconds", l.sum_seconds},
          {"p50", l.p50},     {"p90", l.p90},
          {"p99", l.p99},     {"p999", l.p999},
          {"max", l.max}};
}

}  // namespace

std::string to_json(const PeerMetrics& m) {
  boost::json::array routes;
  for (const auto& r : m.routes) {
    boost::json::object codes;
    for (const auto& [code, n] : r.replies_by_code) codes[std::to_string(code)] = n;
    routes.push_back(boost::json::object{{"route", r.route},
                                         {"side", r.side},
                                         {"calls", r.calls},
                                         {"pushes", r.pushes},
                                         {"replies_by_code", std::move(codes)},
                                         {"in_flight", r.in_flight},
                                         {"latency", latency_json(r.latency)}});
  }
  boost::json::array extra;
  for (const auto& s : m.extra) {
    boost::json::object labels;
    for (const auto& [k, v] : s.labels) labels[k] = v;
    extra.push_back(
        boost::json::object{{"name", s.name}, {"labels", std::move(labels)}, {"value", s.value}});
  }
  boost::json::object closed;
  for (const auto& [reason, n] : m.sessions_closed) closed[reason] = n;
  return boost::json::serialize(
      boost::json::object{{"sessions", boost::json::object{{"open", m.sessions_open},
                                                           {"accepted", m.sessions_accepted},
                                                           {"dialed", m.sessions_dialed},
                                                           {"closed", std::move(closed)},
                                                           {"redials", m.redials}}},
                          {"bytes_in", m.bytes_in},
                          {"bytes_out", m.bytes_out},
                          {"malformed_frames", m.frames_malformed},
                          {"slow_calls", m.slow_calls},
                          {"routes", std::move(routes)},
                          {"extra", std::move(extra)}});
}

std::string to_json(const std::vector<SessionInfo>& sessions) {
  boost::json::array out;
  for (const auto& s : sessions) {
    out.push_back(boost::json::object{{"id", s.id},
                                      {"remote", s.remote},
                                      {"local", s.local},
                                      {"dialed", s.dialed},
                                      {"age_seconds", s.age_seconds},
                                      {"calls_waiting", s.calls_waiting},
                                      {"handlers_running", s.handlers_running},
                                      {"bytes_in", s.bytes_in},
                                      {"bytes_out", s.bytes_out}});
  }
  return boost::json::serialize(out);
}

std::string to_json(const std::vector<SlowCall>& calls) {
  boost::json::array out;
  for (const auto& c : calls) {
    boost::json::array meta;
    for (const auto& [key, value] : c.meta) meta.push_back(boost::json::array{key, value});
    const auto at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(c.at.time_since_epoch());
    out.push_back(boost::json::object{{"at", at_ms.count()},
                                      {"service_method", c.service_method},
                                      {"side", c.side},
                                      {"remote", c.remote},
                                      {"seconds", c.seconds},
                                      {"code", c.code},
                                      {"meta", std::move(meta)}});
  }
  return boost::json::serialize(out);
}

}  // namespace tp
