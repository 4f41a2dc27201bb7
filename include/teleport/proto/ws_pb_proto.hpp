// WsPbProto: eRPC's WebSocket protobuf sub-protocol (Go's mixer/websocket/pbSubProto).
#pragma once

#include "teleport/proto/ws_sub_proto.hpp"

namespace tp {

/// The protobuf sub-protocol of eRPC's WebSocket mixer: each message is Go's `pb.payload`
/// (seq 1, mtype 2, serviceMethod 3, meta 4, bodyCodec 5, body 6, xfer_pipe 7). Go's payload has
/// no status: a non-OK one is written as field 8, which Go's parser keeps as an unknown field;
/// OK messages keep Go's exact bytes.
class WsPbProto final : public WsSubProto {
 public:
  /// A sub-protocol with the default limit and filters.
  WsPbProto() : WsPbProto(RawProtoOptions{}) {}
  /// A sub-protocol with the given options (size limit, filters).
  explicit WsPbProto(RawProtoOptions options) : WsSubProto(std::move(options)) {}
  /// 'p', as Go's.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'p'; }
  /// "ws-pb".
  [[nodiscard]] std::string_view name() const noexcept override { return "ws-pb"; }

 private:
  Status write_message(const Message& msg, std::string_view body, std::string& out) const override;
  Status read_message(std::string_view bytes, Message& out, std::string& body) const override;
};

}  // namespace tp
