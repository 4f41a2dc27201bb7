// The Geminio layer's internals. An EndpointImpl is one client's state on one end (its streams,
// its outbox of unacknowledged messages, the remote's methods); a StreamImpl is one stream's
// buffers, credit and pending operations. Both are guarded by the endpoint's mutex. The Mux is
// the plugin that routes the reserved frames of a peer's sessions to their endpoints.
#pragma once

#include <atomic>

#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "geminio/teleport/counters.hpp"
#include "teleport/geminio_teleport.hpp"

namespace tp::geminio::teleport::detail {

/// A received message and whether it has been acknowledged.
struct InboundState {
  std::weak_ptr<EndpointImpl> endpoint;
  std::uint64_t stream = 0;
  std::uint64_t id = 0;
  std::string topic;
  std::string payload;
  std::string custom;
  Delivery delivery = Delivery::kAtLeastOnce;
  std::atomic<bool> acked{false};
};

class StreamImpl {
 public:
  StreamImpl(std::weak_ptr<EndpointImpl> ep, std::uint64_t id, Meta meta, Side opened_by,
             std::uint32_t window, std::uint32_t remote_window,
             boost::asio::any_io_executor executor);

  std::weak_ptr<EndpointImpl> endpoint;  // set before the stream is shared
  const std::uint64_t id;
  const Meta meta;
  const Side opened_by;
  const boost::asio::any_io_executor executor;

  // Everything below is guarded by the endpoint's mutex.
  std::string received;  // bytes not yet read, from `read_from`
  std::size_t read_from = 0;
  std::uint32_t window;                     // what this end buffers at most
  std::uint32_t send_credit;                // bytes this end may still send
  std::uint32_t consumed = 0;               // read but not yet credited back
  bool local_fin = false;                   // this end closed its writing half
  bool remote_fin = false;                  // the remote closed its writing half
  std::optional<std::string> reset_reason;  // set once reset (either side or connection lost)
  std::vector<boost::asio::mutable_buffer> read_buffers;
  // Pending operations. Held in optionals and only ever move-constructed: Boost 1.81's
  // any_completion_handler move-assignment re-wraps the handler without end.
  std::optional<Stream::Handler> read_handler;  // a pending read
  std::vector<boost::asio::const_buffer> write_buffers;
  std::optional<Stream::Handler> write_handler;  // a write waiting for credit
  std::deque<Inbound> inbox;
  std::condition_variable inbox_cv;
  MessageHandler on_message;

  [[nodiscard]] std::size_t buffered() const { return received.size() - read_from; }
};

/// A message published and not yet acknowledged.
struct Pending {
  std::uint64_t stream = 0;
  OutMessage msg;
  std::function<void(Status)> done;
  std::unique_ptr<boost::asio::steady_timer> timer;
};

class Mux;

class EndpointImpl : public std::enable_shared_from_this<EndpointImpl> {
 public:
  EndpointImpl(std::shared_ptr<Mux> mux, Side side, std::uint64_t client_id, Meta client_meta,
               boost::asio::any_io_executor executor);
  /// Builds an endpoint whose default stream knows it (use this, not the constructor).
  static std::shared_ptr<EndpointImpl> create(std::shared_ptr<Mux> mux, Side side,
                                              std::uint64_t client_id, Meta client_meta,
                                              boost::asio::any_io_executor executor);

  // Connection lifetime (any thread).
  void bind(const std::shared_ptr<Session>& session, std::uint32_t remote_window);
  void connection_lost(const Session* session, const std::string& why);
  void resend_unacknowledged();
  void close(const std::string& why);

  // Frames from the remote (the session's I/O thread).
  void on_open(std::uint64_t id, Meta meta);
  void on_data(std::uint64_t id, std::string_view bytes);
  void on_credit(std::uint64_t id, std::uint32_t n);
  void on_fin(std::uint64_t id);
  void on_reset(std::uint64_t id, std::string reason);
  void on_message(std::uint64_t stream, std::uint64_t id, std::string topic, std::string payload,
                  std::string custom, Delivery delivery);
  void on_ack(std::uint64_t id, std::optional<std::string> error);
  void set_remote_methods(std::vector<std::string> methods);

