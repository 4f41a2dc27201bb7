#include "proto/ws_framed_proto.hpp"

#include "proto/byte_reader.hpp"

namespace tp::detail {

Status WsFramedProto::encode(Message& msg, std::string& out) const {
  const std::size_t start = out.size();
  out.append(4, '\0');
  if (Status st = sub_.encode(msg, out); !st.ok()) {
    out.resize(start);
    return st;
  }
  store_be32(out.data() + start, static_cast<std::uint32_t>(out.size() - start - 4));
  return {};
}

DecodeResult WsFramedProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult WsFramedProto::decode_within(std::string_view bytes, Message& out,
                                          std::size_t unpack_limit) const {
  if (bytes.size() < 4) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = std::size_t{p[0]} << 24 | std::size_t{p[1]} << 16 | std::size_t{p[2]} << 8 |
                        std::size_t{p[3]};
  // A message still arriving has the length 0xffffffff (Connection::kWsOpenFrame).
  if (n == 0xffffffff || bytes.size() - 4 < n) return {};
  DecodeResult r = sub_.decode_within(bytes.substr(4, n), out, unpack_limit);
  if (r.kind == DecodeResult::Kind::kMessage) r.consumed = 4 + n;
  return r;
}

}  // namespace tp::detail
