#include "teleport/proto/framed_proto.hpp"

#include "proto/framing.hpp"

namespace tp {

FramedProto::FramedProto(RawProtoOptions options)
    : options_(detail::with_default_filters(std::move(options))) {}

Status FramedProto::encode(Message& msg, std::string& out) const {
  auto write = [&](std::string& payload) { return write_payload(msg, payload); };
  return detail::Framing(false, options_.size_limit, options_.filters.get())
      .encode(msg.xfer_pipe, write, out, msg.size);
}

DecodeResult FramedProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult FramedProto::decode_within(std::string_view bytes, Message& out,
                                        std::size_t unpack_limit) const {
  std::string_view payload;
  std::string scratch;
  DecodeResult r = detail::Framing(false, options_.size_limit, options_.filters.get())
                       .decode(bytes, out.xfer_pipe, payload, scratch, unpack_limit);
  if (r.kind != DecodeResult::Kind::kMessage) return r;
  if (Status st = read_payload(payload, out); !st.ok()) return {DecodeResult::Kind::kError, 0, st};
  out.size = static_cast<std::uint32_t>(r.consumed);
  return r;
}

Probe FramedProto::probe(std::string_view first) const {
  if (first.size() < 6) return Probe::kNeedMore;
  // A filtered payload (nfilters > 0) cannot be told apart: detection leaves it to the
  // configured protocol.
  if (first[4] != 0) return Probe::kNo;
  return first_payload_byte(static_cast<unsigned char>(first[5])) ? Probe::kYes : Probe::kNo;
}

}  // namespace tp
