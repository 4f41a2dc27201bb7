// Asio completion-token forms of calls and close notification, so that a coroutine can
// `co_await tp::async_call<int>(session, "/math/add", xs, {}, boost::asio::use_awaitable)`.
// Opt-in: it brings Boost.Asio into the including file.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <memory>

#include "teleport/session.hpp"

namespace tp {

/// Calls `sm` with `arg`; completes with (Status, Out) on the token's executor.
template <class Out, class Arg, class CompletionToken>
auto async_call(Session& session, std::string sm, const Arg& arg, CallOptions opts, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(Status, Out)>(
      [&session](auto handler, std::string sm, const Arg& arg, CallOptions opts) {
        // std::function needs a copyable callable; Asio handlers are move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto work = std::make_shared<boost::asio::executor_work_guard<boost::asio::associated_executor_t<decltype(handler)>>>(
            boost::asio::get_associated_executor(*shared));
        session.async_call<Arg, Out>(std::move(sm), arg, [shared, work](Status st, Out out) {
          boost::asio::dispatch(work->get_executor(), [shared, work, st = std::move(st), out = std::move(out)]() mutable {
            (*shared)(std::move(st), std::move(out));
          });
        }, std::move(opts));
      },
      token, std::move(sm), arg, std::move(opts));
}

/// Completes when `session` closes (at once if it already has), on the token's executor.
template <class CompletionToken>
auto async_wait_closed(Session& session, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void()>(
      [&session](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto work = std::make_shared<boost::asio::executor_work_guard<boost::asio::associated_executor_t<decltype(handler)>>>(
            boost::asio::get_associated_executor(*shared));
        session.on_close([shared, work] {
          boost::asio::dispatch(work->get_executor(), [shared, work]() mutable { (*shared)(); });
        });
      },
      token);
}

}  // namespace tp
