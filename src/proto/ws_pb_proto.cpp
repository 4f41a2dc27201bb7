#include "teleport/proto/ws_pb_proto.hpp"

#include "pb_payload.pb.h"
#include "proto/header_fields.hpp"

namespace tp {

Status WsPbProto::write_message(const Message& msg, std::string_view body, std::string& out) const {
  wire::WsPayload p;
  p.set_seq(msg.seq);
  p.set_mtype(static_cast<int>(msg.type));
  p.set_service_method(msg.service_method);
  detail::append_meta_text(msg, RawVersion::kV7, *p.mutable_meta());
  p.set_body_codec(msg.body_codec);
  p.set_body(std::string(body));
  p.mutable_xfer_pipe()->assign(msg.xfer_pipe.begin(), msg.xfer_pipe.end());
  if (!msg.status.ok()) p.set_status(msg.status.to_query());
  if (!p.AppendToString(&out)) return Status::bad_message("ws-pb: cannot serialize the payload");
  return {};
}

Status WsPbProto::read_message(std::string_view bytes, Message& out, std::string& body) const {
  wire::WsPayload p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return Status::bad_message("ws-pb: not a valid protobuf payload");
  if (p.body_codec() < 0 || p.body_codec() > 255)
    return Status::bad_message("ws-pb: body codec out of range");
  out.seq = p.seq();
  if (Status st = detail::read_msg_type(p.mtype(), out); !st.ok()) return st;
  out.service_method = p.service_method();
  out.status = Status();
  if (Status st = Status::parse_query(p.status(), out.status); !st.ok()) return st;
  if (Status st = detail::read_meta(p.meta(), RawVersion::kV7, out); !st.ok()) return st;
  out.body_codec = static_cast<std::uint8_t>(p.body_codec());
  out.xfer_pipe.assign(p.xfer_pipe().begin(), p.xfer_pipe().end());
  body = std::move(*p.mutable_body());
  return {};
}

}  // namespace tp
