// Fuzzes RawProto::decode: any bytes must give need-more, one message or a 400, never a crash;
// a decoded message must re-encode and decode to itself.
#include <cstdint>
#include <cstdlib>

#include "teleport/proto/raw_proto.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
#ifdef TELEPORT_FUZZ_V5
  static const tp::RawProto proto({.version = tp::RawVersion::kV5, .size_limit = 1 << 20});
#else
  static const tp::RawProto proto({.size_limit = 1 << 20});
#endif
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  while (!bytes.empty()) {
    tp::Message msg;
    const tp::DecodeResult r = proto.decode(bytes, msg);
    if (r.kind != tp::DecodeResult::Kind::kMessage) {
      if (r.kind == tp::DecodeResult::Kind::kError && r.status.code() != tp::code::kBadMessage) std::abort();
      break;
    }
    if (r.consumed == 0 || r.consumed > bytes.size()) std::abort();
    std::string again;
    if (proto.encode(msg, again).ok()) {
      tp::Message back;
      if (proto.decode(again, back).kind != tp::DecodeResult::Kind::kMessage) std::abort();
      back.size = msg.size;
      if (!(back.seq == msg.seq && back.type == msg.type && back.body == msg.body && back.meta == msg.meta)) {
        std::abort();
      }
    }
    bytes.remove_prefix(r.consumed);
  }
  return 0;
}
