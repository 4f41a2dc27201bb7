// IdRegistry: things found by a one-byte id and by name — what the codec registry and the
// transfer filter registry share.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "teleport/status.hpp"

namespace tp {

/// Items of type T (with `id()` and `name()`) by id and by name. Not thread-safe for adds: fill
/// it before use.
template <class T>
class IdRegistry {
 public:
  /// Adds `item`; fails with 1 Invalid Operation if it is null, its id reserved, or taken.
  Status add(std::shared_ptr<const T> item) {
    if (!item) return {code::kInvalidOp, "Invalid Operation", "null " + std::string(kind_)};
    if (reserved_zero_ && item->id() == 0) {
      return {code::kInvalidOp, "Invalid Operation", std::string(kind_) + " id 0 is reserved"};
    }
    auto& slot = by_id_[item->id()];
    if (slot) {
      return {code::kInvalidOp, "Invalid Operation",
              std::string(kind_) + " id " + std::to_string(item->id()) + " is taken by " +
                  std::string(slot->name())};
    }
    slot = std::move(item);
    return {};
  }
  /// The item with this id, or null.
  [[nodiscard]] const T* find(std::uint8_t id) const noexcept { return by_id_[id].get(); }
  /// The item with this name, or null.
  [[nodiscard]] const T* find(std::string_view name) const noexcept {
    for (const auto& item : by_id_) {
      if (item && item->name() == name) return item.get();
    }
    return nullptr;
  }

 protected:
  /// `kind` names the items in errors ("codec"); `reserved_zero` keeps id 0 free.
  explicit IdRegistry(std::string_view kind, bool reserved_zero = false)
      : kind_(kind), reserved_zero_(reserved_zero) {}

 private:
  std::string_view kind_;
  bool reserved_zero_;
  std::array<std::shared_ptr<const T>, 256> by_id_{};
};

}  // namespace tp
