#include "teleport/plugin/heartbeat.hpp"

#include <cmath>

#include "teleport/peer.hpp"

namespace tp::plugin {
namespace {
constexpr std::string_view kRoute = "/heartbeat";
constexpr std::string_view kRateKey = "hb_";
}  // namespace

Heartbeat::Heartbeat(std::chrono::milliseconds interval, bool ping, bool use_call)
    : interval_(interval), ping_(ping), use_call_(use_call), ticker_([this] { run(); }) {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  ticker_.join();
}

Status Heartbeat::post_new_peer(Peer& peer) {
  // Receiving a ping is the proof of life (pre_read_header); the routes only make it welcome.
  Status st = peer.router().route_push(std::string(kRoute), [](Ctx&) { return Status(); });
  if (st.ok()) st = peer.router().route_call(std::string(kRoute), [](Ctx&) { return Status(); });
  return st;
}

Status Heartbeat::post_dial(Session& session, bool) {
  watch(session);
  return {};
}

Status Heartbeat::post_accept(Session& session) {
  watch(session);
  return {};
}

void Heartbeat::watch(Session& session) {
  std::lock_guard lock(mutex_);
  sessions_[&session] = {session.weak_self(), Clock::now()};
}

Status Heartbeat::pre_read_header(Session& session) {
  std::lock_guard lock(mutex_);
  if (auto it = sessions_.find(&session); it != sessions_.end())
    it->second.last_heard = Clock::now();
  return {};
}

Status Heartbeat::post_disconnect(Session& session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(&session);
  return {};
}

void Heartbeat::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    std::vector<std::shared_ptr<Session>> to_ping;
    std::vector<std::shared_ptr<Session>> to_close;
    const auto now = Clock::now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto s = it->second.session.lock();
      if (!s) {
        it = sessions_.erase(it);
        continue;
      }
      // A pinging side hears back only when it pings with calls: then it watches too.
      if ((!ping_ || use_call_) && now - it->second.last_heard > 3 * interval_) {
        to_close.push_back(std::move(s));
        it = sessions_.erase(it);
        continue;
      }
      if (ping_) to_ping.push_back(std::move(s));
      ++it;
    }
    lock.unlock();  // sessions call back into our hooks: never hold the lock across them
    const auto seconds =
        std::max<long long>(1, std::llround(std::chrono::duration<double>(interval_).count()));
    for (auto& s : to_close) s->close();
    for (auto& s : to_ping) {
      CallOptions opts;
      opts.meta.add(std::string(kRateKey), std::to_string(seconds));
      if (use_call_) {
        s->call_raw(std::string(kRoute), codec_id::kNone, {}, std::move(opts), [](Message&) {});
      } else {
        (void)s->push_raw(std::string(kRoute), codec_id::kNone, {}, std::move(opts));
      }
    }
    lock.lock();
  }
}

}  // namespace tp::plugin
