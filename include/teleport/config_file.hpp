// Loading a PeerConfig from a YAML or TOML file (keys as eRPC's config names them).
#pragma once

#include <string>

#include "teleport/peer.hpp"

namespace tp {

/// Reads `path` (.yaml/.yml through yaml-cpp, .toml through toml++) into `out`, over the values
/// already there. Keys: network, local_ip, listen_port, listen_address, dial_timeout,
/// redial_times, redial_interval, default_body_codec, default_session_age, default_context_age,
/// slow_comet_duration (or slow_call_threshold), print_detail, count_time, message_size_limit,
/// raw_version (7 or 5), name_style (http or rpc), io_threads, worker_threads, blocking_handlers,
/// no_delay, keepalive_period, read_buffer_size, write_buffer_size. Durations are Go-style text
/// ("1m30s", "100ms") or integer milliseconds. An unknown key or a bad value is a 400 naming it.
/// In the config component (teleport::config).
Status load_peer_config(const std::string& path, PeerConfig& out);

}  // namespace tp
