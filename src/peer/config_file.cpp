#include "teleport/config_file.hpp"

#include <yaml-cpp/yaml.h>

#include <toml++/toml.h>
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>

namespace tp {
namespace {

using Scalars = std::map<std::string, std::string>;  // key → scalar text, from either format

Status bad(const std::string& key, const std::string& why) {
  return Status::bad_message("config " + key + ": " + why);
}

template <class Int>
Status parse_int(const std::string& key, const std::string& text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size())
    return bad(key, "not an integer: " + text);
  return {};
}

Status parse_bool(const std::string& key, const std::string& text, bool& out) {
  if (text == "true")
    out = true;
  else if (text == "false")
    out = false;
  else
    return bad(key, "not a bool: " + text);
  return {};
}

// Go duration text ("1h2m3s", "100ms", "1.5s") or a bare integer of milliseconds.
template <class Duration>
Status parse_duration(const std::string& key, const std::string& text, Duration& out) {
  std::int64_t ms = 0;
  if (parse_int(key, text, ms).ok()) {
    out = std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms));
    return {};
  }
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1.0},
      {"s", 1e3},   {"m", 60e3},  {"h", 3600e3}};
  double total_ms = 0;
  std::string_view rest = text;
  if (rest.empty()) return bad(key, "empty duration");
  while (!rest.empty()) {
    double value = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc()) return bad(key, "not a duration: " + text);
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    bool matched = false;
    for (auto [unit, factor] : kUnits) {  // "ms" before "m" and "s": the table order matters
      if (rest.starts_with(unit)) {
        total_ms += value * factor;
        rest.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) return bad(key, "not a duration: " + text);
  }
  out = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(total_ms));
  return {};
}

Status apply_values(const Scalars& values, PeerConfig& cfg) {
  std::string local_ip;
  std::string listen_port;
  using Setter = std::function<Status(const std::string&, const std::string&)>;
  const std::map<std::string, Setter> setters = {
      {"network",
       [&](auto&, auto& v) {
         cfg.network = v;
         return Status();
       }},
      {"local_ip",
       [&](auto&, auto& v) {
         local_ip = v;
         cfg.local_ip = v;
         return Status();
       }},
      {"listen_port",
       [&](auto&, auto& v) {
         listen_port = v;
         return Status();
       }},
      {"listen_address",
       [&](auto&, auto& v) {
         cfg.listen_address = v;
         return Status();
       }},
      {"dial_timeout", [&](auto& k, auto& v) { return parse_duration(k, v, cfg.dial_timeout); }},
      {"redial_times", [&](auto& k, auto& v) { return parse_int(k, v, cfg.redial_times); }},
      {"redial_interval",
       [&](auto& k, auto& v) { return parse_duration(k, v, cfg.redial_interval); }},
      {"default_body_codec",
       [&](auto& k, auto& v) {
         const Codec* c = CodecRegistry::global().find(std::string_view(v));
         if (!c && v.size() == 1) c = CodecRegistry::global().find(static_cast<std::uint8_t>(v[0]));
         if (!c) return bad(k, "unknown codec " + v);
         cfg.default_body_codec = c->id();
         return Status();
       }},
      {"default_session_age",
       [&](auto& k, auto& v) { return parse_duration(k, v, cfg.default_session_age); }},
      {"default_context_age",
       [&](auto& k, auto& v) { return parse_duration(k, v, cfg.default_context_age); }},
      {"slow_comet_duration",
       [&](auto& k, auto& v) { return parse_duration(k, v, cfg.slow_call_threshold); }},
      {"slow_call_threshold",
       [&](auto& k, auto& v) { return parse_duration(k, v, cfg.slow_call_threshold); }},
      {"print_detail", [&](auto& k, auto& v) { return parse_bool(k, v, cfg.print_detail); }},
      {"count_time", [&](auto& k, auto& v) { return parse_bool(k, v, cfg.count_time); }},
      {"message_size_limit",
       [&](auto& k, auto& v) { return parse_int(k, v, cfg.message_size_limit); }},
      {"raw_version",
       [&](auto& k, auto& v) {
         if (v != "7" && v != "5") return bad(k, "want 7 or 5");
         cfg.raw_version = v == "5" ? RawVersion::kV5 : RawVersion::kV7;
         return Status();
       }},
      {"name_style",
       [&](auto& k, auto& v) {
         if (v != "http" && v != "rpc") return bad(k, "want http or rpc");
         cfg.name_style = v == "rpc" ? NameStyle::kRpc : NameStyle::kHttp;
         return Status();
       }},
      {"io_threads", [&](auto& k, auto& v) { return parse_int(k, v, cfg.io_threads); }},
      {"worker_threads", [&](auto& k, auto& v) { return parse_int(k, v, cfg.worker_threads); }},
      {"blocking_handlers",
       [&](auto& k, auto& v) { return parse_bool(k, v, cfg.blocking_handlers); }},
      {"no_delay", [&](auto& k, auto& v) { return parse_bool(k, v, cfg.no_delay); }},
      {"keepalive_period",
       [&](auto& k, auto& v) { return parse_duration(k, v, cfg.keepalive_period); }},
      {"read_buffer_size", [&](auto& k, auto& v) { return parse_int(k, v, cfg.read_buffer_size); }},
      {"write_buffer_size",
       [&](auto& k, auto& v) { return parse_int(k, v, cfg.write_buffer_size); }},
      {"read_budget", [&](auto& k, auto& v) { return parse_int(k, v, cfg.read_budget); }},
      {"max_unsent_bytes", [&](auto& k, auto& v) { return parse_int(k, v, cfg.max_unsent_bytes); }},
      {"read_timeout", [&](auto& k, auto& v) { return parse_duration(k, v, cfg.read_timeout); }},
      {"write_timeout", [&](auto& k, auto& v) { return parse_duration(k, v, cfg.write_timeout); }},
      {"handshake_timeout",
       [&](auto& k, auto& v) { return parse_duration(k, v, cfg.handshake_timeout); }},
      {"idle_timeout", [&](auto& k, auto& v) { return parse_duration(k, v, cfg.idle_timeout); }},
      {"max_connections", [&](auto& k, auto& v) { return parse_int(k, v, cfg.max_connections); }},
  };
  for (const auto& [key, value] : values) {
    auto it = setters.find(key);
    if (it == setters.end()) return bad(key, "unknown key");
    if (Status st = it->second(key, value); !st.ok()) return st;
  }
  if (!listen_port.empty()) cfg.listen_address = local_ip + ":" + listen_port;
  return {};
}

