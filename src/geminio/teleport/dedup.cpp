#include <deque>
#include <mutex>
#include <unordered_map>

#include "teleport/geminio_teleport.hpp"

namespace tp::geminio::teleport {

struct DedupStore::Impl {
  struct Key {
    std::uint64_t client;
    std::uint64_t id;
    bool operator==(const Key&) const = default;
  };
  struct Hash {
    std::size_t operator()(const Key& k) const noexcept {
      return std::hash<std::uint64_t>()(k.client * 0x9e3779b97f4a7c15ULL ^ k.id);
    }
  };
  std::mutex mutex;
  std::size_t capacity;
  std::unordered_map<Key, std::optional<std::string>, Hash> seen;
  std::deque<Key> order;  // oldest first, for forgetting beyond the capacity
};

DedupStore::DedupStore(std::size_t capacity) : impl_(std::make_unique<Impl>()) {
  impl_->capacity = std::max<std::size_t>(capacity, 1);
}

DedupStore::~DedupStore() = default;

bool DedupStore::first_sight(std::uint64_t client, std::uint64_t id,
                             std::optional<std::string>& verdict) {
  std::lock_guard lock(impl_->mutex);
  const Impl::Key key{client, id};
  if (auto it = impl_->seen.find(key); it != impl_->seen.end()) {
    verdict = it->second;
    return false;
  }
  impl_->seen.emplace(key, std::nullopt);
  impl_->order.push_back(key);
  if (impl_->order.size() > impl_->capacity) {
    impl_->seen.erase(impl_->order.front());
    impl_->order.pop_front();
  }
  return true;
}

void DedupStore::record(std::uint64_t client, std::uint64_t id, std::string verdict) {
  std::lock_guard lock(impl_->mutex);
  if (auto it = impl_->seen.find({client, id}); it != impl_->seen.end())
    it->second = std::move(verdict);
}

}  // namespace tp::geminio::teleport
