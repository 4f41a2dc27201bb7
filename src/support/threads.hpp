// Which thread runs what: I/O threads mark themselves, so that blocking APIs can refuse to stall
// one, and code that must run on its session's loop checks it (muduo's assertInLoopThread).
#pragma once

#include <boost/asio/io_context.hpp>

namespace tp::detail {

/// Marks the calling thread as an I/O thread of some peer (for its whole life).
void mark_io_thread();
/// True on an I/O thread of any peer: a blocking call here would stall a loop.
[[nodiscard]] bool on_io_thread();

// The caller's name and place come from the compiler builtins (std::source_location is not
// available to clang 14 with libstdc++ 12, which the fuzz build uses).
#ifdef NDEBUG
inline void assert_in_loop(const boost::asio::io_context& /*loop*/,
                           const char* /*function*/ = __builtin_FUNCTION(),
                           const char* /*file*/ = __builtin_FILE(),
                           int /*line*/ = __builtin_LINE()) {}
#else
/// Debug and sanitizer builds: aborts, naming the caller, unless it runs on `loop`'s thread.
void assert_in_loop(const boost::asio::io_context& loop,
                    const char* function = __builtin_FUNCTION(),
                    const char* file = __builtin_FILE(), int line = __builtin_LINE());
#endif

}  // namespace tp::detail
