// The effective settings and the sampled history as JSON (/debug/config.json,
// /debug/history.json).
#include <boost/json.hpp>

#include "metrics/debug_data.hpp"
#include "teleport/peer.hpp"

namespace tp::detail {
namespace {

boost::json::object settings(const PeerConfig& c) {
  boost::json::object o{
      {"network", c.network},
      {"listen_address", c.listen_address},
      {"local_ip", c.local_ip},
      {"dial_timeout_ms", c.dial_timeout.count()},
      {"redial_times", c.redial_times},
      {"redial_interval_ms", c.redial_interval.count()},
      {"default_body_codec", std::string(1, static_cast<char>(c.default_body_codec))},
      {"default_session_age_ms", c.default_session_age.count()},
      {"default_context_age_ms", c.default_context_age.count()},
      {"slow_call_threshold_ms", c.slow_call_threshold.count()},
      {"print_detail", c.print_detail},
      {"count_time", c.count_time},
      {"metrics", c.metrics},
      {"admin_address", c.admin_address},
      {"message_size_limit", c.message_size_limit},
      {"proto", c.proto},
      {"detect_protocol", c.detect_protocol},
      {"raw_version", c.raw_version == RawVersion::kV5 ? 5 : 7},
      {"name_style", c.name_style == NameStyle::kRpc ? "rpc" : "http"},
      {"io_threads", c.io_threads},
      {"worker_threads", c.worker_threads},
      {"blocking_handlers", c.blocking_handlers},
      {"no_delay", c.no_delay},
      {"keepalive_period_s", c.keepalive_period.count()},
      {"read_buffer_size", c.read_buffer_size},
      {"write_buffer_size", c.write_buffer_size},
      {"read_budget", c.read_budget},
      {"max_unsent_bytes", c.max_unsent_bytes},
      {"read_timeout_ms", c.read_timeout.count()},
      {"write_timeout_ms", c.write_timeout.count()},
      {"handshake_timeout_ms", c.handshake_timeout.count()},
      {"idle_timeout_ms", c.idle_timeout.count()},
      {"max_connections", c.max_connections},
  };
  if (c.tls) {
    // File names only: the page may be read by more people than the key should be.
    o["tls"] = boost::json::object{{"cert_file", c.tls->cert_file},
                                   {"ca_file", c.tls->ca_file},
                                   {"verify_peer", c.tls->verify_peer},
                                   {"mutual", c.tls->mutual},
                                   {"server_name", c.tls->server_name}};
  } else {
    o["tls"] = nullptr;
  }
  return o;
}

boost::json::object rate_json(const MetricsHistory::Rate& r) {
  return {{"calls_per_second", r.calls_per_second}, {"p99_seconds", r.p99_seconds}};
}

}  // namespace

std::string config_json(const AdminSource& source) {
  boost::json::array plugins;
  for (const auto& name : source.plugins) plugins.emplace_back(name);
  return boost::json::serialize(boost::json::object{
      {"listen_port", source.listen_port ? source.listen_port() : 0},
      {"plugins", std::move(plugins)},
      {"config", source.config ? settings(*source.config) : boost::json::object{}}});
}

std::string history_json(const MetricsHistory& history) {
  boost::json::array out;
  for (const auto& p : history.points()) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(p.at.time_since_epoch()).count();
    out.push_back(boost::json::object{
        {"at", ms}, {"handler", rate_json(p.handler)}, {"caller", rate_json(p.caller)}});
  }
  return boost::json::serialize(out);
}

}  // namespace tp::detail