  // Application calls (any thread).
  std::pair<std::shared_ptr<StreamImpl>, Status> open_stream(Meta meta);
  std::shared_ptr<StreamImpl> accept_stream(std::chrono::milliseconds timeout);
  void set_stream_handler(std::function<void(Stream)> fn);
  void on_gone(std::function<void(const Status&)> fn);
  std::vector<std::shared_ptr<StreamImpl>> streams() const;
  void read(const std::shared_ptr<StreamImpl>& s, std::vector<boost::asio::mutable_buffer> b,
            Stream::Handler h);
  void write(const std::shared_ptr<StreamImpl>& s, std::vector<boost::asio::const_buffer> b,
             Stream::Handler h);
  void close_stream(const std::shared_ptr<StreamImpl>& s);
  void reset_stream(const std::shared_ptr<StreamImpl>& s, std::string reason);
  void publish(std::uint64_t stream, OutMessage msg, std::function<void(Status)> done);
  std::optional<Inbound> receive(const std::shared_ptr<StreamImpl>& s,
                                 std::chrono::milliseconds timeout);
  void set_message_handler(const std::shared_ptr<StreamImpl>& s, MessageHandler handler);
  void acknowledge(const InboundState& in, std::optional<std::string> error);
  bool wait_remote_methods(const std::vector<std::string>& methods,
                           std::chrono::milliseconds timeout);

  std::shared_ptr<Session> session() const;
  /// Bound to a connection, and not to `s` (the client is back on a newer one).
  bool session_other_than(const Session* s) const;
  std::vector<std::string> remote_methods() const;
  std::shared_ptr<StreamImpl> default_stream() const { return default_stream_; }
  /// Adds whether it is connected or waiting, and its open streams, to `m`.
  void add_gauges_to(GeminioMetrics& m) const;

  const std::shared_ptr<Mux> mux;
  const Side side;
  // Set by the hello exchange on the connecting thread while the I/O thread may already read it.
  std::atomic<std::uint64_t> client_id;
  const Meta client_meta;
  const boost::asio::any_io_executor executor;
  /// Its events, counted (shared with the Mux, which reads them).
  const std::shared_ptr<EndpointCounters> counts = std::make_shared<EndpointCounters>();

 private:
  using Lock = std::unique_lock<std::mutex>;
  std::shared_ptr<StreamImpl> find(std::uint64_t id) const;
  void send(std::string_view sm, Meta meta, std::string body = {});
  void send_to(const std::shared_ptr<Session>& s, std::string_view sm, Meta meta, std::string body);
  void deliver(Lock& lock, const std::shared_ptr<StreamImpl>& s);
  void try_write(Lock& lock, const std::shared_ptr<StreamImpl>& s);
  void fail_stream(const std::shared_ptr<StreamImpl>& s, const std::string& reason);
  void forget_if_done(const std::shared_ptr<StreamImpl>& s);
  void send_message(const std::shared_ptr<Session>& session, std::uint64_t id, const Pending& p);
  void finish_pending(std::uint64_t id, Status st);

  mutable std::mutex mutex_;
  std::shared_ptr<Session> session_;
  std::uint32_t remote_window_;
  std::shared_ptr<StreamImpl> default_stream_;
  std::map<std::uint64_t, std::shared_ptr<StreamImpl>> streams_;  // the default one aside
  std::deque<std::shared_ptr<StreamImpl>> accept_queue_;
  std::function<void(Stream)> stream_handler_;  // set: streams go to it, not to accept_queue_
  std::vector<std::function<void(const Status&)>> gone_fns_;
  Status gone_reason_;  // set by close()
  std::condition_variable accept_cv_;
  std::uint64_t next_stream_id_;
  std::uint64_t next_message_id_ = 0;
  std::map<std::uint64_t, Pending> outbox_;
  std::set<std::string> remote_methods_;
  std::condition_variable methods_cv_;
  bool closed_ = false;
};

/// Routes a peer's reserved frames to the endpoints of its sessions; one per Server or Client.
class Mux final : public Plugin, public std::enable_shared_from_this<Mux> {
 public:
  Mux(Side side, MuxOptions options);
  std::string_view name() const override { return "geminio"; }

