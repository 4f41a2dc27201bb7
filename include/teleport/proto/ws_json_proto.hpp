// WsJsonProto: eRPC's WebSocket JSON sub-protocol (Go's mixer/websocket/jsonSubProto).
#pragma once

#include "teleport/proto/ws_sub_proto.hpp"

namespace tp {

/// The JSON sub-protocol of eRPC's WebSocket mixer. A message is one JSON object:
/// `{"seq":1,"mtype":1,"serviceMethod":"/a","meta":"k=v","bodyCodec":106,"body":"[1]","xferPipe":[]}`.
/// The body is written raw inside the string as Go writes it (see JsonProto). Go's format has
/// no status: a non-OK one is written as one more member, `"status":"code=404&msg=..."`, after
/// serviceMethod — Go's reader looks members up by name and skips it, and every message with an
/// OK status keeps Go's exact bytes.
class WsJsonProto final : public WsSubProto {
 public:
  /// A sub-protocol with the default limit and filters.
  WsJsonProto() : WsJsonProto(RawProtoOptions{}) {}
  /// A sub-protocol with the given options (size limit, filters).
  explicit WsJsonProto(RawProtoOptions options) : WsSubProto(std::move(options)) {}
  /// 'j', as Go's.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'j'; }
  /// "ws-json".
  [[nodiscard]] std::string_view name() const noexcept override { return "ws-json"; }

 private:
  Status write_message(const Message& msg, std::string_view body, std::string& out) const override;
  Status read_message(std::string_view bytes, Message& out, std::string& body) const override;
};

}  // namespace tp
