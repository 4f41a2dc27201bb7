// Geminio over the Teleport transport (the option beside the default Go geminio wire of
// teleport/geminio.hpp): one connection carries any number of logical streams, each a full
// endpoint — RPC both ways (the peer's routes: typed bodies, codecs, plugins), messages with three
// delivery levels (effectively-once included), and an Asio byte stream with its own flow control
// and half close. Built on tp::Peer sessions; the client end survives reconnects and resumes its
// endpoint. Both ends must be Teleport for C++: Go geminio does not speak this transport.
//
//   namespace gt = tp::geminio::teleport;
//   gt::Server server({.listen_address = ":9000"});
//   server.peer().route_call_func("/chat/say", say);          // methods: the peer's routes
//   server.on_endpoint([](std::shared_ptr<gt::Endpoint> ep) { ... });
//   server.listen();
//   gt::Client client;
//   auto [ep, st] = client.connect("127.0.0.1:9000");
//   gt::Stream s = ep->open_stream(meta).value;                 // Asio AsyncReadStream/WriteStream
//   ep->publish({.topic = "news", .payload = "hi"});            // waits for done()/error()
#pragma once

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "teleport/asio.hpp"
#include "teleport/peer.hpp"

namespace tp::geminio::teleport {

namespace detail {
class StreamImpl;
class EndpointImpl;
class Mux;
struct InboundState;
}  // namespace detail

/// Which end of the connection an endpoint or stream is.
enum class Side {
  kClient,  ///< the dialing end
  kServer,  ///< the accepting end
};

/// How hard a published message tries to arrive.
enum class Delivery {
  kAtMostOnce,       ///< sent once; lost if the connection drops first
  kAtLeastOnce,      ///< kept until acknowledged and re-sent after a reconnect
  kEffectivelyOnce,  ///< at-least-once, and the receiver drops duplicates by message id
};

/// A message to publish.
struct OutMessage {
  std::string topic{};                         ///< optional topic
  std::string payload{};                       ///< the bytes
  std::string custom{};                        ///< optional application bytes sent alongside
  Delivery delivery = Delivery::kAtLeastOnce;  ///< delivery level
  std::chrono::milliseconds timeout{0};        ///< give up unacknowledged after this (0: never)
};

/// A received message; acknowledge it once with done() or error().
class Inbound {
 public:
  /// For the layer: wraps a received message.
  explicit Inbound(std::shared_ptr<detail::InboundState> state) : state_(std::move(state)) {}
  /// The publisher's message id (unique per publishing endpoint).
  [[nodiscard]] std::uint64_t id() const;
  /// The stream it arrived on (0: the default stream).
  [[nodiscard]] std::uint64_t stream_id() const;
  /// Its topic.
  [[nodiscard]] const std::string& topic() const;
  /// Its payload.
  [[nodiscard]] const std::string& payload() const;
  /// Its custom bytes.
  [[nodiscard]] const std::string& custom() const;
  /// Its delivery level.
  [[nodiscard]] Delivery delivery() const;
  /// Acknowledges: the publisher's publish() returns OK.
  void done();
  /// Rejects: the publisher's publish() returns 500 with `reason` as cause.
  void error(std::string reason);

 private:
  std::shared_ptr<detail::InboundState> state_;
};

/// Called with each received message (on an I/O thread); it may ack later from any thread.
using MessageHandler = std::function<void(Inbound)>;

/// One logical stream. A handle: copies refer to the same stream. Thread-safe.
class Stream {
 public:
  /// The executor completion handlers run on by default (the connection's I/O thread).
  using executor_type = boost::asio::any_io_executor;
  /// A read or write completion.
  using Handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;

  /// A handle to no stream (what a failed open_stream holds): only assign to it.
  Stream() = default;
  /// For the layer.
  explicit Stream(std::shared_ptr<detail::StreamImpl> impl) : impl_(std::move(impl)) {}
  /// The executor of the connection the stream lives on.
  [[nodiscard]] executor_type get_executor() const;
  /// The stream id, unique per connection (0: the default stream).
  [[nodiscard]] std::uint64_t id() const;
  /// The client id of the endpoint.
  [[nodiscard]] std::uint64_t client_id() const;
  /// The meta it was opened with.
  [[nodiscard]] const Meta& meta() const;
  /// Which side opened it (the opener is kClient for streams a client opened).
  [[nodiscard]] Side opened_by() const;
  /// True until it is closed both ways or reset.
  [[nodiscard]] bool is_open() const;

