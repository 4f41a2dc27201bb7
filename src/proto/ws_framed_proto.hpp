// WsFramedProto: a WebSocket sub-protocol as the session layer reads it. The connection hands
// each WebSocket message over as a 4-byte big-endian length and the message, and writes each
// frame of that shape as one message; this adapter adds and removes the length around the
// sub-protocol.
#pragma once

#include "teleport/proto/ws_sub_proto.hpp"

namespace tp::detail {

class WsFramedProto final : public Proto {
 public:
  /// Frames `sub` (which outlives this).
  explicit WsFramedProto(const WsSubProto& sub) : sub_(sub) {}
  [[nodiscard]] std::uint8_t id() const noexcept override { return sub_.id(); }
  [[nodiscard]] std::string_view name() const noexcept override { return sub_.name(); }
  Status encode(Message& msg, std::string& out) const override;
  DecodeResult decode(std::string_view bytes, Message& out) const override;
  DecodeResult decode_within(std::string_view bytes, Message& out,
                             std::size_t unpack_limit) const override;

 private:
  const WsSubProto& sub_;
};

}  // namespace tp::detail
