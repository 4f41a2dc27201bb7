// Geminio on Go geminio's own wire (github.com/singchia/geminio v1.1.5 … v1.1.7-rc.1, what
// frontier uses), the default wire: a C++ end that Go geminio clients and servers talk to as to
// one of their own. (tp::geminio::teleport, in teleport/geminio_teleport.hpp, is the option
// between two C++ ends that need per-stream flow control, delivery levels or effectively-once.)
// One connection is an Endpoint; its default stream and every stream either side opens carry
// RPC (REGISTER/REQUEST/RESPONSE), messages acknowledged one by one, and raw bytes (an Asio
// stream).
//
//   tp::geminio::Server server;
//   server.on_endpoint([](std::shared_ptr<tp::geminio::Endpoint> ep) {
//     ep->default_stream().serve("echo", [](tp::geminio::Request r) { r.reply(r.data()); });
//   });
//   server.listen(":9000");
//   tp::geminio::Client client({.wait_methods = {"echo"}});
//   auto [ep, st] = client.connect("127.0.0.1:9000");
//   auto reply = ep->default_stream().call("echo", "hi");           // Result<std::string>
//
// Every handler runs on the connection's I/O thread: answer there or later from any thread, and
// use the async_ functions there (the blocking ones refuse to run on it). Go's wire has no flow
// control: when handlers or readers fall behind, this end stops reading the socket (TCP
// backpressure) instead of dropping frames as Go does.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "teleport/metrics.hpp"
#include "teleport/status.hpp"

namespace tp::geminio {

namespace detail {
class GoConn;
class Anchor;
struct Answer;
}  // namespace detail

/// A received call; answer it once, from any thread, with reply() or fail(). A Request dropped
/// unanswered answers "geminio: the handler gave no answer".
class Request {
 public:
  /// For the layer.
  explicit Request(std::shared_ptr<detail::Answer> answer) : answer_(std::move(answer)) {}
  /// The stream it arrived on (1: the default stream).
  [[nodiscard]] std::uint64_t stream_id() const;
  /// The method called.
  [[nodiscard]] const std::string& method() const;
  /// The request data.
  [[nodiscard]] const std::string& data() const;
  /// The optional custom bytes.
  [[nodiscard]] const std::string& custom() const;
  /// Answers with `data`.
  void reply(std::string data);
  /// Answers with an error: the Go caller's Call returns errors.New(`error`).
  void fail(std::string error);

 private:
  std::shared_ptr<detail::Answer> answer_;
};

/// A received message; acknowledge it once, from any thread, with done() or error(). A Message
/// dropped unacknowledged is refused with "geminio: the handler gave no answer".
class Message {
 public:
  /// For the layer.
  explicit Message(std::shared_ptr<detail::Answer> answer) : answer_(std::move(answer)) {}
  /// The stream it arrived on (1: the default stream).
  [[nodiscard]] std::uint64_t stream_id() const;
  /// Its topic.
  [[nodiscard]] const std::string& topic() const;
  /// Its data.
  [[nodiscard]] const std::string& data() const;
  /// Its optional custom bytes.
  [[nodiscard]] const std::string& custom() const;
  /// Acknowledges: the publisher's Publish returns nil.
  void done();
  /// Refuses: the publisher's Publish returns errors.New(`reason`).
  void error(std::string reason);

 private:
  std::shared_ptr<detail::Answer> answer_;
};

/// Serves one method.
using MethodHandler = std::function<void(Request)>;
/// Receives a stream's messages.
using MessageHandler = std::function<void(Message)>;

/// A message to publish.
struct OutMessage {
  std::string topic{};                       ///< optional topic
  std::string data{};                        ///< the data
  std::string custom{};                      ///< optional custom bytes
  std::chrono::milliseconds timeout{30000};  ///< give up waiting for the ack after this (408)
};

/// One stream of a connection: the default one (id 1) or one either side opened. A handle:
/// copies refer to the same stream; thread-safe.
class Stream {
 public:
  /// The executor completion handlers run on by default (the connection's I/O thread).
  using executor_type = boost::asio::any_io_executor;
  /// A read or write completion.
  using Handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;

