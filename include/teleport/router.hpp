// Router: service-method path → handler, with typed handlers bound through the body codecs.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "teleport/context.hpp"
#include "teleport/status.hpp"

namespace tp {

/// A handler's typed result: a value, or a non-OK status.
template <class T>
struct Result {
  /// A successful result.
  Result(T v) : value(std::move(v)) {}  // NOLINT(google-explicit-constructor): `return 6;`
  /// A failed result.
  Result(Status st) : status(std::move(st)) {}  // NOLINT(google-explicit-constructor)
  T value{};      ///< the value (meaningful when status is OK)
  Status status;  ///< OK, or why the call failed
};

/// A handler at the byte level: reads ctx.input(), fills the reply through ctx.set_reply().
using Handler = std::function<Status(Ctx&)>;

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
}  // namespace detail

/// Routes by the path of the service method (the query is handed to the handler).
class Router {
 public:
  /// Adds a call route at the byte level.
  void route_call(std::string path, Handler handler) { calls_[std::move(path)] = std::move(handler); }
  /// Adds a push route at the byte level.
  void route_push(std::string path, Handler handler) { pushes_[std::move(path)] = std::move(handler); }

  /// Adds a call route from `fn(Ctx&, const Arg&) -> Result<R>`: the body is bound to Arg and R
  /// becomes the reply body.
  template <class F>
  void route_call_func(std::string path, F fn) {
    using Arg = typename detail::handler_traits<F>::arg;
    route_call(std::move(path), [fn = std::move(fn)](Ctx& ctx) mutable -> Status {
      Arg arg{};
      if (Status st = ctx.bind(arg); !st.ok()) return st;
      auto result = fn(ctx, arg);
      if (!result.status.ok()) return result.status;
      return ctx.set_reply(result.value);
    });
  }

  /// Adds a push route from `fn(Ctx&, const Arg&)` returning void or Status.
  template <class F>
  void route_push_func(std::string path, F fn) {
    using Arg = typename detail::handler_traits<F>::arg;
    route_push(std::move(path), [fn = std::move(fn)](Ctx& ctx) mutable -> Status {
      Arg arg{};
      if (Status st = ctx.bind(arg); !st.ok()) return st;
      if constexpr (std::is_void_v<typename detail::handler_traits<F>::result>) {
        fn(ctx, arg);
        return {};
      } else {
        return fn(ctx, arg);
      }
    });
  }

  /// Handles calls to routes that do not exist (instead of replying 404).
  void set_unknown_call(Handler handler) { unknown_call_ = std::move(handler); }
  /// Handles pushes to routes that do not exist (instead of dropping them).
  void set_unknown_push(Handler handler) { unknown_push_ = std::move(handler); }

  /// The call handler for `path` (or the unknown-call handler), or null.
  [[nodiscard]] const Handler* find_call(const std::string& path) const { return find(calls_, path, unknown_call_); }
  /// The push handler for `path` (or the unknown-push handler), or null.
  [[nodiscard]] const Handler* find_push(const std::string& path) const { return find(pushes_, path, unknown_push_); }
  /// True when `path` is routed for pushes only (a call to it gets 405).
  [[nodiscard]] bool is_push_only(const std::string& path) const {
    return !calls_.contains(path) && pushes_.contains(path);
  }
  /// True when `path` is routed for calls only (a push to it is refused with 405).
  [[nodiscard]] bool is_call_only(const std::string& path) const {
    return calls_.contains(path) && !pushes_.contains(path);
  }

 private:
  using Table = std::unordered_map<std::string, Handler>;
  static const Handler* find(const Table& table, const std::string& path, const Handler& fallback) {
    if (auto it = table.find(path); it != table.end()) return &it->second;
    return fallback ? &fallback : nullptr;
  }

  Table calls_;
  Table pushes_;
  Handler unknown_call_;
  Handler unknown_push_;
};

}  // namespace tp
