#include "teleport/proto/ws_pb_proto.hpp"

#include "pb_payload.pb.h"
#include "proto/framing.hpp"
#include "proto/header_fields.hpp"

namespace tp {

WsPbProto::WsPbProto(RawProtoOptions options)
    : options_(detail::with_default_filters(std::move(options))) {
  options_.version = RawVersion::kV7;
}

Status WsPbProto::encode(Message& msg, std::string& out) const {
  auto fail = [](const std::string& cause) { return Status::from_code(code::kWriteFailed, cause); };
  if (msg.xfer_pipe.size() > 255) return fail("xfer pipe longer than 255 filters");
  wire::WsPayload p;
  p.set_seq(msg.seq);
  p.set_mtype(static_cast<int>(msg.type));
  p.set_service_method(msg.service_method);
  detail::append_meta_text(msg, RawVersion::kV7, *p.mutable_meta());
  p.set_body_codec(msg.body_codec);
  std::string& body = *p.mutable_body();
  body = msg.body;
  if (!msg.xfer_pipe.empty()) {
    if (Status st = detail::pack_filters(*options_.filters, msg.xfer_pipe, body); !st.ok())
      return fail(st.cause());
    p.mutable_xfer_pipe()->assign(msg.xfer_pipe.begin(), msg.xfer_pipe.end());
  }
  if (!msg.status.ok()) p.set_status(msg.status.to_query());
  const std::size_t size = p.ByteSizeLong();
  if (size > options_.size_limit) {
    return fail("size of package exceeds limit: " + std::to_string(size) + " > " +
                std::to_string(options_.size_limit));
  }
  if (!p.AppendToString(&out)) return fail("ws-pb: cannot serialize the payload");
  msg.size = static_cast<std::uint32_t>(size);
  return {};
}

DecodeResult WsPbProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult WsPbProto::decode_within(std::string_view bytes, Message& out,
                                      std::size_t unpack_limit) const {
  auto fail = [](Status st) { return DecodeResult{DecodeResult::Kind::kError, 0, std::move(st)}; };
  if (bytes.size() > options_.size_limit) {
    return fail(Status::bad_message("ws-pb: message of " + std::to_string(bytes.size()) +
                                    " bytes exceeds the limit of " +
                                    std::to_string(options_.size_limit)));
  }
  wire::WsPayload p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Status::bad_message("ws-pb: not a valid protobuf payload"));
  }
  if (p.body_codec() < 0 || p.body_codec() > 255) {
    return fail(Status::bad_message("ws-pb: body codec out of range"));
  }
  if (p.xfer_pipe().size() > 255) return fail(Status::bad_message("ws-pb: xfer pipe too long"));
  out.seq = p.seq();
  if (Status st = detail::read_msg_type(p.mtype(), out); !st.ok()) return fail(std::move(st));
  out.service_method = p.service_method();
  out.status = Status();
  if (Status st = Status::parse_query(p.status(), out.status); !st.ok()) return fail(std::move(st));
  if (Status st = detail::read_meta(p.meta(), RawVersion::kV7, out); !st.ok())
    return fail(std::move(st));
  out.body_codec = static_cast<std::uint8_t>(p.body_codec());
  out.xfer_pipe.assign(p.xfer_pipe().begin(), p.xfer_pipe().end());
  std::string_view plain = p.body();
  std::string scratch;
  if (!out.xfer_pipe.empty()) {
    const std::size_t cap = std::min<std::size_t>(options_.size_limit, unpack_limit);
    if (Status st = detail::unpack_filters(*options_.filters, out.xfer_pipe, cap, plain, scratch);
        !st.ok()) {
      return fail(Status::bad_message(st.cause()));
    }
  }
  out.body.assign(plain);
  out.size = static_cast<std::uint32_t>(bytes.size());
  return {DecodeResult::Kind::kMessage, bytes.size(), {}};
}

}  // namespace tp
