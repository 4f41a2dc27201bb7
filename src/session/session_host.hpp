// SessionHost: what a session needs from the peer that owns it. The peer implements it; the
// session layer sees only this interface, never the peer's own types.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "socket/read_budget.hpp"
#include "teleport/peer.hpp"

namespace spdlog {
class logger;
}

namespace tp::detail {

class SessionImpl;
class MetricsShard;

class SessionHost {
 public:
  virtual ~SessionHost() = default;

  /// The peer itself (what handlers reach through ctx.peer()).
  [[nodiscard]] virtual Peer& peer() = 0;
  /// The peer's settings.
  [[nodiscard]] virtual const PeerConfig& config() const = 0;
  /// The peer's plugins, run before route plugins.
  [[nodiscard]] virtual const Plugins& plugins() const = 0;
  /// The routes incoming calls and pushes go to.
  [[nodiscard]] virtual const RouteTable& routes() const = 0;
  /// The protocol sessions speak unless detection picks another.
  [[nodiscard]] virtual const Proto& proto() const = 0;
  /// The protocol an accepted connection speaks, from its first bytes; null: too few to tell.
  [[nodiscard]] virtual const Proto* detect(std::string_view first) const = 0;
  /// What WebSocket sessions speak (framed for the session), null if websocket_sub_proto is
  /// unknown.
  [[nodiscard]] virtual const Proto* websocket_proto() const = 0;
  /// The peer's logger.
  [[nodiscard]] virtual spdlog::logger& logger() const = 0;
  /// Bytes all sessions may hold in incoming frames.
  [[nodiscard]] virtual ReadBudget& read_budget() = 0;
  /// The TLS context for dialed (`dialing`) or accepted connections; null: no TLS.
  [[nodiscard]] virtual boost::asio::ssl::context* tls_context(bool dialing) const = 0;
  /// The worker pool blocking handlers run on.
  [[nodiscard]] virtual boost::asio::thread_pool& workers() = 0;
  /// How often session deadlines are checked.
  [[nodiscard]] virtual std::chrono::milliseconds deadline_period() const = 0;
  /// True when calls need timestamps (count time, slow calls, context age).
  [[nodiscard]] virtual bool timed() const = 0;
  /// True once the peer is closing: no new sessions, calls or pushes.
  [[nodiscard]] virtual bool closing() const = 0;
  /// True once the peer's I/O threads have ended: nothing may be posted to them.
  [[nodiscard]] virtual bool threads_gone() const = 0;
  /// The metrics of the I/O thread running `loop`; null when metrics are off.
  [[nodiscard]] virtual MetricsShard* metrics(boost::asio::io_context& loop) = 0;

  /// A call took longer than the slow-call threshold (any I/O thread).
  virtual void record_slow_call(SlowCall call) = 0;
  /// A handler started (it runs on a worker or completes later): graceful shutdown waits.
  virtual void handler_started() = 0;
  /// That handler finished.
  virtual void handler_finished() = 0;
  /// The session `s` wants its id changed from `from` to `to`: 1 Invalid Operation if another
  /// open session has `to`, else the hub finds `s` under `to` from now on.
  virtual Status session_renamed(const std::string& from, const std::string& to,
                                 const SessionImpl* s) = 0;
  /// The session `s` (known as `id`) closed.
  virtual void session_closed(const std::string& id, const SessionImpl* s) = 0;

 protected:
  SessionHost() = default;
};

}  // namespace tp::detail