  /// Reads some bytes (Asio AsyncReadStream): eof after the remote closed, connection_reset after
  /// a reset or a lost connection.
  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [impl = impl_](auto handler, const MutableBufferSequence& b) {
          start_read(impl,
                     {boost::asio::buffer_sequence_begin(b), boost::asio::buffer_sequence_end(b)},
                     Handler(std::move(handler)));
        },
        token, buffers);
  }
  /// Writes some bytes (Asio AsyncWriteStream), at most the credit the remote reader has granted:
  /// a slow reader holds up its own stream only.
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [impl = impl_](auto handler, const ConstBufferSequence& b) {
          start_write(impl,
                      {boost::asio::buffer_sequence_begin(b), boost::asio::buffer_sequence_end(b)},
                      Handler(std::move(handler)));
        },
        token, buffers);
  }
  /// Closes the writing half: the remote reads eof after the bytes already written.
  void close();
  /// Aborts both halves at once; the remote's operations fail with `reason`.
  void reset(std::string reason = "reset");

  /// Calls `sm` on the remote end in the context of this stream (see stream_of()).
  template <class Out, class Arg>
  Result<Out> call(std::string sm, const Arg& arg, CallOptions opts = {}) {
    auto s = session_for(opts);
    if (!s) return not_connected();
    return s->call<Out>(std::move(sm), arg, std::move(opts));
  }
  /// Pushes to `sm` on the remote end in the context of this stream.
  template <class Arg>
  Status push(std::string sm, const Arg& arg, CallOptions opts = {}) {
    auto s = session_for(opts);
    return s ? s->push(std::move(sm), arg, std::move(opts)) : not_connected();
  }
  /// Publishes on this stream and waits for the acknowledgment (or the timeout: 408). Refused
  /// (1 Invalid Operation) on an I/O thread: use async_publish there.
  Status publish(OutMessage msg);
  /// Publishes; completes with the acknowledgment's status, `void(Status)`, through any Asio
  /// completion token: a callback, `use_awaitable`, `use_future`.
  template <class Token>
  auto async_publish(OutMessage msg, Token&& token) {
    return boost::asio::async_initiate<Token, void(Status)>(
        [impl = impl_](auto handler, OutMessage m) {
          // std::function needs a copyable callable; Asio handlers are move-only.
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto work = std::make_shared<boost::asio::executor_work_guard<
              boost::asio::associated_executor_t<decltype(handler)>>>(
              boost::asio::get_associated_executor(*shared));
          start_publish(impl, std::move(m), [shared, work](Status st) {
            boost::asio::dispatch(
                work->get_executor(),
                [shared, work, st = std::move(st)]() mutable { (*shared)(std::move(st)); });
          });
        },
        token, std::move(msg));
  }
  /// Calls `sm` on the remote end in this stream's context, completing with `void(Status, Out)`
  /// through any Asio completion token (`co_await s.async_call<int>(sm, x, {}, use_awaitable)`).
  template <class Out, class Arg, class Token>
  auto async_call(std::string sm, const Arg& arg, CallOptions opts, Token&& token) {
    auto s = session_for(opts);
    if (!s) {
      return boost::asio::async_initiate<Token, void(Status, Out)>(
          [](auto handler) {
            auto ex = boost::asio::get_associated_executor(handler);
            boost::asio::post(ex,
                              [h = std::move(handler)]() mutable { h(not_connected(), Out{}); });
          },
          token);
    }
    return tp::async_call<Out>(*s, std::move(sm), arg, std::move(opts), std::forward<Token>(token));
  }
  /// The next message published to this stream, waiting up to `timeout` (null if none).
  [[nodiscard]] std::optional<Inbound> receive(std::chrono::milliseconds timeout);
  /// Delivers this stream's messages to `handler` instead of receive().
  void on_message(MessageHandler handler);

 private:
  static void start_read(const std::shared_ptr<detail::StreamImpl>& impl,
                         std::vector<boost::asio::mutable_buffer> buffers, Handler handler);
  static void start_write(const std::shared_ptr<detail::StreamImpl>& impl,
                          std::vector<boost::asio::const_buffer> buffers, Handler handler);
  std::shared_ptr<Session> session_for(CallOptions& opts) const;
  static Status not_connected();
  static void start_publish(const std::shared_ptr<detail::StreamImpl>& impl, OutMessage msg,
                            std::function<void(Status)> done);
  std::shared_ptr<detail::StreamImpl> impl_;
};

