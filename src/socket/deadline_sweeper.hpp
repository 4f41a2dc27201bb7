// DeadlineSweeper: one coarse timer per I/O thread that checks the deadlines (read, write,
// handshake, idle) of every session living on that thread, instead of one timer per session and
// per frame. Everything here runs on that thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <unordered_set>

namespace tp::detail {

/// What the sweeper checks: a session's deadlines.
class HasDeadlines {
 public:
  /// Closes the session if one of its deadlines has passed at `now`.
  virtual void check_deadlines(std::chrono::steady_clock::time_point now) = 0;

 protected:
  ~HasDeadlines() = default;
};

class DeadlineSweeper final : public boost::asio::execution_context::service {
 public:
  using Clock = std::chrono::steady_clock;
  using key_type = DeadlineSweeper;
  static boost::asio::execution_context::id id;

  /// Created by boost::asio::use_service<DeadlineSweeper>(io_context).
  explicit DeadlineSweeper(boost::asio::execution_context& ctx);

  /// Starts checking `s` every `period` (the first watcher's period holds for the thread).
  void watch(HasDeadlines* s, std::chrono::milliseconds period);
  /// Stops checking `s`; the timer stops with the last one, so the thread can finish.
  void unwatch(HasDeadlines* s);
  /// The time of the last tick (or of the last watch()): a cheap, coarse clock for stamps.
  [[nodiscard]] Clock::time_point now() const { return now_; }

 private:
  void shutdown() override;
  void arm();

  boost::asio::steady_timer timer_;
  std::unordered_set<HasDeadlines*> watched_;
  std::chrono::milliseconds period_{250};
  Clock::time_point now_ = Clock::now();
  bool armed_ = false;
};

}  // namespace tp::detail