  /// Adds the reserved routes to `peer`.
  void install(Peer& peer);
  Status post_reg(std::string_view sm, MsgType type) override;
  Status post_dial(Session& session, bool redialed) override;
  Status post_disconnect(Session& session) override;

  /// The endpoint `session` belongs to, or null.
  std::shared_ptr<EndpointImpl> endpoint_of(const Session& session) const;
  /// The client end: binds a dialed session to a new endpoint and says hello.
  std::pair<std::shared_ptr<EndpointImpl>, Status> hello(const std::shared_ptr<Session>& s,
                                                         const ClientOptions& client);
  /// The JSON list of this end's methods.
  std::string methods_json() const;
  /// Every endpoint, after forgetting the clients gone longer than options.resume_timeout.
  std::vector<std::shared_ptr<EndpointImpl>> endpoints();
  void close_all();
  /// Cancels the forget_later timers and starts no more (before the peer closes).
  void stop_timers();
  /// Counts `ep` among this end's endpoints (EndpointImpl::create does).
  void track(const std::shared_ptr<EndpointImpl>& ep);
  /// This end's counts: live endpoints' and gone ones'.
  GeminioMetrics metrics();

  const Side side;
  const MuxOptions options;
  Server::AssignId assign;
  std::function<void(std::shared_ptr<Endpoint>)> on_new_endpoint;
  mutable std::mutex mutex;
  std::unordered_map<const Session*, std::shared_ptr<EndpointImpl>> by_session;
  std::map<std::uint64_t, std::shared_ptr<EndpointImpl>> by_client;

 private:
  Status on_hello(Ctx& ctx);
  /// What a server's answer to a hello carries.
  struct HelloReply {
    std::uint64_t client_id = 0;
    std::uint32_t window = 0;
    std::vector<std::string> methods;
  };
  // The hello a client sends (first, or after a reconnect), and the server's answer read back.
  std::string hello_body(std::uint64_t client_id, bool reconnect, const Meta& meta) const;
  Result<HelloReply> parse_hello_reply(const Message& reply) const;
  Status dispatch(Ctx& ctx);
  void say_hello_again(Session& session, const std::shared_ptr<EndpointImpl>& ep);
  std::uint64_t free_id(std::uint64_t requested) const;
  /// Server end: takes out of by_client the endpoints whose client has been gone longer than
  /// options.resume_timeout (the caller holds `mutex`, and closes them once it has let go).
  std::vector<std::shared_ptr<EndpointImpl>> take_forgotten();
  static void close_forgotten(std::vector<std::shared_ptr<EndpointImpl>>& endpoints);
  /// Server end: forgets the clients gone too long once resume_timeout has passed, so that their
  /// endpoints close (and on_gone runs) without waiting for another client's hello.
  void forget_later(const boost::asio::any_io_executor& executor);

  // Server end: the forget_later timers, cancelled by stop_timers() so that none holds up the
  // peer's threads when it closes.
  std::vector<std::weak_ptr<boost::asio::steady_timer>> forget_timers_;
  bool timers_stopped_ = false;

  // Server end: when each disconnected client's connection was lost.
  std::map<std::uint64_t, std::chrono::steady_clock::time_point> lost_at_;

  // Every endpoint's counters; those of endpoints gone are folded into retired_ when read.
  std::mutex tracked_mutex_;
  std::vector<std::pair<std::weak_ptr<EndpointImpl>, std::shared_ptr<EndpointCounters>>> tracked_;
  std::size_t tracked_after_prune_ = 0;
  GeminioMetrics retired_;

  std::set<std::string> methods_;
  std::uint64_t next_client_id_ = 1;
  // Frames that arrived on a session before its hello (a reconnecting client's queued writes).
  std::unordered_map<const Session*, std::vector<Message>> early_;
};

}  // namespace tp::geminio::teleport::detail
