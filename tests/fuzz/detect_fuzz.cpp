// Fuzzes protocol detection: every registered protocol's probe() sees any first bytes; a shorter
// prefix either needs more bytes or picks the same protocol as the whole input, and the protocol
// picked decodes the bytes to need-more, a message or a 400 — never a crash.
#include <cstdint>
#include <cstdlib>

#include "teleport/proto/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tp::RawProto fallback({.size_limit = 1 << 20});
  static const tp::ProtoDetector detector({.size_limit = 1 << 20}, fallback);
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const tp::Proto* whole = detector.detect(bytes);
  for (std::size_t n = 0; n < bytes.size() && n < 16; ++n) {
    const tp::Proto* part = detector.detect(bytes.substr(0, n));
    if (part && part != whole) std::abort();
  }
  if (!whole) return 0;
  tp::Message msg;
  const tp::DecodeResult r = whole->decode(bytes, msg);
  if (r.kind == tp::DecodeResult::Kind::kError && r.status.code() != tp::code::kBadMessage)
    std::abort();
  if (r.kind == tp::DecodeResult::Kind::kMessage && (r.consumed == 0 || r.consumed > bytes.size()))
    std::abort();
  return 0;
}
