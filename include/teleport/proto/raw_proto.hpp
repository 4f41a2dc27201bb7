// RawProto: Go eRPC's default binary protocol (v7), and Teleport v5.4.2's variant.
#pragma once

#include <cstdint>
#include <memory>

#include "teleport/proto/proto.hpp"
#include "teleport/xfer/filter.hpp"

namespace tp {

/// Which generation of the raw protocol to speak.
enum class RawVersion : std::uint8_t {
  kV7,  ///< eRPC v6/v7: status field after the service method
  kV5,  ///< Teleport v5.4.2: no status field; errors in meta `X-Reply-Error`
};

/// eRPC v7's default frame size limit (1 GiB, the 4 length bytes included).
inline constexpr std::uint32_t kDefaultSizeLimit = 1U << 30;

/// Options of a RawProto.
struct RawProtoOptions {
  RawVersion version = RawVersion::kV7;          ///< protocol generation
  std::uint32_t size_limit = kDefaultSizeLimit;  ///< largest frame accepted or written
  /// Transfer filters by id; null means the process-wide registry for the version.
  std::shared_ptr<const XferRegistry> filters{};
};

/// The raw protocol: `len(4) nfilters(1) ids seqlen(1) seq type(1) smlen(1) sm [statuslen(2)
/// status] metalen(2) meta codec(1) body`, byte-compatible with Go.
class RawProto final : public Proto {
 public:
  /// A v7 raw protocol with the default limit and filters.
  RawProto() : RawProto(RawProtoOptions{}) {}
  /// A raw protocol with the given options.
  explicit RawProto(RawProtoOptions options);

  /// 6 for v7, 'r' for v5 (eRPC's `Version()` values).
  [[nodiscard]] std::uint8_t id() const noexcept override;
  /// "raw" or "raw-v5".
  [[nodiscard]] std::string_view name() const noexcept override;
  /// See Proto::encode.
  Status encode(Message& msg, std::string& out) const override;
  /// See Proto::decode.
  DecodeResult decode(std::string_view bytes, Message& out) const override;
  /// See Proto::decode_within.
  DecodeResult decode_within(std::string_view bytes, Message& out,
                             std::size_t unpack_limit) const override;
  /// See Proto::probe.
  [[nodiscard]] Probe probe(std::string_view first) const override;

  /// The options in use.
  [[nodiscard]] const RawProtoOptions& options() const noexcept { return options_; }

 private:
  Status encode_payload(const Message& msg, std::string& out) const;
  Status decode_payload(std::string_view payload, Message& out) const;

  RawProtoOptions options_;
};

/// Meta key in which Teleport v5 carries a reply's error as JSON.
inline constexpr std::string_view kReplyErrorMetaKey = "X-Reply-Error";

}  // namespace tp