/// One client as seen from either end: its default stream, its streams, its messages.
/// Owned by shared_ptr; outlives reconnects of its client. Thread-safe.
class Endpoint {
 public:
  /// For the layer.
  explicit Endpoint(std::shared_ptr<detail::EndpointImpl> impl) : impl_(std::move(impl)) {}
  /// The client id the server assigned.
  [[nodiscard]] std::uint64_t client_id() const;
  /// This end's side.
  [[nodiscard]] Side side() const;
  /// The meta the client sent when it connected.
  [[nodiscard]] Meta client_meta() const;
  /// The current connection (null while reconnecting or after close).
  [[nodiscard]] std::shared_ptr<Session> session() const;
  /// The methods (routes) the remote end has registered.
  [[nodiscard]] std::vector<std::string> remote_methods() const;
  /// The default stream (id 0) of the current connection.
  [[nodiscard]] Stream default_stream() const;
  /// Opens a stream carrying `meta`; fails when the connection is down or the limit is reached.
  Result<Stream> open_stream(Meta meta = {});
  /// The next stream the remote end opened, waiting up to `timeout` (null if none).
  [[nodiscard]] std::optional<Stream> accept_stream(std::chrono::milliseconds timeout);
  /// Hands every stream the remote end opens to `fn` (on the connection's I/O thread) instead of
  /// accept_stream(): no thread per endpoint waits for streams. Streams already waiting go to it
  /// at once.
  void on_stream(std::function<void(Stream)> fn);
  /// Runs `fn(why)` once when this endpoint is gone for good — closed, or its client did not
  /// come back within MuxOptions::resume_timeout — on an I/O thread (at once if it already is).
  void on_gone(std::function<void(const Status&)> fn);
  /// The open streams, the default one first.
  [[nodiscard]] std::vector<Stream> list_streams() const;
  /// Publishes on the default stream (see Stream::publish).
  Status publish(OutMessage msg) { return default_stream().publish(std::move(msg)); }
  /// The next message on the default stream.
  [[nodiscard]] std::optional<Inbound> receive(std::chrono::milliseconds timeout) {
    return default_stream().receive(timeout);
  }
  /// Calls a method of the remote end; the reply's body decoded as `Out`.
  template <class Out, class Arg>
  Result<Out> call(std::string sm, const Arg& arg, CallOptions opts = {}) {
    return default_stream().call<Out>(std::move(sm), arg, std::move(opts));
  }
  /// Closes every stream and, on the client end, the connection; pending publishes fail.
  void close();

 private:
  std::shared_ptr<detail::EndpointImpl> impl_;
};

/// The stream a call or push arrived in the context of (the default stream if none).
std::optional<Stream> stream_of(Ctx& ctx);
/// The endpoint a call or push arrived from.
std::shared_ptr<Endpoint> endpoint_of(Ctx& ctx);

