// ReadBudget: the bytes all sessions of a peer hold in incoming frames and decompressed bodies,
// against one limit. Touched only when a frame outgrows a session's ordinary read buffer, so the
// shared counter is not written by every call.
#pragma once

#include <atomic>
#include <cstddef>

namespace tp::detail {

class ReadBudget {
 public:
  /// `limit` bytes in all (0: no limit, and nothing is counted).
  explicit ReadBudget(std::size_t limit) : limit_(limit) {}

  /// Takes `n` bytes if they fit under the limit; false (nothing taken) if they do not.
  bool try_take(std::size_t n) {
    if (limit_ == 0 || n == 0) return true;
    std::size_t held = held_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ - held) return false;
    } while (!held_.compare_exchange_weak(held, held + n, std::memory_order_relaxed));
    return true;
  }
  /// Returns `n` bytes taken earlier.
  void give_back(std::size_t n) {
    if (limit_ != 0 && n != 0) held_.fetch_sub(n, std::memory_order_relaxed);
  }
  /// Bytes that may still be taken (SIZE_MAX without a limit).
  [[nodiscard]] std::size_t available() const {
    if (limit_ == 0) return SIZE_MAX;
    const std::size_t held = held_.load(std::memory_order_relaxed);
    return held >= limit_ ? 0 : limit_ - held;
  }
  /// Bytes taken now.
  [[nodiscard]] std::size_t held() const { return held_.load(std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> held_{0};
};

}  // namespace tp::detail
