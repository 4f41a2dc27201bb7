// Transfer filters: byte transforms of a frame's payload (gzip, md5, ...), registered by id.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "teleport/id_registry.hpp"
#include "teleport/status.hpp"

namespace tp {

/// A transfer filter. Implementations are stateless and safe to share between threads.
class XferFilter {
 public:
  virtual ~XferFilter() = default;
  /// The id written in a frame's pipe.
  [[nodiscard]] virtual std::uint8_t id() const noexcept = 0;
  /// A name for logs and tools ("gzip").
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Writes the filtered form of `in` to `out` (replacing its content).
  virtual Status pack(std::string_view in, std::string& out) const = 0;
  /// Undoes pack: writes the original of `in` to `out`; fails with 400 if `in` is malformed or
  /// the result would exceed `max_size` bytes (nothing larger is ever allocated).
  virtual Status unpack(std::string_view in, std::string& out, std::size_t max_size) const = 0;
};

/// Filters by id. Register at start-up, before sessions use the registry.
class XferRegistry : public IdRegistry<XferFilter> {
 public:
  /// An empty registry.
  XferRegistry() : IdRegistry("xfer filter") {}

  /// The process-wide registry for eRPC v7 peers: 'g' gzip (level 5), 'm' md5; 'z' zstd and
  /// 'l' lz4 when the compress component (teleport::compress) is linked.
  static std::shared_ptr<XferRegistry> global();
  /// The process-wide registry for Teleport v5 peers: as global() but with v5's gzip flavour.
  static std::shared_ptr<XferRegistry> global_v5();
};

}  // namespace tp
