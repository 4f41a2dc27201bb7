// PeerCore: the shared state of a peer (router, protocol, settings, plugins, threads, hub); its
// sessions reach it through the SessionHost interface.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "metrics/shard.hpp"
#include "session/session_host.hpp"
#include "socket/read_budget.hpp"
#include "teleport/peer.hpp"
#include "teleport/proto/registry.hpp"
#include "teleport/proto/ws_sub_proto.hpp"

namespace spdlog {
class logger;
}

namespace tp::detail {

class SessionImpl;

/// The I/O threads: one io_context per thread. Sessions keep it alive (shared_ptr) so a socket
/// never outlives its io_context.
struct IoPool {
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  std::vector<Guard> guards;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<MetricsShard>> shards;  // one per context, same order
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stopped{false};  // closing: no new sessions, calls or pushes
  std::atomic<bool> joined{false};   // the threads are gone: nothing may be posted any more

  explicit IoPool(unsigned n);
  /// The next io_context, round-robin.
  boost::asio::io_context& pick() { return *contexts[next++ % contexts.size()]; }
  /// Lets the threads finish their work and joins them.
  void join();
};

/// Shared state of a peer; outlives neither the Peer nor its last session.
struct PeerCore final : SessionHost {
  Peer& owner_;  // the Peer this is the core of (handlers reach it through ctx.peer())
  PeerConfig config_;
  Plugins plugins_;
  Router router;
  std::unique_ptr<Proto> proto_;             // never null: an unknown name falls back to raw
  std::unique_ptr<ProtoDetector> detector_;  // null when detection is off
  std::unique_ptr<WsSubProto> ws_sub_;       // what WebSocket sessions speak (null: unknown name)
  std::unique_ptr<Proto> ws_framed_;         // ws_sub_ as sessions read and write it
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<IoPool> pool;
  std::atomic<int> inflight_calls{0};        // calls being handled, for graceful shutdown
  std::atomic<std::size_t> handing_over{0};  // accepted, on the way to their session's thread
  ReadBudget read_budget_;                   // bytes in incoming frames and decompressed bodies
  std::chrono::milliseconds deadline_period_{250};  // how often session deadlines are checked
  bool timed_ = false;  // calls need timestamps (count time, slow calls, context age)
  std::unique_ptr<boost::asio::ssl::context> tls_server;  // set when config.tls is
  std::unique_ptr<boost::asio::ssl::context> tls_client;

  mutable std::mutex hub_mutex;
  std::unordered_map<const SessionImpl*, std::shared_ptr<SessionImpl>> sessions;  // every live one
  std::map<std::string, SessionImpl*>
      by_id;  // ids may repeat (many dials to one address): last wins

  PeerCore(Peer& owner, PeerConfig cfg, Plugins plugins);
  ~PeerCore() override;
  /// Adds a session, findable under its id.
  void add_session(const std::shared_ptr<SessionImpl>& s);
  /// The sessions open now (accepted and dialed).
  [[nodiscard]] std::size_t count_sessions() const;
  /// The sessions open now, oldest first.
  [[nodiscard]] std::vector<SessionInfo> session_infos() const;

  // SessionHost
  Peer& peer() override { return owner_; }
  const PeerConfig& config() const override { return config_; }
  const Plugins& plugins() const override { return plugins_; }
  const RouteTable& routes() const override { return router.table(); }
  const Proto& proto() const override { return *proto_; }
  const Proto* detect(std::string_view first) const override;
  const Proto* websocket_proto() const override { return ws_framed_.get(); }
  spdlog::logger& logger() const override { return *logger_; }
  ReadBudget& read_budget() override { return read_budget_; }
  boost::asio::ssl::context* tls_context(bool dialing) const override {
    return dialing ? tls_client.get() : tls_server.get();
  }
  /// The worker pool for blocking handlers, started on first use.
  boost::asio::thread_pool& workers() override;
  std::chrono::milliseconds deadline_period() const override { return deadline_period_; }
  bool timed() const override { return timed_; }
  bool closing() const override { return pool->stopped; }
  bool threads_gone() const override { return pool->joined; }
  MetricsShard* metrics(boost::asio::io_context& loop) override;
  void record_slow_call(SlowCall call) override;
  /// The last slow calls, newest first.
  [[nodiscard]] std::vector<SlowCall> slow_calls() const;
  void handler_started() override { ++inflight_calls; }
  void handler_finished() override { --inflight_calls; }
  Status session_renamed(const std::string& from, const std::string& to,
                         const SessionImpl* s) override;
  void session_closed(const std::string& id, const SessionImpl* s) override;

 private:
  static constexpr std::size_t kSlowCallsKept = 32;
  mutable std::mutex slow_mutex_;
  std::deque<SlowCall> slow_calls_;  // newest first; slow calls are rare, a lock is cheap here
  std::once_flag workers_once_;
  std::unique_ptr<boost::asio::thread_pool> workers_;
};

}  // namespace tp::detail
