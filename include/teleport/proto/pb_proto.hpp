// PBProto ('p'): eRPC's protobuf frame — the header fields and body as one proto3 message.
#pragma once

#include "teleport/proto/framed_proto.hpp"
#include "teleport/proto/registry.hpp"

namespace tp {

/// eRPC's protobuf protocol (v7: seq=1 mtype=2 serviceMethod=3 status=4 meta=5 bodyCodec=6
/// body=7; v5: no status, later fields shifted down by one).
class PbProto final : public FramedProto {
 public:
  /// A v7 protobuf protocol with the default limit and filters.
  PbProto() : PbProto(RawProtoOptions{}) {}
  /// A protobuf protocol with the given options (version, size limit, filters).
  explicit PbProto(RawProtoOptions options);
  /// 'p'.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'p'; }
  /// "pb" or "pb-v5".
  [[nodiscard]] std::string_view name() const noexcept override;

 private:
  Status write_payload(const Message& msg, std::string& payload) const override;
  Status read_payload(std::string_view payload, Message& out) const override;
  bool first_payload_byte(unsigned char b) const override;
};

}  // namespace tp
