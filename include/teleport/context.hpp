// Ctx: what a handler sees of the message it handles and the reply it builds.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "teleport/codec/marshal.hpp"
#include "teleport/message.hpp"

namespace spdlog {
class logger;
}

namespace tp {

class Session;
class Peer;

/// Tells a running handler that its caller gave up: the session closed (102) or the call's
/// context age passed (408). Shared by the session and the handler's Ctx. Thread-safe.
class CancelSignal {
 public:
  /// True once cancel() has run.
  [[nodiscard]] bool cancelled() const noexcept {
    return cancelled_.load(std::memory_order_acquire);
  }
  /// Why: the status cancel() was given (OK while not cancelled).
  [[nodiscard]] Status reason() const;
  /// Runs `fn(why)` once on cancel(), or at once (on this thread) if it has already run.
  void on_cancel(std::function<void(const Status&)> fn);
  /// Cancels with `why` and runs the callbacks, on this thread; later calls do nothing.
  void cancel(const Status& why);

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  Status why_;
  std::vector<std::function<void(const Status&)>> fns_;
};

/// A handler's view of one incoming call or push. Used on the thread that runs the handler: the
/// session's I/O thread, or a worker for blocking routes; an async handler's lives until done().
/// Plugins' Ctx hooks always see it on the I/O thread.
class Ctx {
 public:
  /// For the framework: wraps an incoming message and the reply being built.
  Ctx(Session& session, Message& input, Message& reply)
      : session_(session), input_(input), reply_(reply) {}

  /// The Ctx whose handler runs on this thread now (an inline or blocking handler while it
  /// runs, or an async one while it starts); null elsewhere. Calls and pushes made there carry
  /// its trace context on (teleport/trace.hpp).
  [[nodiscard]] static const Ctx* current() noexcept;
  /// For the framework: makes `ctx` current() on this thread until the scope ends.
  class Scope {
   public:
    /// Makes `ctx` current.
    explicit Scope(const Ctx& ctx) noexcept;
    /// Restores the Ctx that was current before.
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const Ctx* outer_;
  };

  /// The session the message arrived on.
  [[nodiscard]] Session& session() const noexcept { return session_; }
  /// The peer that owns the session (Go's ctx.Peer()).
  [[nodiscard]] Peer& peer() const;

  /// True once the caller gave up: the session closed or the call outlived the peer's
  /// default_context_age. Handlers that outlive the I/O thread's dispatch (async, blocking and
  /// coroutine ones) see it change; an inline handler runs before anything can cancel it.
  [[nodiscard]] bool cancelled() const noexcept { return cancel_ && cancel_->cancelled(); }
  /// Runs `fn(why)` once when the caller gives up (on the session's I/O thread), or at once if it
  /// has. Never runs for an inline handler. Coroutine handlers also get an Asio cancellation
  /// (terminal) of the operation they await.
  void on_cancel(std::function<void(const Status&)> fn) {
    if (cancel_) cancel_->on_cancel(std::move(fn));
  }
  /// For the framework: the signal of a handler that outlives the dispatch.
  void set_cancel_signal(std::shared_ptr<CancelSignal> signal) noexcept {
    cancel_ = std::move(signal);
  }
  /// The incoming message.
  [[nodiscard]] const Message& input() const noexcept { return input_; }
  /// The incoming message, for plugins that rewrite it before the handler (e.g. decryption).
  [[nodiscard]] Message& mutable_input() noexcept { return input_; }
  /// Its sequence number.
  [[nodiscard]] std::int32_t seq() const noexcept { return input_.seq; }
  /// Its service method, query included.
  [[nodiscard]] const std::string& service_method() const noexcept { return input_.service_method; }
  /// Replaces the service method (e.g. in a plugin, before routing).
  void reset_service_method(std::string sm) { input_.service_method = std::move(sm); }
  /// The routed path (service method without query).
  [[nodiscard]] std::string path() const { return input_.path(); }
  /// The first value of query parameter `key`, percent-decoded (Boost.URL).
  [[nodiscard]] std::optional<std::string> query_param(std::string_view key) const;
  /// The incoming meta.
  [[nodiscard]] const Meta& meta() const noexcept { return input_.meta; }
  /// The first incoming meta value of `key`.
  [[nodiscard]] std::optional<std::string_view> peek_meta(std::string_view key) const {
    return input_.meta.get(key);
  }
  /// The meta of the reply (add or set pairs).
  [[nodiscard]] Meta& reply_meta() noexcept { return reply_.meta; }
  /// The client's real IP: X-Real-IP if sent, else the remote address's host.
  [[nodiscard]] std::string real_ip() const;
  /// The codec the caller asked for in X-Accept-Body-Codec, if registered.
  [[nodiscard]] std::optional<std::uint8_t> accept_body_codec() const;
  /// The reply's body codec: set by the handler, else the accepted one, else the call's.
  [[nodiscard]] std::uint8_t reply_body_codec() const;
  /// Chooses the reply's body codec.
  void set_reply_body_codec(std::uint8_t codec) { reply_codec_ = codec; }
  /// The peer's logger (spdlog; PeerConfig::logger or tp::default_logger()).
  [[nodiscard]] spdlog::logger& logger() const;
  /// Chooses the reply's transfer pipe (default: the call's).
  void set_reply_xfer_pipe(XferPipe pipe) { reply_.xfer_pipe = std::move(pipe); }

  /// Decodes the incoming body into `value` with the message's codec (400 on failure).
  template <class T>
  Status bind(T& value) const {
    return unmarshal(input_.body_codec, input_.body, value);
  }
  /// Sets the reply body to `body`, already encoded with `codec` (proxies, raw handlers).
  void set_reply_raw(std::uint8_t codec, std::string body) {
    reply_codec_ = codec;
    reply_.body_codec = codec;
    reply_.body = std::move(body);
  }
  /// The reply as built so far (its body once set_reply or set_reply_raw ran).
  [[nodiscard]] const Message& reply() const noexcept { return reply_; }
  /// Encodes `value` as the reply body with reply_body_codec().
  template <class T>
  Status set_reply(const T& value) {
    reply_.body_codec = reply_body_codec();
    reply_.body.clear();
    return marshal(reply_.body_codec, value, reply_.body);
  }

 private:
  Session& session_;
  Message& input_;
  Message& reply_;
  std::optional<std::uint8_t> reply_codec_;
  std::shared_ptr<CancelSignal> cancel_;
};

/// The context of a call handler.
using CallCtx = Ctx;
/// The context of a push handler.
using PushCtx = Ctx;

}  // namespace tp
