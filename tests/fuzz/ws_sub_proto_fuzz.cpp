// Fuzzes a WebSocket sub-protocol decoder (JSON, or protobuf with TELEPORT_FUZZ_WS_PB): a
// message either fails with 400 or decodes to a message that encodes and decodes back to the
// same fields.
#include <cstdint>
#include <cstdlib>

#include "teleport/proto/ws_json_proto.hpp"
#include "teleport/proto/ws_pb_proto.hpp"

#ifdef TELEPORT_FUZZ_WS_PB
using SubProto = tp::WsPbProto;
#else
using SubProto = tp::WsJsonProto;
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SubProto proto({.size_limit = 1 << 20});
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tp::Message m;
  const tp::DecodeResult r = proto.decode_within(text, m, 1 << 20);
  if (r.kind == tp::DecodeResult::Kind::kError) {
    if (r.status.code() != tp::code::kBadMessage) std::abort();
    return 0;
  }
  if (r.kind != tp::DecodeResult::Kind::kMessage || r.consumed != size) std::abort();
  std::string again;
  tp::Message copy = m;
  if (!proto.encode(copy, again).ok()) return 0;  // e.g. grew past the limit once re-escaped
  tp::Message back;
  if (proto.decode_within(again, back, 1 << 20).kind != tp::DecodeResult::Kind::kMessage ||
      back.seq != m.seq || back.type != m.type || back.service_method != m.service_method ||
      // An OK status is not written (Go's format has none), whatever text came with it.
      (m.status.ok() ? !back.status.ok() : !(back.status == m.status)) || !(back.meta == m.meta) ||
      back.body_codec != m.body_codec || back.body != m.body || back.xfer_pipe != m.xfer_pipe) {
    std::abort();
  }
  return 0;
}
