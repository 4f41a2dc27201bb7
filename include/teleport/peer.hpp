// Peer: server and client in one; listens, dials, holds sessions and the router.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "teleport/codec/codec.hpp"
#include "teleport/proto/raw_proto.hpp"
#include "teleport/router.hpp"
#include "teleport/session.hpp"

namespace tp {

/// A peer's settings (eRPC's PeerConfig fields).
struct PeerConfig {
  std::string network = "tcp";                    ///< tcp, tcp4, tcp6 or unix
  std::string listen_address;                     ///< "ip:port", ":port" or a Unix socket path; empty: no listener
  std::chrono::milliseconds dial_timeout{5000};   ///< dial deadline
  int redial_times = 0;                           ///< reconnect attempts after a dialed session breaks (< 0: unlimited)
  std::chrono::milliseconds redial_interval{100};  ///< wait between redial attempts
  std::uint8_t default_body_codec = codec_id::kJson;  ///< codec of calls and pushes that name none
  std::chrono::milliseconds default_context_age{0};  ///< call deadline when a call sets none (0: none)
  std::uint32_t message_size_limit = kDefaultSizeLimit;  ///< largest frame read or written
  RawVersion raw_version = RawVersion::kV7;        ///< speak eRPC v7 or Teleport v5
  unsigned io_threads = 0;                         ///< I/O threads (0: one per core)
};

/// A peer: it listens and dials; every connection is a Session with the same router.
class Peer {
 public:
  /// Starts the I/O threads.
  explicit Peer(PeerConfig config = {});
  /// Closes every session and stops the threads.
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  /// The router. Add routes before listening or dialing.
  [[nodiscard]] Router& router() noexcept;
  /// Shorthand for router().route_call_func().
  template <class F>
  void route_call_func(std::string path, F fn) {
    router().route_call_func(std::move(path), std::move(fn));
  }
  /// Shorthand for router().route_push_func().
  template <class F>
  void route_push_func(std::string path, F fn) {
    router().route_push_func(std::move(path), std::move(fn));
  }

  /// Starts accepting on config().listen_address; returns once listening (or on failure).
  Status listen();
  /// listen(), then blocks until close() (or shutdown) is called from another thread.
  Status listen_and_serve();
  /// The bound port (useful with ":0"), 0 if not listening on TCP.
  [[nodiscard]] std::uint16_t listen_port() const;
  /// Connects to `addr` ("host:port" or a Unix path) and returns the session.
  std::pair<std::shared_ptr<Session>, Status> dial(const std::string& addr);

  /// The session with this id, or null.
  [[nodiscard]] std::shared_ptr<Session> get_session(const std::string& id) const;
  /// Calls `fn` for each session until it returns false.
  void range_sessions(const std::function<bool(const std::shared_ptr<Session>&)>& fn) const;
  /// The number of live sessions.
  [[nodiscard]] std::size_t count_sessions() const;

  /// Stops accepting, closes every session, stops the I/O threads. Idempotent.
  void close();
  /// The settings.
  [[nodiscard]] const PeerConfig& config() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp
