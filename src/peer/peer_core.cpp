#include "peer/peer_core.hpp"

#include "proto/ws_framed_proto.hpp"
#include "teleport/proto/ws_json_proto.hpp"
#include "teleport/proto/ws_pb_proto.hpp"

#include <algorithm>

#include "session/session_impl.hpp"
#include "support/logger.hpp"
#include "support/threads.hpp"

namespace tp {

namespace asio = boost::asio;

namespace detail {

IoPool::IoPool(unsigned n) {
  if (n == 0) n = std::max(1U, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    // No per-socket lock in the reactor: each context has one thread, and a socket is opened,
    // used and closed only on it (sockets made for a context elsewhere are registered there
    // through run_in_loop or a post). The scheduler still locks: any thread may post to it.
    contexts.push_back(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
    guards.emplace_back(contexts.back()->get_executor());
    shards.push_back(std::make_unique<MetricsShard>());
  }
  for (auto& ctx : contexts) {
    threads.emplace_back([c = ctx.get()] {
      mark_io_thread();  // blocking APIs refuse to run here
      c->run();
    });
  }
}

void IoPool::join() {
  stopped = true;
  guards.clear();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  joined = true;
}

namespace {

RawProtoOptions proto_options(const PeerConfig& cfg) {
  return {.version = cfg.raw_version, .size_limit = cfg.message_size_limit, .filters = nullptr};
}

}  // namespace

PeerCore::PeerCore(Peer& owner, PeerConfig cfg, Plugins plugs)
    : owner_(owner),
      config_(std::move(cfg)),
      plugins_(std::move(plugs)),
      proto_(make_proto(config_.proto, proto_options(config_))),
      logger_(config_.logger ? config_.logger : teleport_logger()),
      pool(std::make_shared<IoPool>(config_.io_threads)),
      read_budget_(config_.read_budget) {
  if (!proto_) proto_ = std::make_unique<RawProto>(proto_options(config_));
  if (config_.detect_protocol)
    detector_ = std::make_unique<ProtoDetector>(proto_options(config_), *proto_);
  if (config_.websocket_sub_proto == "json") {
    ws_sub_ = std::make_unique<WsJsonProto>(proto_options(config_));
  } else if (config_.websocket_sub_proto == "pb") {
    ws_sub_ = std::make_unique<WsPbProto>(proto_options(config_));
  }
  if (ws_sub_) ws_framed_ = std::make_unique<WsFramedProto>(*ws_sub_);
  // Deadlines are checked a few times per shortest timeout (coarse: they guard against peers that
  // stall for seconds, not milliseconds).
  for (auto limit : {config_.read_timeout, config_.write_timeout, config_.handshake_timeout,
                     config_.idle_timeout}) {
    if (limit.count() > 0) deadline_period_ = std::min(deadline_period_, limit / 4);
  }
  deadline_period_ = std::max(deadline_period_, std::chrono::milliseconds(20));
  router.table().style = config_.name_style;
  timed_ = config_.metrics || config_.count_time || config_.slow_call_threshold.count() > 0 ||
           config_.default_context_age.count() > 0;
  router.table().set_peer_plugins(&plugins_);
}

PeerCore::~PeerCore() {
  if (workers_) workers_->join();
}

const Proto* PeerCore::detect(std::string_view first) const {
  return detector_ ? detector_->detect(first) : proto_.get();
}

asio::thread_pool& PeerCore::workers() {
  std::call_once(workers_once_, [this] {
    const unsigned n = config_.worker_threads ? config_.worker_threads
                                              : std::max(1U, std::thread::hardware_concurrency());
    workers_ = std::make_unique<asio::thread_pool>(n);
  });
  return *workers_;
}

std::size_t PeerCore::count_sessions() const {
  std::lock_guard lock(hub_mutex);
  return sessions.size();
}

std::vector<SessionInfo> PeerCore::session_infos() const {
  std::vector<SessionInfo> out;
  {
    std::lock_guard lock(hub_mutex);
    out.reserve(sessions.size());
    for (const auto& [raw, session] : sessions) out.push_back(session->info());
  }
  std::sort(out.begin(), out.end(), [](const SessionInfo& a, const SessionInfo& b) {
    return a.age_seconds > b.age_seconds;
  });
  return out;
}

void PeerCore::record_slow_call(SlowCall call) {
  std::lock_guard lock(slow_mutex_);
  slow_calls_.push_front(std::move(call));
  if (slow_calls_.size() > kSlowCallsKept) slow_calls_.pop_back();
}

std::vector<SlowCall> PeerCore::slow_calls() const {
  std::lock_guard lock(slow_mutex_);
  return {slow_calls_.begin(), slow_calls_.end()};
}

void PeerCore::add_session(const std::shared_ptr<SessionImpl>& s) {
  std::lock_guard lock(hub_mutex);
  sessions[s.get()] = s;
  by_id[s->id()] = s.get();
}

void PeerCore::session_closed(const std::string& id, const SessionImpl* s) {
  std::lock_guard lock(hub_mutex);
  if (auto it = by_id.find(id); it != by_id.end() && it->second == s) by_id.erase(it);
  sessions.erase(s);
}

Status PeerCore::session_renamed(const std::string& from, const std::string& to,
                                 const SessionImpl* s) {
  std::lock_guard lock(hub_mutex);
  if (auto taken = by_id.find(to); taken != by_id.end() && taken->second != s) {
    return Status::from_code(code::kInvalidOp, "another session has the id " + to);
  }
  if (!sessions.contains(s)) return {};  // closed: nothing to find it under
  if (auto it = by_id.find(from); it != by_id.end() && it->second == s) by_id.erase(it);
  by_id[to] = const_cast<SessionImpl*>(s);
  return {};
}

MetricsShard* PeerCore::metrics(boost::asio::io_context& loop) {
  if (!config_.metrics) return nullptr;
  for (std::size_t i = 0; i < pool->contexts.size(); ++i) {
    if (pool->contexts[i].get() == &loop) return pool->shards[i].get();
  }
  return nullptr;
}

}  // namespace detail

}  // namespace tp
