// PBProto ('p'): eRPC's protobuf frame — the header fields and body as one proto3 message.
#pragma once

#include "teleport/proto/raw_proto.hpp"
#include "teleport/proto/registry.hpp"

namespace tp {

/// eRPC's protobuf protocol (v7: seq=1 mtype=2 serviceMethod=3 status=4 meta=5 bodyCodec=6
/// body=7; v5: no status, later fields shifted down by one).
class PbProto final : public Proto {
 public:
  /// A v7 protobuf protocol with the default limit and filters.
  PbProto() : PbProto(RawProtoOptions{}) {}
  /// A protobuf protocol with the given options (version, size limit, filters).
  explicit PbProto(RawProtoOptions options);
  /// 'p'.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'p'; }
  /// "pb" or "pb-v5".
  [[nodiscard]] std::string_view name() const noexcept override;
  /// See Proto::encode.
  Status encode(Message& msg, std::string& out) const override;
  /// See Proto::decode.
  DecodeResult decode(std::string_view bytes, Message& out) const override;
  /// See Proto::decode_within.
  DecodeResult decode_within(std::string_view bytes, Message& out,
                             std::size_t unpack_limit) const override;

 private:
  RawProtoOptions options_;
};

}  // namespace tp
