#include "support/threads.hpp"

#include <cstdio>
#include <cstdlib>

namespace tp::detail {

namespace {
thread_local bool tl_io_thread = false;
}  // namespace

void mark_io_thread() { tl_io_thread = true; }

bool on_io_thread() { return tl_io_thread; }

#ifndef NDEBUG
void assert_in_loop(const boost::asio::io_context& loop, const char* function, const char* file,
                    int line) {
  if (const_cast<boost::asio::io_context&>(loop).get_executor().running_in_this_thread()) return;
  std::fprintf(stderr, "teleport: %s (%s:%d) must run on its session's I/O thread\n", function,
               file, line);
  std::abort();
}
#endif

}  // namespace tp::detail
