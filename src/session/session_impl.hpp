// SessionImpl: one session — frames over a Connection, its calls waiting for replies, the
// handlers of what arrives and, for a dialed session, its redial. Its methods are split by job:
// session_impl.cpp (life: start, handshakes, deadlines, close), outbound.cpp (calls, pushes,
// replies to our calls), inbound.cpp (frames in, routing, handlers, replies) and redial.cpp.
// Everything below `private:` runs on the session's I/O thread only (assert_in_loop checks it).
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "session/pending_calls.hpp"
#include "session/session_host.hpp"
#include "socket/address.hpp"
#include "socket/connection.hpp"
#include "socket/deadline_sweeper.hpp"
#include "teleport/session.hpp"

namespace tp::detail {

class SessionImpl final : public Session,
                          public HasDeadlines,
                          private Connection::Owner,
                          public std::enable_shared_from_this<SessionImpl> {
 public:
  using Socket = Connection::Socket;
  using Clock = std::chrono::steady_clock;

  /// Wraps a connected socket; `dialed_to` is set for a session this peer dialed (it may redial).
  SessionImpl(std::shared_ptr<SessionHost> host, Socket socket,
              std::optional<Endpoint> dialed_to = std::nullopt);
  ~SessionImpl() override;

  /// Starts the session on its I/O thread (from any thread): post_accept (accepted) or the TLS
  /// handshake, post_dial and the first-message hook it sets (dialed), then reading.
  void start();
  /// Speaks WebSocket on this connection, after TLS if any (before start()): as client asking
  /// `host` for `target`, else accepting an upgrade at the path `target`; `proto` is the framed
  /// sub-protocol. A redial upgrades the new connection again.
  void use_websocket(bool client, std::string host, std::string target, const Proto& proto);
  /// Runs `fn` once the session can be used or could not be (before start()).
  void on_ready(std::function<void(Status)> fn) { ready_fn_ = std::move(fn); }
  /// Frames queued, being written, or calls being handled: false once everything has left.
  [[nodiscard]] bool busy() const { return busy_.load(std::memory_order_relaxed); }
  /// What the admin page shows of it (any thread).
  [[nodiscard]] SessionInfo info() const;

  std::string id() const override;
  Status set_id(std::string id) override;
  std::string remote_addr() const override;
  std::string local_addr() const override;
  bool health() const override { return healthy_; }
  void close() override;
  void on_close(std::function<void(const CloseReason&)> fn) override;
  Peer& peer() const override { return host_->peer(); }
  void call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                ReplyCallback done) override;
  Status push_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts) override;
  std::uint8_t default_body_codec() const override { return cfg_.default_body_codec; }
  void expect_first_message(FirstMessageHook hook, std::chrono::milliseconds timeout) override;
  Status send_raw(Message msg) override;
  std::weak_ptr<Session> weak_self() override { return weak_from_this(); }
  /// The executor of the session's I/O thread.
  boost::asio::any_io_executor executor() const { return ioc_->get_executor(); }
  /// Closes the session (or, dialed, redials) if a read, write, handshake, first-message or
  /// idle deadline has passed; called by the thread's DeadlineSweeper.
  void check_deadlines(Clock::time_point now) override;

 protected:
  Status check_blocking_allowed() const override;

 private:
  struct CallJob;  // a call or push whose handler runs on a worker or completes later

  // Connection::Owner
  std::shared_ptr<void> hold() override { return shared_from_this(); }
  void on_input() override;
  void on_sent() override;
  void on_broken(const Status& why, bool by_remote) override;

  // Life (session_impl.cpp).
  void begin();
  // TLS, then the WebSocket upgrade, each when the session has it.
  void handshake(std::function<void(boost::system::error_code)> done);
  void begin_handshake(std::function<void()> then);
  // What an accepted WebSocket upgrade is checked against and answered with.
  detail::WsAcceptOptions ws_accept_options();
  // Ends a session whose TLS handshake or WebSocket upgrade failed (a file served: quietly).
  void handshake_failed(boost::system::error_code ec);
  // Protocol detection found an upgrade (or a file) on the shared port: answer it.
  void upgrade_to_websocket();
  void greet(bool again);
  void ready(Status st);
  void flush();
  void flush_input_batch();  // process_input()'s one write at its end
  void after_flush();
  void update_busy();
  void shutdown(const Status& why, CloseReason::Side side = CloseReason::Side::kLocal);
  void log_message(const char* direction, const Message& msg) const;
  [[nodiscard]] const char* deadline_passed(Clock::time_point now) const;

  // Outbound (outbound.cpp).
  // Takes the strings by reference: moved once, into the message (each hop by value is a move).
  Message build_request(MsgType type, std::string&& sm, std::uint8_t codec, std::string&& body,
                        CallOptions& opts) const;
  void send_call(Message& call, ReplyCallback done, std::chrono::milliseconds timeout);
  // Fails a call that never went out, from the queue: a callback that calls again on failure
  // must not recurse until the stack ends (at once only when no I/O thread is left).
  void fail_soon(ReplyCallback& done, Status st);
  void send_push(Message& push);
  void queue_raw(Message& msg);
  // What an accepted connection sends before its first bytes have named its protocol.
  enum class Early { kCall, kPush, kRaw };
  // Holds `msg` while the protocol of a connection accepted beside the web front is still to be
  // detected (true: held, or refused past the bound); it is encoded once the protocol is known.
  bool hold_until_detected(Early kind, Message& msg, ReplyCallback* done = nullptr,
                           std::chrono::milliseconds timeout = {});
  // The protocol is known: sends what was held, in order.
  void protocol_known();
  void handle_reply(Message& reply);
  // Where calls and pushes are queued: held back while a redial or its post_dial runs.
  [[nodiscard]] std::string& out() { return holding_ ? held_ : conn_.out(); }

  // Inbound (inbound.cpp).
  void process_input();
  void process_frames();
  void dispatch(Message& msg);
  void handle_first_message(Message& first);
  void handle_call(Message& call);
  Status run_body_hooks(Ctx& ctx, const Route& route);
  void run_on_worker(std::shared_ptr<CallJob> job);
  void run_async_call(std::shared_ptr<CallJob> job);
  void finish_call(Message& reply, Clock::time_point start, const Message& call,
                   const Plugins* route_plugins, RouteCounters* metrics);
  void send_reply(Message& reply, const Plugins* route_plugins);
  void handle_push(Message& push);
  void watch(CallJob& job);    // gives the job's Ctx a cancel signal (and a context-age timer)
  void unwatch(CallJob& job);  // the job's handler is done
  void cancel_handlers(
      const Status& why);   // the session closed: every running job's caller gave up
  void handler_started();   // a handler runs on a worker or completes later: shutdown waits
  void handler_finished();  // its end, on the I/O thread

  // Redial (redial.cpp).
  void redial();
  void redial_connected();
  void retry_redial(const std::string& why);
  void redial_refused(const std::string& why);
  void redialed();

  // Declared first so that it is destroyed last: the socket needs the host's io_context.
  std::shared_ptr<SessionHost> host_;
  const PeerConfig& cfg_;
  const Plugins& plugins_;
  const RouteTable& routes_;
  spdlog::logger& log_;
  Connection conn_;
  boost::asio::io_context* ioc_;  // the thread this session lives on (the connection's)
  MetricsShard* metrics_;         // that thread's metrics (null: off)
  // What a call reads and writes of the session, gathered after the connection: with thousands
  // of sessions per thread each is cold when its next call comes, and a call then misses on these
  // few lines instead of on one line in every part of the object. (Trivially destructible members,
  // and two whose destruction touches nothing else of the session: held_ and first_hook_, which
  // shutdown() empties anyway.)
  const Proto* proto_;    // the peer's protocol, or the one detected from an accepted connection
  bool detect_proto_;     // still to detect from the first bytes
  bool partial_ = false;  // bytes of an unfinished frame are held
  bool first_frame_ = false;  // a whole frame has arrived (handshake_timeout is over)
  bool redialing_ = false;    // no connection: a redial is under way
  bool holding_ = false;      // calls and pushes wait in held_ (redialing, or its post_dial runs)
  bool ready_after_first_ = false;   // a dial waits for the first-message hook's verdict
  bool close_after_flush_ = false;   // a refused handshake: answer, then close
  bool in_input_ = false;            // process_input() runs: flush() leaves the writing to it
  std::atomic<bool> closed_{false};  // read from any thread, written on the I/O thread
  std::atomic<bool> healthy_{true};
  std::atomic<bool> busy_{false};
  // Handlers on workers or completing later (written on the I/O thread, read by info()).
  std::atomic<int> handlers_running_{0};
  std::int32_t seq_ = 0;
  struct FrameMessages;
  FrameMessages* frame_ = nullptr;  // see FrameMessages below
  // Deadlines, stamped with the sweeper's coarse clock.
  DeadlineSweeper* sweeper_ = nullptr;
  Clock::time_point started_at_{};
  Clock::time_point frame_since_{};  // first bytes of the frame being read (if partial_)
  Clock::time_point first_by_{};     // the first-message hook's deadline (max: none)
  std::string held_;                 // frames held back until the redial's post_dial has passed
  FirstMessageHook first_hook_;      // set until the next message has been handed to it
  std::function<void(Status)> ready_fn_;
  std::optional<Endpoint> dialed_to_;
  struct WsSetup {
    bool client;
    std::string host;
    std::string target;
  };
  std::optional<WsSetup> ws_;  // set: the connection speaks WebSocket
  // Calls, pushes and raw messages made before the first bytes (a post_accept plugin's welcome,
  // a broadcast to every session) on a port with the web front: encoded in a guessed protocol
  // they would be the first bytes of a browser's HTTP answer. They wait for protocol_known();
  // at most kMaxEarlyBytes of bodies.
  struct EarlyMessage {
    Early kind;
    Message msg;
    ReplyCallback done;  // a call's
    std::chrono::milliseconds timeout;
  };
  static constexpr std::size_t kMaxEarlyBytes = 1 << 20;
  std::vector<EarlyMessage> early_;
  std::size_t early_bytes_ = 0;
  mutable std::mutex id_mutex_;  // guards id_, remote_, local_ (they change on set_id and redial)
  std::string id_;
  std::string remote_;
  std::string local_;

  // The frame being handled and the reply being built (inline handlers): the I/O thread's pair
  // while process_frames() runs, shared by its sessions so that thousands of them do not each
  // keep (and touch, call after call) buffers of their own; this session's own pair only if the
  // thread's is taken (process_frames() of another session below on the stack).
  struct FrameMessages {
    Message in;
    Message reply;
  };
  class FrameMessagesLease;
  std::unique_ptr<FrameMessages> own_frame_;
  const Clock::time_point opened_ = Clock::now();
  std::unordered_set<std::shared_ptr<CancelSignal>> running_;  // those handlers' cancel signals
  PendingCalls pending_;
  std::vector<std::function<void(const CloseReason&)>> close_fns_;
  CloseReason close_reason_;  // set by shutdown()
  std::unique_ptr<boost::asio::steady_timer> age_timer_;
  std::unique_ptr<boost::asio::steady_timer> redial_timer_;
  int redial_attempt_ = 0;  // of the redial under way
};

}  // namespace tp::detail
