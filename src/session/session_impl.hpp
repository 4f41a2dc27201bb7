// SessionImpl: one connection, its read loop, its batched writes, its pending calls and, for a
// dialed session, its redial. Everything below `private:` runs on the session's I/O thread only.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "peer/address.hpp"
#include "peer/peer_core.hpp"
#include "session/deadline_sweeper.hpp"
#include "teleport/session.hpp"

namespace tp::detail {

class SessionImpl final : public Session,
                          public HasDeadlines,
                          public std::enable_shared_from_this<SessionImpl> {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;
  using Clock = std::chrono::steady_clock;

  /// Wraps a connected socket; `dialed_to` is set for a session this peer dialed (it may redial).
  SessionImpl(std::shared_ptr<PeerCore> core, Socket socket,
              std::optional<Endpoint> dialed_to = std::nullopt);
  ~SessionImpl() override;

  /// Starts the read loop and the session age timer (any thread); with TLS, after the handshake.
  void start();
  /// Runs `fn` once the session can be used (TLS handshake done) or could not be; before start().
  void on_ready(std::function<void(Status)> fn) { ready_fn_ = std::move(fn); }
  /// Frames queued, being written, or calls being handled: false once everything has left.
  [[nodiscard]] bool busy() const { return busy_.load(std::memory_order_relaxed); }

  std::string id() const override;
  void set_id(std::string id) override;
  std::string remote_addr() const override;
  std::string local_addr() const override;
  bool health() const override { return healthy_; }
  void close() override;
  void on_close(std::function<void()> fn) override;
  void call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                ReplyCallback done) override;
  Status push_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts) override;
  std::uint8_t default_body_codec() const override { return core_->config.default_body_codec; }
  void auth_call_raw(std::uint8_t codec, std::string body, ReplyCallback done) override;
  void require_auth(AuthCheck check) override;
  std::weak_ptr<Session> weak_self() override { return weak_from_this(); }
  /// The executor of the session's I/O thread.
  boost::asio::any_io_executor executor() const { return ioc_->get_executor(); }
  /// Closes the session (or, dialed, redials) if a read, write, handshake or idle deadline has
  /// passed; called by the thread's DeadlineSweeper.
  void check_deadlines(Clock::time_point now) override;

 protected:
  Status check_blocking_allowed() const override;

 private:
  struct Pending {
    ReplyCallback done;
    std::unique_ptr<boost::asio::steady_timer> timer;
    Clock::time_point start;
    std::string service_method;  // for logs
    std::string frame;           // kept only when the session may redial, to re-send it once
    bool resent = false;
  };
  struct CallJob;  // a call handled on the worker pool

  bool on_io_thread() const;
  void apply_socket_options();
  void begin_tls();
  void tls_handshake(std::function<void(boost::system::error_code)> done);
  boost::asio::ssl::context* tls_context() const;  // null: this connection has no TLS
  void new_tls_stream();
  void redial_tls(int attempt);
  void retry_redial(int attempt, const std::string& why);
  void redialed(int attempt);
  void ready(Status st);
  void read_more();
  void read_when_readable();
  bool make_room();
  void wait_for_budget();
  void on_read(boost::system::error_code ec, std::size_t n);
  void process_input();
  void release_big_buffers();
  void resume_reading();
  // Replies queued but not yet taken by the remote side. Only they stop reading: bytes the local
  // application queues (calls, pushes) do not come from reading, and pausing on them could
  // deadlock two peers that both write more than they read.
  // The sweeper's coarse clock once the session has started (a post_accept plugin may write
  // before that), else the real one.
  [[nodiscard]] Clock::time_point coarse_now() const {
    return sweeper_ ? sweeper_->now() : Clock::now();
  }
  [[nodiscard]] std::size_t unsent_replies() const { return replies_out_ + replies_writing_; }
  void dispatch(Message& msg);
  void handle_call(Message& call);
  void run_async_call(Message& in, Message& reply, const Route& route, Clock::time_point start);
  void run_call_body(Message& in, Message& reply, const Route& route);
  void finish_call(Message& reply, Clock::time_point start, const std::string& sm,
                   const Plugins* route_plugins);
  void handle_push(Message& push);
  void handle_reply(Message& reply);
  void handle_auth(Message& first);
  void send_call(Message& call, ReplyCallback done, std::chrono::milliseconds timeout);
  void send_reply(Message& reply, const Plugins* route_plugins);
  void flush();
  void write_some();
  void on_written(boost::system::error_code ec, std::size_t n, unsigned connection);
  void handler_started();   // a handler runs on a worker or completes later: shutdown waits
  void handler_finished();  // its end, on the I/O thread
  void update_busy();
  void on_broken(const Status& why);
  void redial(int attempt);
  void shutdown(const Status& why);
  void log_message(const char* direction, const Message& msg) const;
  static void complete(ReplyCallback& done, Status st);
  Message build_request(MsgType type, std::string sm, std::uint8_t codec, std::string body,
                        CallOptions& opts) const;

  // Declared first so that it is destroyed last: the socket needs its io_context.
  std::shared_ptr<PeerCore> core_;
  std::shared_ptr<IoPool> pool_;
  Socket socket_;
  // TLS over socket_ (declared after it: destroyed first). Null without TLS; new per connection.
  std::unique_ptr<boost::asio::ssl::stream<Socket&>> tls_;
  bool handshaking_ = false;
  std::function<void(Status)> ready_fn_;
  boost::asio::io_context* ioc_;  // the thread this session lives on
  std::optional<Endpoint> dialed_to_;
  const Proto* proto_;  // the peer's protocol, or the one detected from an accepted connection
  bool detect_proto_;   // still to detect from the first bytes
  mutable std::mutex id_mutex_;  // guards id_, remote_, local_ (they change on set_id and redial)
  std::string id_;
  std::string remote_;
  std::string local_;
  std::atomic<bool> healthy_{true};
  std::atomic<bool> busy_{false};

  Message in_msg_;              // the frame being handled
  Message reply_msg_;           // the reply being built (inline handlers)
  std::string in_;              // bytes received, decoded from in_start_
  std::size_t read_chunk_ = 0;  // bytes of room per read (a whole packet on unixpacket)
  std::size_t in_start_ = 0;
  std::size_t in_end_ = 0;
  std::size_t budget_taken_ = 0;  // of the peer's read budget: in_'s bytes beyond read_chunk_
  // Why reading stopped: too many unsent bytes (the remote side is not reading), or the peer's
  // read budget is spent (a timer retries).
  enum class Paused { kNo, kUnsent, kBudget } paused_ = Paused::kNo;
  std::unique_ptr<boost::asio::steady_timer> budget_timer_;
  // Each connection (the first, then each redial) has a number: completions of reads and writes
  // on an earlier connection change nothing.
  unsigned connection_ = 0;
  // Deadlines, stamped with the sweeper's coarse clock.
  DeadlineSweeper* sweeper_ = nullptr;
  Clock::time_point started_at_{};
  Clock::time_point frame_since_{};  // first bytes of the frame being read (if partial_)
  Clock::time_point write_since_{};  // start of the write in flight
  Clock::time_point active_at_{};    // last byte in or out
  bool partial_ = false;             // bytes of an unfinished frame are held
  bool first_frame_ = false;         // a whole frame has arrived (handshake_timeout is over)
  std::string out_;                  // frames queued during this loop turn
  std::string writing_;              // frames being written
  std::size_t written_ = 0;          // bytes of writing_ the socket has taken
  std::size_t replies_out_ = 0;      // bytes of out_ that are replies
  std::size_t replies_writing_ = 0;  // bytes of writing_ that are replies
  bool write_in_flight_ = false;
  bool reading_ = false;      // a read (or wait for readability) is in flight
  int handlers_running_ = 0;  // calls handed to the worker pool
  std::int32_t seq_ = 0;
  std::unordered_map<std::int32_t, Pending> pending_;
  std::vector<std::function<void()>> close_fns_;
  std::unique_ptr<boost::asio::steady_timer> age_timer_;
  std::unique_ptr<boost::asio::steady_timer> redial_timer_;
  bool redialing_ = false;
  AuthCheck auth_check_;     // set until the first message has been checked
  ReplyCallback auth_done_;  // waiting for an AUTH_REPLY
  bool close_after_flush_ = false;
  std::atomic<bool> closed_{false};  // read from any thread, written on the I/O thread
};

}  // namespace tp::detail
