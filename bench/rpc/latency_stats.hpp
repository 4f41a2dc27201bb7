// Latency samples and the one-line report every benchmark client prints.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace tp::bench {

/// Collects per-call latencies (microseconds) from one thread.
class LatencyStats {
 public:
  void reserve(std::size_t n) { samples_.reserve(n); }
  void add(std::chrono::steady_clock::duration d) {
    samples_.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
  }
  void add_error() { ++errors_; }
  std::size_t count() const { return samples_.size(); }
  /// Takes the samples and errors of `other`.
  void merge(const LatencyStats& other) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
    errors_ += other.errors_;
  }

  /// Prints `system=... c=... calls=... calls_per_s=... mean_us=... p50_us=... p99_us=...
  /// p999_us=... max_us=... errors=...`.
  void print(const std::string& system, int concurrency, double seconds) {
    std::sort(samples_.begin(), samples_.end());
    auto pct = [&](double p) -> std::uint32_t {
      if (samples_.empty()) return 0;
      return samples_[std::min(samples_.size() - 1,
                               static_cast<std::size_t>(p * static_cast<double>(samples_.size())))];
    };
    double mean = 0;
    for (auto s : samples_) mean += s;
    mean = samples_.empty() ? 0 : mean / static_cast<double>(samples_.size());
    std::printf(
        "system=%s c=%d calls=%zu calls_per_s=%.0f mean_us=%.0f p50_us=%u p99_us=%u p999_us=%u "
        "max_us=%u errors=%llu\n",
        system.c_str(), concurrency, samples_.size(),
        static_cast<double>(samples_.size()) / seconds, mean, pct(0.5), pct(0.99), pct(0.999),
        samples_.empty() ? 0 : samples_.back(), static_cast<unsigned long long>(errors_));
    std::fflush(stdout);
  }

 private:
  std::vector<std::uint32_t> samples_;
  std::uint64_t errors_ = 0;
};

/// This process's resident memory in KiB (VmRSS).
inline long resident_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

/// The value after `name` in `args` ("--port 80"), or `fallback`.
inline std::string arg_value(const std::vector<std::string>& args, const std::string& name,
                             const std::string& fallback) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == name) return args[i + 1];
  }
  return fallback;
}

/// Raises the open-file limit to the hard limit (many sockets).
void raise_fd_limit();

}  // namespace tp::bench
