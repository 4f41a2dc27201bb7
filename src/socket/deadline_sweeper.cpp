#include "socket/deadline_sweeper.hpp"

#include <vector>

namespace tp::detail {

boost::asio::execution_context::id DeadlineSweeper::id;

DeadlineSweeper::DeadlineSweeper(boost::asio::execution_context& ctx)
    : boost::asio::execution_context::service(ctx),
      timer_(static_cast<boost::asio::io_context&>(ctx)) {}

void DeadlineSweeper::watch(HasDeadlines* s, std::chrono::milliseconds period) {
  if (watched_.empty()) period_ = period;
  watched_.insert(s);
  now_ = Clock::now();
  if (!armed_) arm();
}

void DeadlineSweeper::unwatch(HasDeadlines* s) {
  watched_.erase(s);
  if (watched_.empty() && armed_) {
    timer_.cancel();  // an armed timer would keep the thread's run() from returning
    armed_ = false;
  }
}

void DeadlineSweeper::arm() {
  armed_ = true;
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: unwatch() already cleared armed_
    armed_ = false;
    now_ = Clock::now();
    // A check may close its session, which unwatches it: iterate over a copy.
    const std::vector<HasDeadlines*> sessions(watched_.begin(), watched_.end());
    for (HasDeadlines* s : sessions) {
      if (watched_.contains(s)) s->check_deadlines(now_);
    }
    if (!watched_.empty() && !armed_) arm();
  });
}

void DeadlineSweeper::shutdown() {
  watched_.clear();
  timer_.cancel();
  armed_ = false;
}

}  // namespace tp::detail
