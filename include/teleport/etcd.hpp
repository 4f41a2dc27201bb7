// The etcd component (teleport::etcd, needs gRPC C++): service discovery on etcd v3.
//
// Servers register under a lease kept alive in the background; clients name the service as a
// channel target, `etcd://HOST:PORT[,HOST:PORT...]/SERVICE`, and follow its keys live:
//
//   // server
//   tp::Peer server({.listen_address = "10.0.0.1:9090"});
//   server.listen();
//   auto reg = tp::etcd::register_peer(server, "etcd://10.0.0.9:2379/math");
//   // client (linking teleport::etcd makes the etcd:// scheme known)
//   tp::Channel math(client, "etcd://10.0.0.9:2379/math");
//
// A backend is the key `/teleport/services/SERVICE/LEASE` (the lease id in hex) whose value is
// JSON: {"addr":"10.0.0.1:9090","weight":1,"meta":{...}}. Members of an etcd cluster are tried in
// turn: an operation that fails on one (down, partitioned, no leader) moves to the next.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "teleport/channel.hpp"
#include "teleport/status.hpp"

namespace tp {
class Peer;
}

namespace tp::etcd {

/// Where every service's keys live: `<kKeyPrefix><SERVICE>/<lease id, hex>`.
inline constexpr std::string_view kKeyPrefix = "/teleport/services/";

/// An `etcd://HOST:PORT[,HOST:PORT...]/SERVICE` target, parsed.
struct Target {
  std::vector<std::string> endpoints{};  ///< etcd members' client addresses, "host:port"
  std::string service{};                 ///< the service's name (may contain '/')
};

/// Parses an etcd target; 400 Bad Message naming what is wrong otherwise.
Result<Target> parse_target(std::string_view target);

/// The key prefix a service's backends are registered under (ends with '/').
std::string service_prefix(std::string_view service);

/// The JSON value a backend is registered with. `meta` must be empty or a JSON object.
Result<std::string> encode_backend(const Backend& backend);

/// Reads a registered value back; 400 Bad Message for anything but our JSON with a non-empty addr.
Result<Backend> decode_backend(std::string_view value);

/// What a server registers, and how it keeps the registration alive.
struct RegistrationOptions {
  std::string addr{};            ///< the address clients dial; empty: the peer's listen address
  int weight = 1;                ///< the backend's weight (ring points under consistent hashing)
  std::string meta{};            ///< a JSON object clients see as Backend::meta; empty: none
  std::chrono::seconds ttl{10};  ///< the lease's TTL: how long a dead server stays listed
  /// After deregistering on shutdown, the peer keeps accepting this long so that watching
  /// clients move away before connections are refused.
  std::chrono::milliseconds drain{200};
  std::chrono::milliseconds retry_backoff{200};       ///< first wait after etcd failed
  std::chrono::milliseconds max_retry_backoff{3000};  ///< the longest wait (it doubles up to it)
};

/// A backend kept registered on etcd while this object lives: a lease is granted and the key
/// written under it, the lease is kept alive (every TTL/3), and when etcd comes back after an
/// outage or the lease is lost (etcd partitioned away longer than the TTL) a new lease is
/// granted and the key written again. Destroying it deregisters.
class Registration {
 public:
  /// Starts registering `addr` (options.addr) as a backend of the target's service; returns
  /// at once, keeps trying in the background. 400 Bad Message for a bad target, addr or meta.
  static Result<std::shared_ptr<Registration>> start(std::string_view target,
                                                     RegistrationOptions options);
  /// Deregisters (see deregister()).
  ~Registration();
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

  /// Stops keeping the lease alive, then revokes it (deleting the key) within about two
  /// seconds; idempotent. Watching clients drop the backend when they see the deletion.
  void deregister();
  /// True while the key is written under a live lease, as far as this side knows.
  [[nodiscard]] bool registered() const;
  /// Waits until registered() (true) or `timeout` passes (false).
  bool wait_registered(std::chrono::milliseconds timeout) const;
  /// The key currently registered (empty when none).
  [[nodiscard]] std::string key() const;

  struct Impl;

 private:
  explicit Registration(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Registers a listening `peer` (its listen address and bound port unless options.addr is set;
/// a wildcard host such as ":9090" or "0.0.0.0" needs options.addr: 400 otherwise) and deregisters
/// when the peer's shutdown() begins, before it stops accepting. The registration also ends when
/// the returned pointer and the peer let go of it.
Result<std::shared_ptr<Registration>> register_peer(Peer& peer, std::string_view target,
                                                    RegistrationOptions options = {});

/// A resolver following a service's keys on etcd (what `etcd://` targets make): it lists the
/// prefix, then watches it from the next revision; after a broken watch, an etcd restart or a
/// compaction it lists again and watches again. While etcd is unreachable it keeps the last
/// list. Values that do not decode are skipped with one log line per key.
Result<std::unique_ptr<Resolver>> make_resolver(std::string_view target);

}  // namespace tp::etcd
