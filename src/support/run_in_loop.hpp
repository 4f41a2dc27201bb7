// run_in_loop: runs a function on an io_context's thread and waits for its result. Sockets are
// opened, registered and closed only on their own loop's thread: the I/O threads' io_contexts
// take no per-socket lock (BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO, see IoPool).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <type_traits>

namespace tp::detail {

/// Runs `fn` on `loop`'s thread and returns what it returns: at once when called there,
/// otherwise posted and waited for. `loop` must be running (or about to run) its thread.
template <class F>
std::invoke_result_t<F&> run_in_loop(boost::asio::io_context& loop, F fn) {
  if (loop.get_executor().running_in_this_thread()) return fn();
  std::packaged_task<std::invoke_result_t<F&>()> task(std::move(fn));
  auto result = task.get_future();
  boost::asio::post(loop, [&task] { task(); });
  return result.get();
}

}  // namespace tp::detail
