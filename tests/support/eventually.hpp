// eventually(): waits for a condition that no event announces (a counter another thread bumps, a
// session the peer registers). Tests use it instead of hand-written polling loops; where an
// event exists, they wait on it (a promise) instead.
#pragma once

#include <chrono>
#include <thread>

namespace tp::test {

/// Polls `condition` every 5 ms until it holds (true) or `limit` has passed (false). The limit is
/// generous on purpose: it bounds a failure, not the time a slow sanitizer build takes.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace tp::test
