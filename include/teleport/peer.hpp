// Peer: server and client in one; listens, dials, holds sessions and the router.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "teleport/codec/codec.hpp"
#include "teleport/metrics.hpp"
#include "teleport/plugin.hpp"
#include "teleport/proto/pb_proto.hpp"
#include "teleport/proto/raw_proto.hpp"
#include "teleport/router.hpp"
#include "teleport/session.hpp"
#include "teleport/tls.hpp"

namespace spdlog {
class logger;
}

namespace tp {

/// A peer's settings (eRPC's PeerConfig fields, plus the C++ ones below them).
struct PeerConfig {
  std::string network = "tcp";   ///< tcp, tcp4, tcp6, unix or unixpacket (SOCK_SEQPACKET)
  std::string listen_address{};  ///< "ip:port", ":port" or a Unix socket path; empty: no listener
  std::string local_ip{};        ///< source address of dialed TCP connections (empty: any)
  std::chrono::milliseconds dial_timeout{5000};  ///< dial deadline
  int redial_times = 0;  ///< reconnect attempts after a dialed session breaks (< 0: unlimited)
  std::chrono::milliseconds redial_interval{100};     ///< wait between redial attempts
  std::uint8_t default_body_codec = codec_id::kJson;  ///< codec of calls and pushes that name none
  std::chrono::milliseconds default_session_age{
      0};  ///< a session closes this long after it starts (0: never)
  std::chrono::milliseconds default_context_age{0};  ///< deadline of a call, both sides (0: none)
  std::chrono::milliseconds slow_call_threshold{
      0};                     ///< calls slower than this log a warning (0: off)
  bool print_detail = false;  ///< log status, meta and body of every message
  bool count_time = false;    ///< log the cost of every call
  /// Keep metrics per route and per peer (Peer::metrics()), per I/O thread on the hot path.
  bool metrics = true;
  /// Serve GET /metrics (Prometheus text format) on this "IP:PORT" from a thread of its own
  /// (":PORT" is loopback; name 0.0.0.0 to be reached from elsewhere); empty: off.
  std::string admin_address{};

  std::uint32_t message_size_limit = kDefaultSizeLimit;  ///< largest frame read or written
  std::string proto =
      "raw";  ///< wire protocol: raw, json, pb, http, thrift (teleport::thrift) or registered
  bool detect_protocol = true;  ///< accepted connections: pick the protocol from the first bytes
  /// Serve WebSocket (RFC 6455, as Go eRPC's mixer/websocket) at this path ("/ws"). With
  /// detect_protocol, an HTTP GET upgrading to this path becomes a WebSocket session and other
  /// bytes go on to the other protocols; without it, every accepted connection must upgrade here
  /// (others get 404 or 400). Empty: off. Dialing needs nothing here:
  /// `dial("ws://host:port/path")`.
  std::string websocket_path{};
  /// With websocket_path: GETs of files under this directory are answered with them ("/" is
  /// index.html), one per connection, on the same port. Empty: none.
  std::string web_root{};
  /// What WebSocket sessions speak: "json" (Go's jsonSubProto) or "pb" (pbSubProto).
  std::string websocket_sub_proto = "json";
  RawVersion raw_version = RawVersion::kV7;  ///< speak eRPC v7 or Teleport v5
  NameStyle name_style = NameStyle::kHttp;   ///< how controller names become service methods
  unsigned io_threads = 0;                   ///< I/O threads (0: one per core)
  unsigned worker_threads = 0;     ///< worker pool size for blocking handlers (0: one per core)
  bool blocking_handlers = false;  ///< run every handler on the worker pool

  bool no_delay = true;                      ///< TCP_NODELAY
  std::chrono::seconds keepalive_period{0};  ///< TCP keepalive idle time (0: keepalive off)
  int read_buffer_size = 0;                  ///< SO_RCVBUF (0: system default)
  int write_buffer_size = 0;                 ///< SO_SNDBUF (0: system default)
  std::function<void(int fd)> control_fd{};  ///< called with each new connection's descriptor
  std::optional<TlsConfig> tls{};  ///< TLS on every connection this peer accepts and dials
  /// Where this peer logs (null: tp::default_logger(), see teleport/logging.hpp); its level is
  /// the logger's own (`logger->set_level(...)`).
  std::shared_ptr<spdlog::logger> logger{};

