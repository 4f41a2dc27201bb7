// The stock transfer filters.
#pragma once

#include <cstdint>
#include <memory>

#include "teleport/xfer/filter.hpp"

namespace tp {

/// Well-known filter ids (eRPC has none built in; these match its examples).
namespace xfer_id {
inline constexpr std::uint8_t kGzip = 'g';  ///< gzip, as eRPC's examples register it
inline constexpr std::uint8_t kMd5 = 'm';   ///< md5 checksum, as eRPC's examples register it
inline constexpr std::uint8_t kZstd = 'z';  ///< zstd (not in eRPC)
inline constexpr std::uint8_t kLz4 = 'l';   ///< lz4 frame (not in eRPC)
}  // namespace xfer_id

/// How a gzip filter writes and reads.
enum class GzipFlavor : std::uint8_t {
  kComplete,  ///< eRPC v7: complete gzip member with CRC32/ISIZE trailer; truncation is an error
  kV5Flush,   ///< Teleport v5: sync-flushed stream without trailer; a missing end is tolerated
};

/// A gzip filter (zlib) with the given id, level (1-9) and flavour.
std::shared_ptr<const XferFilter> make_gzip_filter(std::uint8_t id = xfer_id::kGzip, int level = 5,
                                                   GzipFlavor flavor = GzipFlavor::kComplete);
/// An md5 filter: appends the 16-byte MD5 of the payload and checks it on unpack.
std::shared_ptr<const XferFilter> make_md5_filter(std::uint8_t id = xfer_id::kMd5);
/// A zstd filter (one zstd frame); in the compress component (teleport::compress).
std::shared_ptr<const XferFilter> make_zstd_filter(std::uint8_t id = xfer_id::kZstd, int level = 3);
/// An lz4 filter (one lz4 frame); in the compress component (teleport::compress).
std::shared_ptr<const XferFilter> make_lz4_filter(std::uint8_t id = xfer_id::kLz4);

}  // namespace tp