Status read_yaml(const std::string& path, Scalars& out) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) return Status::bad_message("config " + path + ": not a mapping");
    for (const auto& kv : root) {
      if (!kv.second.IsScalar()) return bad(kv.first.as<std::string>(), "not a scalar");
      out[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  } catch (const std::exception& e) {
    return Status::bad_message("config " + path + ": " + e.what());
  }
  return {};
}

Status read_toml(const std::string& path, Scalars& out) {
  try {
    const toml::table root = toml::parse_file(path);
    for (const auto& [key, node] : root) {
      const std::string k(key.str());
      if (auto s = node.value<std::string>(); s && node.is_string())
        out[k] = *s;
      else if (auto i = node.value<std::int64_t>(); i && node.is_integer())
        out[k] = std::to_string(*i);
      else if (auto b = node.value<bool>(); b && node.is_boolean())
        out[k] = *b ? "true" : "false";
      else
        return bad(k, "not a string, integer or bool");
    }
  } catch (const std::exception& e) {
    return Status::bad_message("config " + path + ": " + e.what());
  }
  return {};
}

}  // namespace

Status load_peer_config(const std::string& path, PeerConfig& out) {
  const std::string ext = std::filesystem::path(path).extension().string();
  Scalars values;
  Status st;
  if (ext == ".yaml" || ext == ".yml")
    st = read_yaml(path, values);
  else if (ext == ".toml")
    st = read_toml(path, values);
  else
    return Status::bad_message("config " + path + ": want a .yaml, .yml or .toml file");
  if (!st.ok()) return st;
  PeerConfig updated = out;
  if (st = apply_values(values, updated); !st.ok()) return st;
  out = std::move(updated);
  return {};
}

}  // namespace tp
