// Which thread runs what: I/O threads mark themselves, so that blocking APIs can refuse to stall
// one, and code that must run on its session's loop checks it (muduo's assertInLoopThread).
#pragma once

#include <boost/asio/io_context.hpp>
#include <source_location>

namespace tp::detail {

/// Marks the calling thread as an I/O thread of some peer (for its whole life).
void mark_io_thread();
/// True on an I/O thread of any peer: a blocking call here would stall a loop.
[[nodiscard]] bool on_io_thread();

#ifdef NDEBUG
inline void assert_in_loop(const boost::asio::io_context& /*loop*/,
                           std::source_location /*where*/ = std::source_location::current()) {}
#else
/// Debug and sanitizer builds: aborts, naming the caller, unless it runs on `loop`'s thread.
void assert_in_loop(const boost::asio::io_context& loop,
                    std::source_location where = std::source_location::current());
#endif

}  // namespace tp::detail
