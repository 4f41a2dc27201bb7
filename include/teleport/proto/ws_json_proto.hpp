// WsJsonProto: eRPC's WebSocket JSON sub-protocol (Go's mixer/websocket/jsonSubProto), one frame
// per WebSocket message.
#pragma once

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// The JSON sub-protocol of eRPC's WebSocket mixer. A message is one JSON object, with no length
/// prefix (the WebSocket message delimits it):
/// `{"seq":1,"mtype":1,"serviceMethod":"/a","meta":"k=v","bodyCodec":106,"body":"[1]","xferPipe":[]}`.
/// The body goes through its transfer filters first and is written raw inside the string as Go
/// writes it (see JsonProto). Go's format has no status: an error status would be lost, so a
/// non-OK one is written as one more member, `"status":"code=404&msg=..."`, after
/// serviceMethod — Go's reader looks members up by name and skips it, and every message with an
/// OK status keeps Go's exact bytes.
class WsJsonProto final : public Proto {
 public:
  /// A v7 sub-protocol with the default limit and filters.
  WsJsonProto() : WsJsonProto(RawProtoOptions{}) {}
  /// A sub-protocol with the given options (size limit, filters; the version is v7's).
  explicit WsJsonProto(RawProtoOptions options);
  /// 'j', as Go's.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'j'; }
  /// "ws-json".
  [[nodiscard]] std::string_view name() const noexcept override { return "ws-json"; }
  /// Appends `msg` as one message's text (no length prefix).
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