  // Limits against slow, greedy or hostile peers (0 turns a limit off).
  /// Bytes all sessions together may hold in incoming frames and decompressed bodies; a session
  /// that would go past it stops reading until others release (then read_timeout applies).
  std::size_t read_budget = std::size_t{256} << 20;
  /// Bytes a session may have queued but unsent; past it the session stops reading (TCP
  /// backpressure) until the remote side has taken half of them.
  std::size_t max_unsent_bytes = std::size_t{4} << 20;
  /// A frame whose first bytes arrived must be complete within this.
  std::chrono::milliseconds read_timeout{30000};
  /// A write the remote side does not take (it is not reading) fails after this.
  std::chrono::milliseconds write_timeout{30000};
  /// An accepted connection must finish its TLS handshake and send its first frame within this.
  std::chrono::milliseconds handshake_timeout{10000};
  /// A session with no bytes in or out for this long is closed (default off: long-lived push
  /// connections are normal).
  std::chrono::milliseconds idle_timeout{0};
  /// Sessions this peer holds at once (accepted and dialed); accepts beyond it are closed.
  std::size_t max_connections = 0;
};

/// A peer: it listens and dials; every connection is a Session with the same router.
class Peer {
 public:
  /// Starts the I/O threads; `plugins` run at every hook, before route plugins.
  explicit Peer(PeerConfig config = {}, Plugins plugins = {});
  /// Closes every session and stops the threads.
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  /// The router. Routes may be added while serving (each path once).
  [[nodiscard]] Router& router() noexcept;
  /// Shorthand for router().route_call_func().
  template <class F>
  Status route_call_func(std::string path, F fn, RouteOptions opts = {}) {
    return router().route_call_func(std::move(path), std::move(fn), std::move(opts));
  }
  /// Shorthand for router().route_push_func().
  template <class F>
  Status route_push_func(std::string path, F fn, RouteOptions opts = {}) {
    return router().route_push_func(std::move(path), std::move(fn), std::move(opts));
  }
  /// Shorthand for router().route_call_ctl().
  template <class Ctl>
  Status route_call(RouteOptions opts = {}) {
    return router().route_call_ctl<Ctl>(std::move(opts));
  }
  /// Shorthand for router().route_push_ctl().
  template <class Ctl>
  Status route_push(RouteOptions opts = {}) {
    return router().route_push_ctl<Ctl>(std::move(opts));
  }
  /// The peer's global plugins.
  [[nodiscard]] const Plugins& plugins() const noexcept;

  /// Starts accepting on config().listen_address; returns once listening (or on failure).
  Status listen();
  /// listen(), then blocks until close() (or shutdown) is called from another thread.
  Status listen_and_serve();
  /// Blocks until the peer is closed (by close(), shutdown() or a signal helper).
  void wait_closed();
  /// The bound port (useful with ":0"), 0 if not listening on TCP.
  [[nodiscard]] std::uint16_t listen_port() const;
  /// Connects to `addr` ("host:port", a Unix path, or a WebSocket URL "ws://host:port/path" —
  /// wss:// over PeerConfig::tls — speaking websocket_sub_proto) and returns the session.
  Result<std::shared_ptr<Session>> dial(const std::string& addr);

  /// Adopts an already connected stream socket (TCP or Unix; this peer takes the descriptor)
  /// and serves it like an accepted connection.
  Result<std::shared_ptr<Session>> serve_conn(int fd);

  /// The session with this id, or null.
  [[nodiscard]] std::shared_ptr<Session> get_session(const std::string& id) const;
  /// Calls `fn` for each session until it returns false.
  void range_sessions(const std::function<bool(const std::shared_ptr<Session>&)>& fn) const;
  /// The number of live sessions.
  [[nodiscard]] std::size_t count_sessions() const;

  /// Runs `fn` (once, on the thread calling shutdown()) when a graceful shutdown begins, while
  /// the peer still accepts: the place to deregister from discovery so that clients move away
  /// before connections are refused.
  void on_shutdown(std::function<void()> fn);
  /// Runs the on_shutdown() functions, stops accepting, lets running handlers finish and their
  /// replies flush (at most `timeout`), then closes every session and stops the threads.
  /// Idempotent.
  void shutdown(std::chrono::milliseconds timeout);
  /// shutdown() with no grace period.
  void close();
  /// Installs SIGINT/SIGTERM handlers that shut this peer down gracefully (one peer per process).
  void shutdown_on_signals(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Graceful restart: on `signal` this executable is started again with the same arguments,
  /// inheriting the listening socket (TELEPORT_LISTENER_FDS); its listen() adopts it, and this
  /// peer stops accepting and shuts down within `timeout`. Queued connections are never refused.
  void restart_on_signal(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                         int signal = SIGUSR2);
  /// The settings.
  [[nodiscard]] const PeerConfig& config() const noexcept;
  /// The logger this peer writes to (PeerConfig::logger or tp::default_logger()).
  [[nodiscard]] spdlog::logger& logger() const noexcept;
  /// The metrics now, merged from every I/O thread (empty routes when PeerConfig::metrics is
  /// off); tp::to_prometheus() writes them in Prometheus' text format.
  [[nodiscard]] PeerMetrics metrics() const;
  /// Adds metrics of its own to every read of metrics() (and so to the admin endpoint):
  /// `source` appends samples, from whichever thread reads. Geminio adds its own this way.
  void add_metrics_source(std::function<void(std::vector<MetricSample>&)> source);
  /// The sessions open now, oldest first.
  [[nodiscard]] std::vector<SessionInfo> sessions() const;
  /// The last calls slower than slow_call_threshold (up to 32), newest first.
  [[nodiscard]] std::vector<SlowCall> slow_calls() const;
  /// The admin endpoint's bound port (useful with ":0"); 0 when there is none.
  [[nodiscard]] std::uint16_t admin_port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp
