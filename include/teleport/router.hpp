// Router: service-method path → handler. Typed handlers bind through the body codecs;
// controllers described with Boost.Describe become one route per method.
#pragma once

#include <atomic>
#include <boost/core/demangle.hpp>
#include <boost/describe.hpp>
#include <boost/mp11/algorithm.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "teleport/codec/codec.hpp"
#include "teleport/codec/type_traits.hpp"
#include "teleport/context.hpp"
#include "teleport/plugin.hpp"
#include "teleport/status.hpp"
#include "teleport/thread_loan.hpp"
#include "teleport/typed_call.hpp"

namespace tp {

/// A handler at the byte level: reads ctx.input(), fills the reply through ctx.set_reply().
using Handler = std::function<Status(Ctx&)>;

/// How controller and method names become service methods.
enum class NameStyle {
  kHttp,  ///< `Math_Add` → `/math/add`, `AaBb` → `/aa_bb` (eRPC's HTTPServiceMethodMapper)
  kRpc,   ///< `Math_Add` → `Math.Add` (eRPC's RPCServiceMethodMapper)
};

/// Maps a name as eRPC does: HTTP style `/snake/case` or RPC style `Dotted.Name`.
std::string map_service_method(std::string_view name, NameStyle style);

/// Per-route settings.
struct RouteOptions {
  Plugins plugins{};         ///< plugins of this route (after the peer's and the sub-route's)
  bool blocking = false;     ///< run the handler on the worker pool, not the I/O thread
  std::string arg_type{};    ///< the argument's type as listed by reflection (typed routes: set)
  std::string reply_type{};  ///< the reply's type as listed by reflection (typed routes: set)
};

/// A call handler that completes later: it calls `done(status)` exactly once, from any thread;
/// `ctx` stays valid until then. Coroutine handlers (teleport/asio.hpp) are built on it.
using AsyncHandler = std::function<void(Ctx& ctx, std::function<void(Status)> done)>;

/// A registered route.
struct Route {
  Handler handler{};         ///< the handler (or:)
  AsyncHandler async{};      ///< the handler of a call that completes later
  Plugins plugins{};         ///< sub-route and route plugins, in order
  bool blocking = false;     ///< run on the worker pool
  std::string arg_type{};    ///< the argument's type, for reflection (empty: unknown)
  std::string reply_type{};  ///< the reply's type, for reflection (empty: unknown)
};

/// One route as a listing (and the reflection route, teleport/reflection.hpp) shows it.
struct RouteInfo {
  std::string path{};   ///< the service method's path
  std::string type{};   ///< "call" or "push"
  std::string arg{};    ///< the argument's type, Go style ("[]int64", "string"), or empty
  std::string reply{};  ///< the reply's type (calls), or empty
};
BOOST_DESCRIBE_STRUCT(RouteInfo, (), (path, type, arg, reply))

/// Base of a controller: its methods reach their context through ctx().
class CallCtl {
 public:
  /// The context of the message being handled.
  [[nodiscard]] Ctx& ctx() const noexcept { return *ctx_; }
  /// For the router: binds the context before a method runs.
  void bind_ctx(Ctx& ctx) noexcept { ctx_ = &ctx; }

 private:
  Ctx* ctx_ = nullptr;
};
/// Base of a push controller.
using PushCtl = CallCtl;

/// \cond INTERNAL
namespace detail {
template <class F>
struct handler_traits : handler_traits<decltype(&F::operator())> {};
template <class C, class R, class A>
struct handler_traits<R (C::*)(Ctx&, A) const> {
  using arg = std::remove_cvref_t<A>;
  using result = R;
};
template <class C, class R, class A>
struct handler_traits<R (C::*)(Ctx&, A)> : handler_traits<R (C::*)(Ctx&, A) const> {};
template <class R, class A>
struct handler_traits<R (*)(Ctx&, A)> {
  using arg = std::remove_cvref_t<A>;
  using result = R;
};
template <class T>
struct method_traits;
template <class C, class R, class A>
struct method_traits<R (C::*)(A)> {
  using arg = std::remove_cvref_t<A>;
  using result = R;
};

/// The unqualified name of T ("Math" for demo::Math).
template <class T>
std::string short_type_name() {
  std::string name = boost::core::demangle(typeid(T).name());
  if (auto colon = name.rfind("::"); colon != std::string::npos) name.erase(0, colon + 2);
  return name;
}

/// T named as a Go programmer would read it in a route listing: "int64", "[]string",
/// "map[string]int32", "bytes"; other types by their C++ name.
template <class T>
std::string type_name() {
  if constexpr (std::is_same_v<T, std::string>) {
    return "string";
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return "bytes";
  } else if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_integral_v<T>) {
    return (std::is_signed_v<T> ? "int" : "uint") + std::to_string(sizeof(T) * 8);
  } else if constexpr (std::is_floating_point_v<T>) {
    return "float" + std::to_string(sizeof(T) * 8);
  } else if constexpr (codec_traits::is_vector<T>::value) {
    return "[]" + type_name<typename T::value_type>();
  } else if constexpr (requires {
                         typename T::key_type;
                         typename T::mapped_type;
                       }) {
    return "map[" + type_name<typename T::key_type>() + "]" + type_name<typename T::mapped_type>();
  } else {
    return boost::core::demangle(typeid(T).name());
  }
}

/// The reply type of a handler result `Result<R>`.
template <class T>
struct result_value;
template <class R>
struct result_value<Result<R>> {
  using type = R;
};

/// A push handler's result as a status (void means OK).
template <class F, class... A>
Status call_push(F&& f, A&&... args) {
  if constexpr (std::is_void_v<std::invoke_result_t<F, A...>>) {
    std::invoke(std::forward<F>(f), std::forward<A>(args)...);
    return {};
  } else {
    return std::invoke(std::forward<F>(f), std::forward<A>(args)...);
  }
}

/// Runs controller method `pointer` on `arg`: a push's status, or a call's result as the reply.
/// (A function of its own: GCC 12 warns of a missing return in an `if constexpr` inside a lambda
/// nested in a generic lambda.)
template <class Pointer, class Ctl, class Arg>
Status run_ctl_method(Pointer pointer, Ctl& ctl, Ctx& ctx, Arg& arg) {
  using R = decltype((ctl.*pointer)(arg));
  if constexpr (std::is_void_v<R> || std::is_same_v<R, Status>) {
    return call_push(pointer, ctl, arg);
  } else {
    auto result = (ctl.*pointer)(arg);
    if (!result.status.ok()) return result.status;
    return ctx.set_reply(result.value);
  }
}

/// After the reply is encoded: a protobuf handler that echoes its reused argument (`return
/// std::move(in)`) moved the argument's strings into the reply; swapping them back keeps their
/// memory for the next call (what the reply holds then is dropped with it). A reply past
/// kReusedMessageMaxBody is not kept. A protobuf body is exactly the message's size, so its
/// length spares a second ByteSizeLong walk; another codec's body says nothing about it.
template <class Arg, class Reply>
void give_back(Arg& arg, Reply& reply, const Ctx& ctx) {
  if constexpr (std::is_same_v<Arg, Reply> && protobuf::Codable<Arg>) {
    const Message& encoded = ctx.reply();
    const std::size_t size =
        encoded.body_codec == codec_id::kProtobuf ? encoded.body.size() : reply.ByteSizeLong();
    if (size <= kReusedMessageMaxBody) arg.Swap(&reply);
  }
}

/// Tells ThreadLoan apart the argument objects of typed handlers.
struct ReusedArgTag;

/// Binds the call's body to an `Arg` and runs `body(arg)`. A protobuf `Arg` is one object per
/// thread and type, cleared for each call: Clear() keeps its strings' memory, so parsing the
/// next request allocates nothing for them (handlers take it by const reference and run to
/// completion on this thread; one that runs inside another's gets an object of its own). After a
/// body bigger than kReusedMessageMaxBody it is made anew, so one big request does not stay in
/// memory.
template <class Arg, class Body>
Status with_arg(Ctx& ctx, Body&& body) {
  if constexpr (protobuf::Codable<Arg>) {
    ThreadLoan<Arg, ReusedArgTag> loan;
    if (Arg* arg = loan.get()) {
      // A protobuf body's parse (ParseFromArray) clears the message first; other codecs need it.
      if (ctx.input().body_codec != codec_id::kProtobuf) arg->Clear();
      if (ctx.input().body.size() > kReusedMessageMaxBody) loan.renew_on_return();
      if (Status st = ctx.bind(*arg); !st.ok()) return st;
      return body(*arg);
    }
  }
  Arg arg{};
  if (Status st = ctx.bind(arg); !st.ok()) return st;
  return body(arg);
}
}  // namespace detail
/// \endcond

/// The routes of a peer, shared by every RouteGroup of its Router. Routes may be added while the
/// peer serves: a lookup reads an immutable snapshot without a lock, and a route, once added, is
/// never replaced or freed before the table (a call that found it may still be running it).
class RouteTable {
 public:
  RouteTable();
  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  /// Adds a route; runs the peer plugins' post_reg (its failure removes the route again).
  /// A path already routed for `type` is refused with 1 Invalid Operation.
  Status add(MsgType type, std::string service_method, Route route);
  /// The route for `path` and type (falling back to the unknown-route handler), or null.
  [[nodiscard]] const Route* find(MsgType type, std::string_view path) const;
  /// True when `path` is routed for the other type only (405 Message Type Not Allowed).
  [[nodiscard]] bool routed_as_other_type(MsgType type, std::string_view path) const;
  /// Sets the handler of calls (or pushes) to unknown routes (replacing an earlier one; the
  /// earlier one stays valid for calls already using it).
  void set_unknown(MsgType type, Route route);
  /// Every route (not the unknown-route handlers), calls then pushes, each sorted by path.
  [[nodiscard]] std::vector<RouteInfo> list() const;
  /// The peer's global plugins (post_reg runs them).
  void set_peer_plugins(const Plugins* plugins) { peer_plugins_ = plugins; }
  /// How controller names map to service methods.
  NameStyle style = NameStyle::kHttp;

 private:
  struct Entry;     // a route and its path, at a stable address for the table's life
  struct Snapshot;  // the routes at one moment: sorted by path, never changed once published

  [[nodiscard]] const Snapshot& current() const {
    return *current_.load(std::memory_order_acquire);
  }
  // Publishes a copy of the current snapshot changed by `edit` (under writer_mutex_).
  template <class Edit>
  void publish(Edit edit);

  std::mutex writer_mutex_;                         // one writer at a time; readers never lock
  std::deque<Entry> entries_;                       // every route ever added
  std::vector<std::unique_ptr<Snapshot>> history_;  // every snapshot: a reader may still hold one
  std::atomic<const Snapshot*> current_{nullptr};
  const Plugins* peer_plugins_ = nullptr;
};

/// A set of routes under a path prefix with its own plugins (the root group is the Router).
class RouteGroup {
 public:
  /// Adds a call route at the byte level.
  Status route_call(std::string path, Handler handler, RouteOptions opts = {}) {
    return add(MsgType::kCall, std::move(path), std::move(handler), std::move(opts));
  }
  /// Adds a push route at the byte level.
  Status route_push(std::string path, Handler handler, RouteOptions opts = {}) {
    return add(MsgType::kPush, std::move(path), std::move(handler), std::move(opts));
  }
  /// Adds a call route whose handler completes later (see AsyncHandler); the session's thread
  /// is free meanwhile.
  Status route_call_async(std::string path, AsyncHandler handler, RouteOptions opts = {});

  /// Adds a call route from `fn(Ctx&, const Arg&) -> Result<R>`: the body binds to Arg and R
  /// becomes the reply body.
  template <class F>
  Status route_call_func(std::string path, F fn, RouteOptions opts = {}) {
    using Arg = typename detail::handler_traits<F>::arg;
    using Reply = typename detail::result_value<typename detail::handler_traits<F>::result>::type;
    if (opts.arg_type.empty()) opts.arg_type = detail::type_name<Arg>();
    if (opts.reply_type.empty()) opts.reply_type = detail::type_name<Reply>();
    return route_call(
        std::move(path),
        [fn = std::move(fn)](Ctx& ctx) mutable -> Status {
          return detail::with_arg<Arg>(ctx, [&](Arg& arg) -> Status {
            auto result = fn(ctx, arg);
            if (!result.status.ok()) return result.status;
            Status st = ctx.set_reply(result.value);
            if (st.ok()) detail::give_back(arg, result.value, ctx);
            return st;
          });
        },
        std::move(opts));
  }

  /// Adds a push route from `fn(Ctx&, const Arg&)` returning void or Status.
  template <class F>
  Status route_push_func(std::string path, F fn, RouteOptions opts = {}) {
    using Arg = typename detail::handler_traits<F>::arg;
    if (opts.arg_type.empty()) opts.arg_type = detail::type_name<Arg>();
    return route_push(
        std::move(path),
        [fn = std::move(fn)](Ctx& ctx) mutable -> Status {
          return detail::with_arg<Arg>(
              ctx, [&](Arg& arg) -> Status { return detail::call_push(fn, ctx, arg); });
        },
        std::move(opts));
  }

  /// Adds one call route per public method `Result<R> m(const Arg&)` of the described
  /// controller `Ctl` (derived from CallCtl): `Math::add` → `/math/add`. A new Ctl serves each
  /// call.
  template <class Ctl>
  Status route_call_ctl(RouteOptions opts = {}) {
    return add_ctl<Ctl>(MsgType::kCall, std::move(opts));
  }
  /// The same for pushes: methods `void m(const Arg&)` or `Status m(const Arg&)`.
  template <class Ctl>
  Status route_push_ctl(RouteOptions opts = {}) {
    return add_ctl<Ctl>(MsgType::kPush, std::move(opts));
  }

  /// A group whose routes are `prefix` + their own name, with `plugins` after this group's.
  [[nodiscard]] RouteGroup sub_route(std::string_view prefix, Plugins plugins = {}) const;
  /// The full service method of `name` in this group.
  [[nodiscard]] std::string service_method_of(std::string_view name) const;

 protected:
  /// The root group of `table` (what Router is).
  explicit RouteGroup(RouteTable& table) : table_(&table) {}

 private:
  Status add(MsgType type, std::string path, Handler handler, RouteOptions opts);

  template <class Ctl>
  Status add_ctl(MsgType type, RouteOptions opts) {
    using Methods = boost::describe::describe_members<Ctl, boost::describe::mod_public |
                                                               boost::describe::mod_function>;
    const std::string ctl_name = detail::short_type_name<Ctl>();
    Status first_error;
    boost::mp11::mp_for_each<Methods>([&](auto method) {
      using Traits = detail::method_traits<std::remove_cv_t<decltype(method.pointer)>>;
      using Arg = typename Traits::arg;
      const auto pointer = method.pointer;
      Handler handler = [pointer](Ctx& ctx) -> Status {
        Ctl ctl{};
        ctl.bind_ctx(ctx);
        return detail::with_arg<Arg>(
            ctx, [&](Arg& arg) { return detail::run_ctl_method(pointer, ctl, ctx, arg); });
      };
      const std::string path = map_service_method(ctl_name + "_" + method.name, table_->style);
      RouteOptions typed = opts;
      typed.arg_type = detail::type_name<Arg>();
      if constexpr (!std::is_same_v<typename Traits::result, void> &&
                    !std::is_same_v<typename Traits::result, Status>) {
        typed.reply_type =
            detail::type_name<typename detail::result_value<typename Traits::result>::type>();
      }
      Status st = add(type, path, std::move(handler), std::move(typed));
      if (first_error.ok()) first_error = st;
    });
    return first_error;
  }

  RouteTable* table_;
  std::string prefix_;
  Plugins plugins_;
};

/// The root route group of a peer; also finds routes.
class Router : public RouteGroup {
 public:
  Router() : RouteGroup(table_) {}
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  /// Handles calls to routes that do not exist (instead of replying 404).
  void set_unknown_call(Handler handler, RouteOptions opts = {}) {
    table_.set_unknown(MsgType::kCall,
                       {std::move(handler), nullptr, std::move(opts.plugins), opts.blocking});
  }
  /// Handles calls to routes that do not exist with a handler that completes later.
  void set_unknown_call_async(AsyncHandler handler, RouteOptions opts = {}) {
    table_.set_unknown(MsgType::kCall,
                       {nullptr, std::move(handler), std::move(opts.plugins), opts.blocking});
  }
  /// Handles pushes to routes that do not exist (instead of dropping them).
  void set_unknown_push(Handler handler, RouteOptions opts = {}) {
    table_.set_unknown(MsgType::kPush,
                       {std::move(handler), nullptr, std::move(opts.plugins), opts.blocking});
  }
  /// The routes.
  [[nodiscard]] RouteTable& table() noexcept { return table_; }
  /// The routes.
  [[nodiscard]] const RouteTable& table() const noexcept { return table_; }

 private:
  RouteTable table_;
};

}  // namespace tp
