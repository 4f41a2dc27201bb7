// Asio completion-token forms of calls and close notification, so that a coroutine can
// `co_await tp::async_call<int>(session, "/math/add", xs, {}, boost::asio::use_awaitable)`.
// Opt-in: it brings Boost.Asio into the including file.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <concepts>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>

#include "teleport/channel.hpp"
#include "teleport/router.hpp"
#include "teleport/session.hpp"

namespace tp {

/// The executor of `session`'s I/O thread (coroutine handlers run there).
boost::asio::any_io_executor io_executor(Session& session);

/// \cond INTERNAL
namespace detail {
template <class F>
struct coro_traits : coro_traits<decltype(&F::operator())> {};
template <class C, class R, class A>
struct coro_traits<boost::asio::awaitable<Result<R>> (C::*)(Ctx&, A) const> {
  using arg = std::remove_cvref_t<A>;
  using reply = R;
};
template <class C, class R, class A>
struct coro_traits<boost::asio::awaitable<Result<R>> (C::*)(Ctx&, A)>
    : coro_traits<boost::asio::awaitable<Result<R>> (C::*)(Ctx&, A) const> {};
}  // namespace detail
/// \endcond

/// Adds a coroutine call handler `fn(Ctx&, const Arg&) -> boost::asio::awaitable<Result<R>>` to
/// `group`: it runs on the session's I/O thread and never blocks it while it co_awaits. When the
/// caller gives up (ctx.cancelled()), the operation it awaits gets a terminal cancellation.
template <class F>
Status route_call_coro(RouteGroup& group, std::string path, F fn, RouteOptions opts = {}) {
  using Arg = typename detail::coro_traits<F>::arg;
  if (opts.arg_type.empty()) opts.arg_type = detail::type_name<Arg>();
  if (opts.reply_type.empty())
    opts.reply_type = detail::type_name<typename detail::coro_traits<F>::reply>();
  return group.route_call_async(
      std::move(path),
      [fn = std::move(fn)](Ctx& ctx, std::function<void(Status)> done) {
        auto arg = std::make_shared<Arg>();
        if (Status st = ctx.bind(*arg); !st.ok()) {
          done(std::move(st));
          return;
        }
        // The signal fires on the I/O thread, where the coroutine runs.
        auto cancel = std::make_shared<boost::asio::cancellation_signal>();
        ctx.on_cancel(
            [cancel](const Status&) { cancel->emit(boost::asio::cancellation_type::terminal); });
        boost::asio::co_spawn(
            io_executor(ctx.session()), fn(ctx, *arg),
            boost::asio::bind_cancellation_slot(
                cancel->slot(),
                [&ctx, arg, cancel, done = std::move(done)](std::exception_ptr error, auto result) {
                  if (error) {
                    try {
                      std::rethrow_exception(error);
                    } catch (const std::exception& e) {
                      done(Status::from_code(code::kInternalServerError, e.what()));
                    } catch (...) {
                      done(Status::from_code(code::kInternalServerError, "unknown exception"));
                    }
                    return;
                  }
                  done(result.status.ok() ? ctx.set_reply(result.value) : result.status);
                }));
      },
      std::move(opts));
}

/// Calls `sm` with `arg` through a Session or a Channel; completes with (Status, Out) on the
/// token's executor: `std::tuple<Status, int> r = co_await tp::async_call<int>(s, sm, xs, opts,
/// use_awaitable)`. With GCC 12, keep the arguments in named variables and do not bind the
/// result with `auto [st, sum] =`: it miscompiles both across a co_await (a bad free).
template <class Out, class Arg, class Caller, class CompletionToken>
requires std::derived_from<Caller, Session> || std::same_as<Caller, Channel>
auto async_call(Caller& session, std::string sm, const Arg& arg, CallOptions opts,
                CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(Status, Out)>(
      [&session](auto handler, std::string sm, const Arg& arg, CallOptions opts) {
        // std::function needs a copyable callable; Asio handlers are move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto work = std::make_shared<boost::asio::executor_work_guard<
            boost::asio::associated_executor_t<decltype(handler)>>>(
            boost::asio::get_associated_executor(*shared));
        session.template async_call<Out, Arg>(
            std::move(sm), arg,
            [shared, work](Status st, Out out) {
              boost::asio::dispatch(work->get_executor(), [shared, work, st = std::move(st),
                                                           out = std::move(out)]() mutable {
                (*shared)(std::move(st), std::move(out));
              });
            },
            std::move(opts));
      },
      token, std::move(sm), arg, std::move(opts));
}

/// Completes when `session` closes (at once if it already has), on the token's executor.
template <class CompletionToken>
auto async_wait_closed(Session& session, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void()>(
      [&session](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto work = std::make_shared<boost::asio::executor_work_guard<
            boost::asio::associated_executor_t<decltype(handler)>>>(
            boost::asio::get_associated_executor(*shared));
        session.on_close([shared, work] {
          boost::asio::dispatch(work->get_executor(), [shared, work]() mutable { (*shared)(); });
        });
      },
      token);
}

}  // namespace tp
