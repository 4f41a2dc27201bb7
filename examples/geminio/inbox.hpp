// A thread-safe queue of received texts that a thread can wait on: what the examples' clients
// collect their messages into (handlers run on the connection's I/O thread).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace demo {

class Inbox {
 public:
  /// Adds `text` (any thread).
  void put(std::string text) {
    std::lock_guard lock(mutex_);
    texts_.push_back(std::move(text));
    ready_.notify_all();
  }
  /// The oldest text, waiting up to `timeout` (none if nothing came).
  std::optional<std::string> take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !texts_.empty(); })) return std::nullopt;
    std::string t = std::move(texts_.front());
    texts_.pop_front();
    return t;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> texts_;
};

}  // namespace demo
