// Channel: a client for a service, not an address. It holds a session to every backend a
// resolver names (list://, file://, or a registered scheme such as etcd://), picks one per call
// with a balancer (round robin, least in flight, consistent hash on a key), ejects backends that
// fail and probes them back with backoff, and retries calls that never reached a handler.
//
//   tp::Peer client;
//   tp::Channel math(client, "list://10.0.0.1:9090,10.0.0.2:9090", {.balance = "least"});
//   if (auto st = math.start(); !st.ok()) ...
//   auto sum = math.call<int>("/math/add", std::vector{1, 2, 3});
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "teleport/call_options.hpp"
#include "teleport/codec/marshal.hpp"
#include "teleport/message.hpp"
#include "teleport/status.hpp"
#include "teleport/typed_call.hpp"

namespace tp {

class Peer;

/// One backend of a service: where it listens and what its registration says.
struct Backend {
  std::string addr{};  ///< "host:port" (or a Unix socket path on a unix peer)
  int weight = 1;      ///< relative share of calls under consistent hashing (ring points)
  std::string meta{};  ///< the registration's meta (JSON text), empty when none
  /// Same address, weight and meta.
  friend bool operator==(const Backend&, const Backend&) = default;
};

/// Finds the backends of a target and reports every change. Implementations must be safe to
/// stop from any thread.
class Resolver {
 public:
  /// Receives the whole current list after each change (on any thread, never concurrently).
  using Update = std::function<void(std::vector<Backend>)>;
  virtual ~Resolver() = default;
  /// Reports the first list through `update` (before returning when it can) and then watches.
  virtual Status start(Update update) = 0;
  /// Stops watching: no update after it returns.
  virtual void stop() = 0;
};

/// Builds a resolver for a target of its scheme (the whole target is passed).
using ResolverFactory = std::function<Result<std::unique_ptr<Resolver>>(const std::string& target)>;

/// Makes `scheme` ("etcd") usable in targets ("etcd://..."). 1 Invalid Operation if taken.
Status register_resolver(std::string scheme, ResolverFactory factory);

/// The resolver for `target`: `list://A,B,...` (fixed), `file:///path` (one address per line,
/// `#` comments, re-read when the file changes), or a registered scheme. A target without a
/// scheme is one address.
Result<std::unique_ptr<Resolver>> make_resolver(const std::string& target);

/// What a balancer sees of a usable backend.
struct Candidate {
  const Backend* backend = nullptr;  ///< the backend
  int in_flight = 0;                 ///< calls sent to it and not answered yet
};

/// Chooses the backend of each call among the usable ones. Called under the channel's lock,
/// from any thread: keep it short.
class Balancer {
 public:
  virtual ~Balancer() = default;
  /// The index in `usable` (never empty, sorted by address) for a call to `service_method`
  /// with `opts`.
  virtual std::size_t pick(const std::vector<Candidate>& usable, std::string_view service_method,
                           const CallOptions& opts) = 0;
};

/// "rr" (round robin), "least" (fewest calls in flight, ties round robin) or "hash:KEY"
/// (consistent hash on meta KEY of the call, else query parameter KEY of its service method,
/// else the whole service method). Null for an unknown name.
std::unique_ptr<Balancer> make_balancer(std::string_view name);

/// A channel's settings.
struct ChannelOptions {
  std::string balance = "rr";            ///< make_balancer() name, unless `balancer` is set
  std::shared_ptr<Balancer> balancer{};  ///< a balancer of the application's
  /// Extra attempts a call may make on other backends after its first failed; a call already
  /// written to a backend is tried again only when CallOptions::idempotent says so.
  int retry_budget = 2;
  std::chrono::milliseconds eject_backoff{100};  ///< first wait before probing an ejected backend
  std::chrono::milliseconds max_eject_backoff{5000};  ///< the longest wait (it doubles up to it)
  std::chrono::milliseconds start_timeout{3000};  ///< start() waits this long for a first backend
};

/// What a channel knows of one backend now.
struct BackendState {
  Backend backend{};         ///< the backend
  bool connected = false;    ///< a session is open and calls go to it
  int in_flight = 0;         ///< calls waiting for its reply
  std::uint64_t calls = 0;   ///< calls sent to it so far
  std::string last_error{};  ///< why it was last ejected (empty: never)
};

/// A client for every backend of one target. Thread-safe; calls may be made from any thread
/// (the blocking ones not from an I/O thread).
class Channel {
 public:
  /// A channel dialing through `peer` (its plugins, TLS, codec and protocol apply) to `target`.
  Channel(Peer& peer, std::string target, ChannelOptions options = {});
  /// Stops the resolver and closes the sessions the channel opened.
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  /// Starts the resolver and dials every backend; waits up to start_timeout for one to be
  /// connected. A bad target or balancer is an error; no backend yet is 105 Dial Failed (the
  /// channel keeps trying in the background).
  Status start();

  /// Sends a CALL to a backend the balancer picks; `done` gets the reply or this side's status,
  /// always exactly once, within opts.timeout (the peer's context age when 0) plus a dial; an
  /// empty `done` drops the reply.
  /// With no backend connected while one is being dialed for the first time, the call waits
  /// for that dial; with none left to try it fails at once with 105.
  void call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                ReplyCallback done);
  /// Sends a PUSH to a backend the balancer picks (another one if that one's session is gone).
  Status push_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts);

  /// Calls `sm` with `arg`; `done(Status, Out)` (or `(Status, Out, const Message& reply)`) gets
  /// the decoded reply on an I/O thread (a body that does not decode: the local 103).
  template <class Out, class Arg, ReplyHandler<Out> F>
  void async_call(std::string sm, const Arg& arg, F done, CallOptions opts = {}) {
    const std::uint8_t codec = opts.body_codec.value_or(default_body_codec());
    detail::typed_call<Out>(codec, arg, std::move(done), [&](std::string body, ReplyCallback cb) {
      call_raw(std::move(sm), codec, std::move(body), std::move(opts), std::move(cb));
    });
  }
  /// Calls `sm` with `arg` and waits for the reply (its meta to `reply_meta` when given).
  /// Refused (1) on an I/O thread.
  template <class Out, class Arg>
  Result<Out> call(std::string sm, const Arg& arg, CallOptions opts = {},
                   Meta* reply_meta = nullptr) {
    if (Status st = check_blocking_allowed(); !st.ok()) return st;
    return detail::wait_for_reply<Out>(
        [&](auto done) { async_call<Out>(std::move(sm), arg, std::move(done), std::move(opts)); },
        reply_meta);
  }
  /// Pushes `arg` to `sm` on one backend.
  template <class Arg>
  Status push(std::string sm, const Arg& arg, CallOptions opts = {}) {
    const std::uint8_t codec = opts.body_codec.value_or(default_body_codec());
    std::string body;
    if (Status st = marshal(codec, arg, body); !st.ok()) return st;
    return push_raw(std::move(sm), codec, std::move(body), std::move(opts));
  }

  /// The codec of calls and pushes whose options name none (the peer's).
  [[nodiscard]] std::uint8_t default_body_codec() const;
  /// Every backend the resolver names now, sorted by address.
  [[nodiscard]] std::vector<BackendState> backends() const;

  struct Impl;

 private:
  static Status check_blocking_allowed();
  std::shared_ptr<Impl> impl_;
};

}  // namespace tp
