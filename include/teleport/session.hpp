// Session: one connection between two peers; either side calls and pushes.
#pragma once

#include <any>
#include <chrono>
#include <concepts>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "teleport/call_options.hpp"
#include "teleport/codec/marshal.hpp"
#include "teleport/message.hpp"
#include "teleport/status.hpp"
#include "teleport/typed_call.hpp"

namespace tp {

class Peer;

/// Why a session closed, as its on_close callbacks see it.
struct CloseReason {
  /// Which side ended the connection.
  enum class Side : std::uint8_t {
    kLocal,   ///< this process: close(), shutdown, a timeout, bad input, a refused handshake
    kRemote,  ///< the other side: it closed or reset the connection
  };
  Side side = Side::kLocal;  ///< who ended it
  Status status{};  ///< what happened: code and text (e.g. 102 "closed by the remote peer")
  /// True when the other side ended the connection.
  [[nodiscard]] bool remote() const noexcept { return side == Side::kRemote; }
};

/// Per-session storage of values of any type, by key. Thread-safe.
class Swap {
 public:
  /// Stores `value` under `key`, replacing what was there.
  template <class T>
  void set(std::string key, T value) {
    std::lock_guard lock(mutex_);
    values_[std::move(key)] = std::move(value);
  }
  /// A copy of the value under `key` if it is a `T`.
  template <class T>
  [[nodiscard]] std::optional<T> get(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    const T* v = std::any_cast<T>(&it->second);
    return v ? std::optional<T>(*v) : std::nullopt;
  }
  /// Removes `key`; true if it was there.
  bool erase(const std::string& key) {
    std::lock_guard lock(mutex_);
    return values_.erase(key) > 0;
  }
  /// The number of keys.
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return values_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::any> values_;
};

/// A connection to another peer. Thread-safe: every method but expect_first_message may be called
/// from any thread; the work runs on the session's own I/O thread. Owned by shared_ptr (the peer
/// holds one).
class Session {
 public:
  /// Called with the reply (its status says whether the call succeeded), on the I/O thread.
  using ReplyCallback = tp::ReplyCallback;

  virtual ~Session() = default;

  /// The session id (default: the remote address).
  [[nodiscard]] virtual std::string id() const = 0;
  /// Changes the id under which the peer's hub finds the session. Fails with 1 Invalid Operation
  /// (and changes nothing) when another open session of the peer has that id.
  virtual Status set_id(std::string id) = 0;
  /// The remote address ("127.0.0.1:9090" or a Unix path).
  [[nodiscard]] virtual std::string remote_addr() const = 0;
  /// The local address.
  [[nodiscard]] virtual std::string local_addr() const = 0;
  /// True while the connection is usable.
  [[nodiscard]] virtual bool health() const = 0;
  /// Closes the connection; pending calls fail with 102 Connection Closed.
  virtual void close() = 0;
  /// Runs `fn` once when the session closes (at once if it already has), on the I/O thread,
  /// with who closed it and why.
  virtual void on_close(std::function<void(const CloseReason&)> fn) = 0;
  /// Runs `fn()` once when the session closes, when the reason does not matter.
  template <class F>
  requires std::invocable<F&>
  void on_close(F fn) {
    on_close(std::function<void(const CloseReason&)>(
        [fn = std::move(fn)](const CloseReason&) mutable { fn(); }));
  }
  /// The peer that owns this session.
  [[nodiscard]] virtual Peer& peer() const = 0;

  /// Sends a CALL built from `sm`, `body` and `opts`; `done` receives the reply (empty: dropped).
  virtual void call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                        ReplyCallback done) = 0;
  /// Sends a PUSH; the status says whether it was queued (the session is healthy).
  virtual Status push_raw(std::string sm, std::uint8_t codec, std::string body,
                          CallOptions opts) = 0;
  /// The body codec used when the options name none.
  [[nodiscard]] virtual std::uint8_t default_body_codec() const = 0;
  /// Takes the session's next incoming message before routing: a handshake such as eRPC's auth.
  /// Sets `answer` to send one back. A non-OK status closes the session once the answer is
  /// written, and a dial waiting for this session fails with it.
  using FirstMessageHook =
      std::function<Status(Session&, Message& first, std::optional<Message>& answer)>;
  /// Hands the next incoming message to `hook`; without one within `timeout` (0: no limit) the
  /// session closes. On the session's I/O thread (post_dial and post_accept run there); a dial
  /// returns once the hook has run.
  virtual void expect_first_message(FirstMessageHook hook,
                                    std::chrono::milliseconds timeout = {}) = 0;
  /// Sends `msg` as it is (any type; seq is the session's next), ahead of calls held for a
  /// redial: a handshake's own messages.
  virtual Status send_raw(Message msg) = 0;

  /// A weak reference to this session (sessions are always owned by shared_ptr).
  [[nodiscard]] virtual std::weak_ptr<Session> weak_self() = 0;

  /// Values the application keeps with this session.
  [[nodiscard]] Swap& swap() noexcept { return swap_; }

  /// Calls `sm` with `arg` and hands the reply, decoded as `Out`, to `done` on the session's I/O
  /// thread: `s->async_call<int>("/math/add", xs, [](tp::Status st, int sum) {...})`. `done` may
  /// be any callable (move-only too) taking `(Status, Out)`, or `(Status, Out, const Message&)`
  /// to read the reply's meta; a protobuf `Out` taken by `const Out&` is parsed into memory reused
  /// from the previous reply (see ReplyHandler). A reply body that does not decode is a local
  /// 103 Reply Decode Failed, not the server's status.
  template <class Out, class Arg, ReplyHandler<Out> F>
  void async_call(std::string sm, const Arg& arg, F done, CallOptions opts = {}) {
    const std::uint8_t codec = opts.body_codec.value_or(default_body_codec());
    detail::typed_call<Out>(codec, arg, std::move(done), [&](std::string body, ReplyCallback cb) {
      call_raw(std::move(sm), codec, std::move(body), std::move(opts), std::move(cb));
    });
  }

  /// Calls `sm` with `arg` and waits for the reply, decoded as `Out`: `s->call<int>("/math/add",
  /// std::vector{1, 2})`. `reply_meta`, when given, receives the reply's meta. Refused (1 Invalid
  /// Operation) on an I/O thread: use async_call or co_await there.
  template <class Out, class Arg>
  Result<Out> call(std::string sm, const Arg& arg, CallOptions opts = {},
                   Meta* reply_meta = nullptr) {
    if (Status st = check_blocking_allowed(); !st.ok()) return st;
    return detail::wait_for_reply<Out>(
        [&](auto done) { async_call<Out>(std::move(sm), arg, std::move(done), std::move(opts)); },
        reply_meta);
  }

  /// Pushes `arg` to `sm` (one-way).
  template <class Arg>
  Status push(std::string sm, const Arg& arg, CallOptions opts = {}) {
    const std::uint8_t codec = opts.body_codec.value_or(default_body_codec());
    std::string body;
    if (Status st = marshal(codec, arg, body); !st.ok()) return st;
    return push_raw(std::move(sm), codec, std::move(body), std::move(opts));
  }

 protected:
  Session() = default;
  /// 1 Invalid Operation when the caller is an I/O thread of any peer: waiting there would stall
  /// a loop (or deadlock, on the session's own).
  [[nodiscard]] virtual Status check_blocking_allowed() const = 0;

 private:
  Swap swap_;
};

}  // namespace tp