/// Receivers' memory of effectively-once message ids; share one between server restarts (or
/// implement persistence by subclassing) to drop duplicates across them.
class DedupStore {
 public:
  /// Remembers up to `capacity` ids (the oldest are forgotten first).
  explicit DedupStore(std::size_t capacity = 1 << 20);
  virtual ~DedupStore();
  /// First sight of (client, id): true; a duplicate: false, with the earlier verdict in `verdict`
  /// once there is one ("" for done, the reason for error; unset while still unacknowledged).
  virtual bool first_sight(std::uint64_t client, std::uint64_t id,
                           std::optional<std::string>& verdict);
  /// Records the verdict of (client, id).
  virtual void record(std::uint64_t client, std::uint64_t id, std::string verdict);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One end's Geminio counts (a Server's or a Client's), also exported as teleport_geminio_*
/// with its peer's metrics.
struct GeminioMetrics {
  std::uint64_t endpoints_connected = 0;  ///< endpoints on a connection now
  std::uint64_t endpoints_waiting = 0;    ///< server end: endpoints whose client may resume
  std::uint64_t endpoints_created = 0;    ///< endpoints since the start (not per reconnect)
  std::uint64_t streams_open = 0;         ///< streams open now (default streams aside)
  std::uint64_t streams_opened = 0;       ///< streams opened by either end since the start
  std::uint64_t streams_reset = 0;        ///< streams reset (by either end, or a lost connection)
  std::array<std::uint64_t, 3> published{};  ///< messages published, by Delivery
  std::array<std::uint64_t, 3> received{};   ///< messages delivered here, by Delivery
  std::uint64_t duplicates = 0;              ///< effectively-once duplicates dropped on arrival
  std::uint64_t acks_sent = 0;               ///< acknowledgments sent (done() or error())
  std::uint64_t acks_received = 0;           ///< acknowledgments received
  std::uint64_t rejected = 0;                ///< of those, error() ones
  std::uint64_t resent = 0;                  ///< unacknowledged messages re-sent after a reconnect
  std::uint64_t timed_out = 0;  ///< messages given up unacknowledged after their timeout
};

/// Settings shared by both ends.
struct MuxOptions {
  std::size_t max_streams = 1024;       ///< open streams per connection (the default one aside)
  std::uint32_t window = 256 * 1024;    ///< bytes a stream's reader buffers before the writer waits
  std::shared_ptr<DedupStore> dedup{};  ///< effectively-once memory (default: one per end)
  MessageHandler on_message{};          ///< default-stream messages (default: receive() queue)
  /// Server end: how long a disconnected client's endpoint waits for the client to reconnect and
  /// resume it (its unacknowledged messages are then re-sent). After that the endpoint is closed
  /// and forgotten (its pending messages fail with 102); a client coming back later is new.
  std::chrono::milliseconds resume_timeout{60000};
};

/// The server end: assigns client ids, keeps each client's endpoint across its reconnects.
class Server {
 public:
  /// Picks the id of a new client from the id it asked for (0: none) and its meta.
  using AssignId = std::function<Result<std::uint64_t>(std::uint64_t requested, const Meta& meta)>;
  /// A server peer listening per `config`.
  explicit Server(PeerConfig config, MuxOptions options = {}, Plugins plugins = {});
  ~Server();
  /// The peer: register methods with its routes; its unknown-call handler is the catch-all.
  [[nodiscard]] Peer& peer();
  /// Replaces the id assignment (default: the requested id if free, else the next free one).
  void set_assign_id(AssignId assign);
  /// Called once per new client (not again when it reconnects), on an I/O thread.
  void on_endpoint(std::function<void(std::shared_ptr<Endpoint>)> fn);
  /// Starts listening.
  Status listen();
  /// The endpoint of `client_id`, or null.
  [[nodiscard]] std::shared_ptr<Endpoint> endpoint(std::uint64_t client_id) const;
  /// Every endpoint: connected ones, and disconnected ones still within their resume_timeout.
  [[nodiscard]] std::vector<std::shared_ptr<Endpoint>> endpoints() const;
  /// The counts of this end (also in peer().metrics() as teleport_geminio_*).
  [[nodiscard]] GeminioMetrics metrics() const;
  /// Closes every endpoint and the peer.
  void close();

 private:
  std::shared_ptr<detail::Mux> mux_;
  std::unique_ptr<Peer> peer_;
};

/// What a client asks for when it connects.
struct ClientOptions {
  std::uint64_t client_id = 0;                   ///< the id to ask for (0: let the server choose)
  Meta meta{};                                   ///< sent to the server's id assignment
  std::vector<std::string> wait_methods{};       ///< connect() waits until the server has these
  std::chrono::milliseconds wait_timeout{5000};  ///< how long connect() waits for them
};

/// The client end: dials, says hello, and after a dropped connection reconnects (per the peer's
/// redial settings, unlimited by default), says hello again, re-registers its methods and
/// re-sends unacknowledged at-least-once messages. Streams of a lost connection report closed.
class Client {
 public:
  /// A client peer (redial_times defaults to unlimited here).
  explicit Client(PeerConfig config = {.redial_times = -1}, MuxOptions options = {},
                  ClientOptions client = {}, Plugins plugins = {});
  ~Client();
  /// The peer: register the methods the server may call with its routes.
  [[nodiscard]] Peer& peer();
  /// Dials `addr` and says hello; returns the endpoint. Refused on an I/O thread (it waits).
  Result<std::shared_ptr<Endpoint>> connect(const std::string& addr);
  /// The counts of this end (also in peer().metrics() as teleport_geminio_*).
  [[nodiscard]] GeminioMetrics metrics() const;

 private:
  std::shared_ptr<detail::Mux> mux_;
  std::unique_ptr<Peer> peer_;
  ClientOptions client_;
};

}  // namespace tp::geminio::teleport
