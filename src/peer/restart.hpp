// Graceful restart: a new copy of this executable inherits the listening sockets through an
// environment variable; the old one stops accepting and drains.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "teleport/status.hpp"

namespace tp::detail {

/// The environment variable naming inherited listeners: lines of "<network>:<address>=<fd>".
inline constexpr const char* kListenerFdsEnv = "TELEPORT_LISTENER_FDS";

/// The key under which a listener is handed over ("tcp:127.0.0.1:0", "unix:/run/app.sock").
std::string listener_key(const std::string& network, const std::string& address);

/// The descriptor this process inherited for `key`, if any (it is then this process's to use).
std::optional<int> inherited_listener(const std::string& key);

/// Starts this executable again (same arguments, same environment) with `listeners` (key, fd)
/// inherited and every other descriptor but 0, 1 and 2 closed in the child. Returns the pid.
std::pair<int, Status> spawn_self(const std::vector<std::pair<std::string, int>>& listeners);

}  // namespace tp::detail
