#include "proto/theader.hpp"

#include <optional>

#include "proto/byte_reader.hpp"

namespace tp::detail {
namespace {

constexpr std::uint32_t kBinaryProtocolId = 0;
constexpr std::uint32_t kKeyValueInfo = 1;

// An unsigned LEB128 varint of at most 32 bits.
std::optional<std::uint32_t> varint32(ByteReader& r) {
  std::uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    auto b = r.u8();
    if (!b) return std::nullopt;
    v |= static_cast<std::uint32_t>(*b & 0x7f) << shift;
    if (!(*b & 0x80)) return v;
  }
  return std::nullopt;
}

std::optional<std::string_view> varint_string(ByteReader& r) {
  auto n = varint32(r);
  if (!n) return std::nullopt;
  return r.bytes(*n);
}

}  // namespace

Status parse_theader(std::string_view frame, THeaderFrame& out) {
  auto bad = [](const char* why) { return Status::bad_message(std::string("thrift: ") + why); };
  ByteReader r(frame);
  if (!r.bytes(4)) return bad("truncated frame");
  if (r.u16() != 0x0fff) return bad("not a THeader frame");
  if (!r.u16() || !r.bytes(4)) return bad("truncated THeader");  // flags, sequence id
  auto words = r.u16();
  if (!words) return bad("truncated THeader");
  auto header = r.bytes(std::size_t{*words} * 4);
  if (!header) return bad("THeader size overruns the frame");
  out.payload = r.rest();
  ByteReader h(*header);
  auto proto_id = varint32(h);
  if (!proto_id) return bad("truncated THeader");
  if (*proto_id != kBinaryProtocolId) return bad("only the binary protocol is supported");
  auto transforms = varint32(h);
  if (!transforms) return bad("truncated THeader");
  if (*transforms != 0) return bad("THeader transforms are not supported");
  out.headers.clear();
  while (!h.rest().empty()) {
    auto info = varint32(h);
    if (!info) return bad("truncated THeader info");
    if (*info == 0) break;  // padding
    if (*info != kKeyValueInfo) return bad("unknown THeader info type");
    auto count = varint32(h);
    if (!count) return bad("truncated THeader info");
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto key = varint_string(h);
      auto value = key ? varint_string(h) : std::nullopt;
      if (!value) return bad("THeader info overruns the header");
      out.headers.emplace_back(*key, *value);
    }
  }
  return {};
}

}  // namespace tp::detail
