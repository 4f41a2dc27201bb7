// The heartbeat plugin, interoperable with eRPC's plugin/heartbeat: the pinging side sends a PUSH
// (or CALL) to `/heartbeat` with meta `hb_=<interval seconds>` every interval; the answering side
// (`ping = false`) closes a session from which nothing has been heard for three intervals, and so
// does a side that pings with calls (whose replies it hears; a frozen peer sends none). Any
// message counts as a sign of life, and it is noted before decoding, so a session saturated with
// calls is never mistaken for a silent one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "teleport/plugin.hpp"

namespace tp::plugin {

/// Pings every session at `interval` (ping side), and closes those silent for 3 intervals
/// (answering side, or a ping side with `use_call`).
class Heartbeat final : public Plugin {
 public:
  /// `ping`: send pings (else only answer and watch); `use_call`: ping with a CALL, not a PUSH.
  explicit Heartbeat(std::chrono::milliseconds interval, bool ping = true, bool use_call = false);
  ~Heartbeat() override;
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  std::string_view name() const override { return "heartbeat"; }
  /// Registers the `/heartbeat` call and push routes.
  Status post_new_peer(Peer& peer) override;
  /// Starts watching a dialed session.
  Status post_dial(Session& session, bool redialed) override;
  /// Starts watching an accepted session.
  Status post_accept(Session& session) override;
  /// Anything read proves the session alive.
  Status pre_read_header(Session& session) override;
  /// Stops watching a closed session.
  Status post_disconnect(Session& session) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Watched {
    std::weak_ptr<Session> session;
    Clock::time_point last_heard;
  };
  void watch(Session& session);
  void run();

  std::chrono::milliseconds interval_;
  bool ping_;
  bool use_call_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<const Session*, Watched> sessions_;
  std::thread ticker_;
};

}  // namespace tp::plugin
