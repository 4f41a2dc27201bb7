// How both Geminio stream types (the Teleport transport's and the Go wire's) finish a read or a
// write: never inline, then on the handler's own executor.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace tp::geminio::detail {

/// A stream read or write completion.
using OpHandler = boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;

/// Completes `h` with (`ec`, `n`): posted through `via` (never inline: callers may hold a lock
/// or be inside the initiating call), then dispatched to the handler's associated executor.
/// (Not through asio::append: Boost 1.81 re-wraps an any_completion_handler token without end.)
inline void complete_op(OpHandler h, const boost::asio::any_io_executor& via,
                        boost::system::error_code ec, std::size_t n) {
  boost::asio::post(via, [h = std::move(h), ec, n]() mutable {
    auto ex = boost::asio::get_associated_executor(h);
    boost::asio::dispatch(ex, [h = std::move(h), ec, n]() mutable { std::move(h)(ec, n); });
  });
}

}  // namespace tp::geminio::detail