  /// A handle to no stream: only assign to it.
  Stream() = default;
  /// For the layer: stream `id` of `conn`.
  Stream(std::shared_ptr<detail::GoConn> conn, std::uint64_t id);
  /// For the layer: the default stream of an endpoint, on whichever connection it has now.
  explicit Stream(std::shared_ptr<detail::Anchor> anchor);
  /// The connection's executor.
  [[nodiscard]] executor_type get_executor() const;
  /// The stream id (1: the default stream).
  [[nodiscard]] std::uint64_t id() const { return id_; }
  /// The meta the opener sent (empty on the default stream and, as Go does, on the opener's side).
  [[nodiscard]] std::string meta() const;
  /// The `peer` field the opener sent (frontier routes streams by it).
  [[nodiscard]] std::string peer() const;

  /// Serves `method` on this stream (a REGISTER tells the remote end); a call of a method not
  /// served is answered "no such rpc: NAME", as Go answers.
  void serve(std::string method, MethodHandler handler);
  /// Waits until the remote end has registered every one of `methods` on this stream (408
  /// after `timeout`). Refused on the I/O thread.
  Status wait_methods(const std::vector<std::string>& methods, std::chrono::milliseconds timeout);
  /// Calls `method` with `data` and waits for the answer: the reply data, 404 for Go's "no such
  /// rpc", 500 with the remote error text as cause, 408 after `timeout`, 102 when the connection
  /// closes first. Refused on the I/O thread.
  Result<std::string> call(const std::string& method, std::string data,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// call() without waiting: `done` runs once on the I/O thread.
  void async_call(const std::string& method, std::string data, std::chrono::milliseconds timeout,
                  std::function<void(Result<std::string>)> done);
  /// Delivers this stream's messages to `handler` (messages held until one is set).
  void on_message(MessageHandler handler);
  /// Publishes and waits for the acknowledgment: OK, 500 with the receiver's error text, 408,
  /// or 102. On a client's default stream the message is at-least-once: a connection lost
  /// before the ack sends it again on the next one (until the timeout). Refused on the I/O
  /// thread.
  Status publish(OutMessage msg);
  /// publish() without waiting: `done` runs once on the I/O thread.
  void async_publish(OutMessage msg, std::function<void(Status)> done);

  /// Reads some raw bytes (Asio AsyncReadStream): eof once the stream is closed, connection_reset
  /// when the connection is lost.
  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [self = *this](auto handler, const MutableBufferSequence& b) {
          start_read(self,
                     {boost::asio::buffer_sequence_begin(b), boost::asio::buffer_sequence_end(b)},
                     Handler(std::move(handler)));
        },
        token, buffers);
  }
  /// Writes raw bytes (Asio AsyncWriteStream) as one STREAM frame (up to 1 MiB each); completes
  /// when the connection's output is under its backlog limit.
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [self = *this](auto handler, const ConstBufferSequence& b) {
          start_write(self,
                      {boost::asio::buffer_sequence_begin(b), boost::asio::buffer_sequence_end(b)},
                      Handler(std::move(handler)));
        },
        token, buffers);
  }
  /// Closes the stream (Go's 4-way DISMISS); readers on both ends see eof.
  void close();

 private:
  static void start_read(const Stream& s, std::vector<boost::asio::mutable_buffer> buffers,
                         Handler handler);
  static void start_write(const Stream& s, std::vector<boost::asio::const_buffer> buffers,
                          Handler handler);
  // The connection the stream is on now (the anchor's for a default stream).
  [[nodiscard]] std::shared_ptr<detail::GoConn> conn() const;
  std::shared_ptr<detail::GoConn> conn_;
  std::shared_ptr<detail::Anchor> anchor_;  // default stream of an endpoint
  std::uint64_t id_ = 0;
};

