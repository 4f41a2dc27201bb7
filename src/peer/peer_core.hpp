// PeerCore: what sessions share with their peer (router, protocol, settings, plugins, threads,
// hub).
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "session/read_budget.hpp"
#include "teleport/peer.hpp"
#include "teleport/proto/raw_proto.hpp"

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
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stopped{false};  // closing: no new sessions, calls or pushes
  std::atomic<bool> joined{false};   // the threads are gone: nothing may be posted any more

  explicit IoPool(unsigned n);
  /// The next io_context, round-robin.
  boost::asio::io_context& pick() { return *contexts[next++ % contexts.size()]; }
  /// Lets the threads finish their work and joins them.
  void join();
};

/// Opens `socket` for connecting to `remote`, bound to the configured local IP if any.
Status open_for_dial(boost::asio::generic::stream_protocol::socket& socket, const PeerConfig& cfg,
                     const boost::asio::generic::stream_protocol::endpoint& remote);

/// Shared state of a peer; outlives neither the Peer nor its last session.
struct PeerCore {
  PeerConfig config;
  Plugins plugins;
  Router router;
  std::unique_ptr<Proto>
      proto;  // never null: an unknown name falls back to raw (init_status says so)
  std::vector<std::unique_ptr<Proto>> detectable;  // raw, json, pb, http, thrift: for detect()
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<IoPool> pool;
  std::atomic<int> inflight_calls{0};  // calls being handled, for graceful shutdown
  ReadBudget read_budget;              // bytes in incoming frames and decompressed bodies
  std::chrono::milliseconds deadline_period{250};  // how often session deadlines are checked
  bool timed = false;  // calls need timestamps (count time, slow calls, context age)
  std::unique_ptr<boost::asio::ssl::context> tls_server;  // set when config.tls is
  std::unique_ptr<boost::asio::ssl::context> tls_client;

  mutable std::mutex hub_mutex;
  std::unordered_map<const SessionImpl*, std::shared_ptr<SessionImpl>> sessions;  // every live one
  std::map<std::string, SessionImpl*>
      by_id;  // ids may repeat (many dials to one address): last wins

  PeerCore(PeerConfig cfg, Plugins plugins);
  ~PeerCore();
  /// The protocol a connection speaks, from its first bytes; null: not enough bytes to tell.
  const Proto* detect(std::string_view first) const;
  /// The worker pool for blocking handlers, started on first use.
  boost::asio::thread_pool& workers();
  /// Adds a session, findable under its id.
  void add_session(const std::shared_ptr<SessionImpl>& s);
  /// Removes the session (and its id, if the id still names it).
  void remove_session(const std::string& id, const SessionImpl* s);
  /// Moves a session to a new id.
  void rename_session(const std::string& from, const std::string& to, const SessionImpl* s);

 private:
  std::once_flag workers_once_;
  std::unique_ptr<boost::asio::thread_pool> workers_;
};

}  // namespace tp::detail
