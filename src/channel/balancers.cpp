// The built-in balancers: round robin, least in flight, consistent hash on a key.
#include <algorithm>
#include <atomic>
#include <map>

#include "teleport/channel.hpp"
#include "teleport/meta.hpp"

namespace tp {
namespace {

class RoundRobin final : public Balancer {
 public:
  std::size_t pick(const std::vector<Candidate>& usable, std::string_view,
                   const CallOptions&) override {
    return next_++ % usable.size();
  }

 private:
  std::size_t next_ = 0;  // the channel's lock serialises picks
};

// Fewest calls in flight; among equals, the one after the last pick (so that an idle service
// still spreads its calls).
class LeastInFlight final : public Balancer {
 public:
  std::size_t pick(const std::vector<Candidate>& usable, std::string_view,
                   const CallOptions&) override {
    const std::size_t start = next_++ % usable.size();
    std::size_t best = start;
    for (std::size_t i = 1; i < usable.size(); ++i) {
      const std::size_t k = (start + i) % usable.size();
      if (usable[k].in_flight < usable[best].in_flight) best = k;
    }
    return best;
  }

 private:
  std::size_t next_ = 0;
};

// FNV-1a, 64 bits, then MurmurHash3's finalizer: stable across processes and runs, so that
// every client of a service maps a key to the same backend. Without the finalizer keys that
// differ in their last bytes ("user-1", "user-2") differ only in low bits and land together.
std::uint64_t ring_hash(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// A ring of points per backend (weight × 64); a key goes to the first point at or after its hash.
// A backend that leaves moves only its own keys.
class ConsistentHash final : public Balancer {
 public:
  explicit ConsistentHash(std::string key) : key_(std::move(key)) {}

  std::size_t pick(const std::vector<Candidate>& usable, std::string_view service_method,
                   const CallOptions& opts) override {
    rebuild_if_changed(usable);
    const std::uint64_t h = ring_hash(key_of(service_method, opts));
    auto it = ring_.lower_bound(h);
    if (it == ring_.end()) it = ring_.begin();
    return it->second;
  }

 private:
  std::string key_of(std::string_view service_method, const CallOptions& opts) const {
    if (auto v = opts.meta.get(key_)) return std::string(*v);
    if (auto q = service_method.find('?'); q != std::string_view::npos) {
      std::optional<std::string> found;
      (void)parse_query_pairs(
          service_method.substr(q + 1), "query",
          [&](std::string k, std::string v) {
            if (!found && k == key_) found = std::move(v);
          },
          BadEscapes::kKeepLiteral);
      if (found) return *found;
    }
    return std::string(service_method);
  }

  void rebuild_if_changed(const std::vector<Candidate>& usable) {
    std::vector<std::string> names;
    for (const auto& c : usable)
      names.push_back(c.backend->addr + "#" + std::to_string(c.backend->weight));
    if (names == names_) return;
    names_ = std::move(names);
    ring_.clear();
    for (std::size_t i = 0; i < usable.size(); ++i) {
      const int points = 64 * std::max(1, usable[i].backend->weight);
      for (int p = 0; p < points; ++p) {
        ring_.emplace(ring_hash(usable[i].backend->addr + "-" + std::to_string(p)), i);
      }
    }
  }

  std::string key_;
  std::vector<std::string> names_;
  std::map<std::uint64_t, std::size_t> ring_;
};

}  // namespace

std::unique_ptr<Balancer> make_balancer(std::string_view name) {
  if (name == "rr" || name == "round_robin") return std::make_unique<RoundRobin>();
  if (name == "least") return std::make_unique<LeastInFlight>();
  if (name.starts_with("hash:") && name.size() > 5)
    return std::make_unique<ConsistentHash>(std::string(name.substr(5)));
  return nullptr;
}

}  // namespace tp