/// One connection, from either end. Thread-safe; owned by shared_ptr.
class Endpoint {
 public:
  /// For the layer.
  explicit Endpoint(std::shared_ptr<detail::Anchor> anchor) : anchor_(std::move(anchor)) {}
  /// Closes the connection (without waiting) if it is still open; a client stops reconnecting.
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;
  /// The client's id (the server assigned it, or honoured the one the client wanted; a client
  /// asks for the same one again when it reconnects).
  [[nodiscard]] std::uint64_t client_id() const;
  /// The meta the client sent in its CONN.
  [[nodiscard]] std::string client_meta() const;
  /// The remote address.
  [[nodiscard]] std::string remote_address() const;
  /// The default stream (id 1).
  [[nodiscard]] Stream default_stream() const;
  /// Opens a stream carrying `meta` and `peer`; waits for the remote end's SESSION_ACK (408
  /// after `timeout`). Refused on the I/O thread.
  Result<Stream> open_stream(std::string meta = {}, std::string peer = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// open_stream() without waiting: `done` runs once on the I/O thread.
  void async_open_stream(std::string meta, std::string peer, std::chrono::milliseconds timeout,
                         std::function<void(Result<Stream>)> done);
  /// Hands every stream the remote end opens to `fn` on the I/O thread (streams opened before
  /// are held for it).
  void on_stream(std::function<void(Stream)> fn);
  /// Runs `fn(why)` once when the current connection ends (at once if it has).
  void on_closed(std::function<void(const Status&)> fn);
  /// True while connected.
  [[nodiscard]] bool is_open() const;
  /// Closes with Go's 4-way DISCONN and waits (up to 3 s) for the remote end's half: OK when it
  /// answered. A client stops reconnecting; unacknowledged messages fail with 102. Refused on
  /// the I/O thread.
  Status close();

 private:
  std::shared_ptr<detail::Anchor> anchor_;
};

/// One end's counts (a Server's or a Client's, over all its connections) at one moment.
struct Metrics {
  std::uint64_t endpoints_connected = 0;  ///< connections past the handshake and open now
  std::uint64_t connections = 0;          ///< connections that passed the handshake, reconnects too
  std::uint64_t reconnects = 0;           ///< client: connections made again after a loss
  std::uint64_t bad_input_closes = 0;     ///< connections closed for a frame that broke the wire
  std::uint64_t streams_open = 0;         ///< streams open now (default streams aside)
  std::uint64_t streams_opened = 0;       ///< streams opened by either end
  std::uint64_t calls_sent = 0;           ///< REQUESTs sent
  std::uint64_t calls_failed =
      0;  ///< of those, ended with an error, a timeout or a lost connection
  std::uint64_t requests_received = 0;    ///< REQUESTs received
  std::uint64_t requests_failed = 0;      ///< of those, answered with an error ("no such rpc" too)
  std::uint64_t messages_published = 0;   ///< MESSAGEs sent (re-sends included)
  std::uint64_t messages_received = 0;    ///< MESSAGEs received
  std::uint64_t acks_sent = 0;            ///< MESSAGE_ACKs sent
  std::uint64_t acks_sent_error = 0;      ///< of those, refusals (error())
  std::uint64_t acks_received = 0;        ///< MESSAGE_ACKs received
  std::uint64_t acks_received_error = 0;  ///< of those, refusals
  std::uint64_t resent = 0;               ///< messages sent again after a reconnect
  std::uint64_t timed_out = 0;            ///< calls, publishes and opens given up at their timeout
  std::uint64_t read_pauses = 0;          ///< times a connection stopped reading (backpressure)
};

/// Settings of every connection of a Server or a Client.
struct ConnOptions {
  std::size_t max_payload = 64 << 20;  ///< frames declaring a bigger payload close the connection
  /// CONN (server) or CONN_ACK (client) must arrive within this.
  std::chrono::milliseconds handshake_timeout{10000};
  /// Unread raw bytes, held messages and unanswered requests of a connection past which it stops
  /// reading the socket until they are taken.
  std::size_t max_held_bytes = 8 << 20;
  /// Unanswered requests and unacknowledged messages past which it stops reading (Go drops
  /// past 1,024 per stream; we wait).
  std::size_t max_held_frames = 1024;
};

/// Settings of a Server.
struct ServerOptions {
  ConnOptions conn{};  ///< per connection
  /// The client's id from the one it asked for (0: none) and its meta; default: the asked-for id
  /// when it is not in use (as frontier does), else a new one.
  std::function<std::uint64_t(std::uint64_t wanted, const std::string& meta)> assign_id{};
};

/// Accepts Go geminio clients (and ours).
class Server {
 public:
  /// A server; listen() starts it.
  explicit Server(ServerOptions options = {});
  /// Closes every connection.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  /// Runs `fn` for each connection once its CONN is accepted, on its I/O thread, before any of
  /// its frames is handled: register methods and handlers there.
  void on_endpoint(std::function<void(std::shared_ptr<Endpoint>)> fn);
  /// Listens on `address` ("host:port", ":port"; port 0 picks a free one).
  Status listen(const std::string& address);
  /// The address listened on ("ip:port").
  [[nodiscard]] std::string local_address() const;
  /// The connected endpoint of `client_id`, or null.
  [[nodiscard]] std::shared_ptr<Endpoint> endpoint(std::uint64_t client_id) const;
  /// Every connected endpoint.
  [[nodiscard]] std::vector<std::shared_ptr<Endpoint>> endpoints() const;
  /// The counts of this server.
  [[nodiscard]] Metrics metrics() const;
  /// Appends the counts as teleport_geminio_go_* samples labelled side="server": hand it to
  /// Peer::add_metrics_source to export them on a peer's admin endpoint.
  void metric_samples(std::vector<MetricSample>& out) const;
  /// Stops accepting and closes every connection.
  void close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// Settings of a Client.
struct ClientOptions {
  ConnOptions conn{};                             ///< per connection
  std::uint64_t client_id = 0;                    ///< the id to ask for (0: the server chooses)
  std::string meta{};                             ///< sent in CONN
  std::chrono::seconds heartbeat{20};             ///< rounded down to 5, 20, 80 or 320 s
  std::vector<std::string> wait_methods{};        ///< connect() waits for these (default stream)
  std::chrono::milliseconds wait_timeout{10000};  ///< how long connect() waits for them
  /// Runs on each new connection (reconnects too) on its I/O thread before CONN is sent:
  /// register methods and handlers there, so that nothing the server sends first is missed.
  std::function<void(Endpoint&)> on_connect{};
  /// After losing a connection it did not close, dial again (backoff doubling from 100 ms to
  /// max_backoff), ask for the same client ID, run on_connect, and send unacknowledged messages
  /// of the default stream again. Streams and calls in flight end with the lost connection.
  bool reconnect = true;
  std::chrono::milliseconds max_backoff{5000};  ///< the longest wait between two dials
};

/// Dials Go geminio servers (and ours), and dials again after a lost connection.
class Client {
 public:
  /// A client with one I/O thread.
  explicit Client(ClientOptions options = {});
  /// Closes every connection.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  /// Dials `address`, says CONN, waits for CONN_ACK and the awaited methods. Refused on the
  /// I/O thread.
  Result<std::shared_ptr<Endpoint>> connect(const std::string& address);
  /// The counts of this client.
  [[nodiscard]] Metrics metrics() const;
  /// Appends the counts as teleport_geminio_go_* samples labelled side="client" (see
  /// Server::metric_samples).
  void metric_samples(std::vector<MetricSample>& out) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tp::geminio
