// Fuzzes a protocol's decoder (TELEPORT_FUZZ_PROTO: raw, json, pb, http or thrift; TELEPORT_FUZZ_V5
// for v5): any bytes must give need-more, one message or a 400, never a crash; a decoded message
// must re-encode and decode to itself.
#include <cstdint>
#include <cstdlib>

#include "teleport/proto/pb_proto.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
#ifdef TELEPORT_FUZZ_V5
  constexpr auto kVersion = tp::RawVersion::kV5;
#else
  constexpr auto kVersion = tp::RawVersion::kV7;
#endif
  static const auto owned =
      tp::make_proto(TELEPORT_FUZZ_PROTO, {.version = kVersion, .size_limit = 1 << 20});
  const tp::Proto& proto = *owned;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  while (!bytes.empty()) {
    tp::Message msg;
    const tp::DecodeResult r = proto.decode(bytes, msg);
    if (r.kind != tp::DecodeResult::Kind::kMessage) {
      if (r.kind == tp::DecodeResult::Kind::kError && r.status.code() != tp::code::kBadMessage)
        std::abort();
      break;
    }
    if (r.consumed == 0 || r.consumed > bytes.size()) std::abort();
    std::string again;
#ifndef TELEPORT_FUZZ_NO_ROUNDTRIP
    if (proto.encode(msg, again).ok()) {
      tp::Message back;
      if (proto.decode(again, back).kind != tp::DecodeResult::Kind::kMessage) std::abort();
      back.size = msg.size;
      if (!(back.seq == msg.seq && back.type == msg.type && back.body == msg.body &&
            back.meta == msg.meta)) {
        std::abort();
      }
    }
#endif
    bytes.remove_prefix(r.consumed);
  }
  return 0;
}
