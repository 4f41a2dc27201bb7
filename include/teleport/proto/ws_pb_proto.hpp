// WsPbProto: eRPC's WebSocket protobuf sub-protocol (Go's mixer/websocket/pbSubProto), one frame
// per WebSocket message.
#pragma once

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// The protobuf sub-protocol of eRPC's WebSocket mixer: each message is Go's `pb.payload`
/// (seq 1, mtype 2, serviceMethod 3, meta 4, bodyCodec 5, body 6 — through its filters —,
/// xfer_pipe 7), with no length prefix. Go's payload has no status: a non-OK one is written as
/// field 8, which Go's parser keeps as an unknown field; OK messages keep Go's exact bytes.
class WsPbProto final : public Proto {
 public:
  /// A sub-protocol with the default limit and filters.
  WsPbProto() : WsPbProto(RawProtoOptions{}) {}
  /// A sub-protocol with the given options (size limit, filters; the version is v7's).
  explicit WsPbProto(RawProtoOptions options);
  /// 'p', as Go's.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'p'; }
  /// "ws-pb".
  [[nodiscard]] std::string_view name() const noexcept override { return "ws-pb"; }
  /// Appends `msg` as one message's bytes (no length prefix).
  Status encode(Message& msg, std::string& out) const override;
  /// Decodes `bytes`, one whole WebSocket message; never kNeedMore.
  DecodeResult decode(std::string_view bytes, Message& out) const override;
  /// decode() with the filters' output capped at `unpack_limit` bytes too.
  DecodeResult decode_within(std::string_view bytes, Message& out,
                             std::size_t unpack_limit) const override;

 private:
  RawProtoOptions options_;
};

}  // namespace tp
