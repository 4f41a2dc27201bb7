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
void assert_in_loop(const boost::asio::io_context& loop, std::source_location where) {
  if (const_cast<boost::asio::io_context&>(loop).get_executor().running_in_this_thread()) return;
  std::fprintf(stderr, "teleport: %s (%s:%u) must run on its session's I/O thread\n",
               where.function_name(), where.file_name(), static_cast<unsigned>(where.line()));
  std::abort();
}
#endif

}  // namespace tp::detail
