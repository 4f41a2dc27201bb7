// PendingCalls: the calls a session has sent and waits for replies to, each with its deadline
// and, when the session may redial, its frame to re-send once. On the session's I/O thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "metrics/shard.hpp"
#include "teleport/session.hpp"

namespace tp::detail {

class PendingCalls {
 public:
  using Clock = std::chrono::steady_clock;
  using ReplyCallback = Session::ReplyCallback;

  /// One call waiting for its reply.
  struct Call {
    ReplyCallback done;
    Clock::time_point start;
    Clock::time_point deadline = Clock::time_point::max();  // max: none
    // Kept only when asked for, so that most entries hold neither string: an entry moves twice
    // per call, and moving an absent optional copies a flag where a string copies its buffer.
    std::optional<std::string> service_method;  // for logs (count_time, slow calls)
    std::optional<std::string> frame;           // when the session may redial, to re-send it once
    bool resent = false;
    RouteCounters* metrics = nullptr;  // the caller side of its route (null: metrics off)
    /// Records the call's end with `status_code` in its route's metrics.
    void completed(std::int32_t status_code) const;
  };

  /// Completes `done` with a reply that carries only `st`.
  static void fail(ReplyCallback& done, Status st);
  /// Records the end of `call` and completes it with a reply that carries only `st`.
  static void fail(Call& call, Status st);

  /// Registers the call `seq`; the caller fills the rest of the entry (the reference lasts until
  /// the next call is added).
  Call& add(std::int32_t seq, ReplyCallback done);
  /// Fails `call` (just added) with 301 at `deadline` unless its reply comes first. `owner()`,
  /// called once for the table's first deadline, returns a weak reference to the session that
  /// owns this table: the timer does nothing once the session is gone.
  template <typename OwnerFn>
  void expire_at(Call& call, Clock::time_point deadline, boost::asio::io_context& loop,
                 OwnerFn&& owner) {
    call.deadline = deadline;
    if (deadline >= armed_for_) return;  // the timer wakes before it, and re-arms then
    if (!timer_) start_timer(loop, owner());
    arm(deadline);
  }
  /// Removes and returns the call `seq`, if it is waiting.
  std::optional<Call> take(std::int32_t seq);
  /// Fails every call with 102 and `why`, and stops the deadline timer.
  void fail_all(const std::string& why);
  /// Before a redial: fails the calls that cannot be re-sent (sent twice already, or kept no
  /// frame) and returns the frames of the others, in one string.
  std::string frames_to_resend(const std::string& why);
  /// How many calls wait for replies (any thread; the others are for the I/O thread only).
  [[nodiscard]] std::size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

 private:
  void publish_size() {
    waiting_.store(calls_.size() + (first_ ? 1 : 0), std::memory_order_relaxed);
  }
  // The entry of `seq`, or null.
  Call* find(std::int32_t seq);
  // Removes the entry of `seq` (one find() found).
  void erase(std::int32_t seq);
  void start_timer(boost::asio::io_context& loop, std::weak_ptr<void> owner);
  // Sets the timer for `at`; a wait set for later ends with operation_aborted.
  void arm(Clock::time_point at);
  // The timer's work: fails every call whose deadline has passed and re-arms for the next one.
  void expire_due();

  // The call a session has in flight when it has one (the common case: a caller waits for each
  // reply) lives here, in the session's own memory, which its reply finds warm; more go to
  // calls_ (open addressing: no heap node per call).
  std::optional<std::pair<std::int32_t, Call>> first_;
  boost::unordered_flat_map<std::int32_t, Call> calls_;
  std::atomic<std::size_t> waiting_{0};  // calls_.size() for readers on other threads
  // One timer for every call's deadline, not one per call (a heap node, a timer-queue insert and
  // a cancelled wait's completion per call: ~2 000 instructions). It is set for the earliest
  // deadline it has seen; a reply does not touch it, and when it fires it fails the calls that
  // are due and re-arms for the earliest left.
  std::unique_ptr<boost::asio::steady_timer> timer_;
  Clock::time_point armed_for_ = Clock::time_point::max();  // max: not armed
  std::weak_ptr<void> owner_;
};

}  // namespace tp::detail
