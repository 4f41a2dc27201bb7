// IDs as Go geminio makes them: (unix_seconds << 32) + c, where c starts at a random u32 and steps
// by 2 (packet and stream IDs, one counter per connection side), or by 1 (client IDs, one per
// process).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>

namespace tp::geminio::gowire {

inline std::uint64_t unix_seconds_high() {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return static_cast<std::uint64_t>(s) << 32;
}

/// One side's packet-ID counter for one connection.
class PacketIds {
 public:
  PacketIds() : base_(unix_seconds_high()), c_(std::random_device{}()) {}
  /// The next ID (on the connection's I/O thread).
  std::uint64_t next() {
    c_ += 2;  // u32 wrap, as Go's
    return base_ + c_;
  }

 private:
  std::uint64_t base_;
  std::uint32_t c_;
};

/// A new client ID, unique in this process.
inline std::uint64_t new_client_id() {
  static const std::uint64_t base = unix_seconds_high();
  static std::atomic<std::uint32_t> counter{0};
  return base + counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace tp::geminio::gowire
