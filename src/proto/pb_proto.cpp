#include "teleport/proto/pb_proto.hpp"

#include "pb_payload.pb.h"
#include "proto/header_fields.hpp"

namespace tp {
namespace {

// Fills a PayloadV7 or PayloadV5 (they differ only in the status field).
template <class Payload>
void fill(const Message& msg, RawVersion version, Payload& p) {
  p.set_seq(msg.seq);
  p.set_mtype(static_cast<int>(msg.type));
  p.set_service_method(msg.service_method);
  if constexpr (std::is_same_v<Payload, wire::PayloadV7>) p.set_status(msg.status.to_query());
  detail::append_meta_text(msg, version, *p.mutable_meta());
  p.set_body_codec(msg.body_codec);
  p.set_body(msg.body);
}

template <class Payload>
Status read(const Payload& p, RawVersion version, Message& out) {
  out.seq = p.seq();
  if (Status st = detail::read_msg_type(p.mtype(), out); !st.ok()) return st;
  out.service_method = p.service_method();
  out.status = Status();
  if constexpr (std::is_same_v<Payload, wire::PayloadV7>) {
    if (Status st = Status::parse_query(p.status(), out.status); !st.ok()) return st;
  }
  if (Status st = detail::read_meta(p.meta(), version, out); !st.ok()) return st;
  if (p.body_codec() < 0 || p.body_codec() > 255)
    return Status::bad_message("pb proto: body codec out of range");
  out.body_codec = static_cast<std::uint8_t>(p.body_codec());
  out.body = p.body();
  return {};
}

template <class Payload>
Status encode_as(const Message& msg, RawVersion version, std::string& out) {
  Payload p;
  fill(msg, version, p);
  if (!p.AppendToString(&out)) return Status::bad_message("pb proto: cannot serialize the header");
  return {};
}

template <class Payload>
Status decode_as(std::string_view payload, RawVersion version, Message& out) {
  Payload p;
  if (!p.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::bad_message("pb proto: payload is not a valid protobuf message");
  }
  return read(p, version, out);
}

}  // namespace

PbProto::PbProto(RawProtoOptions options) : FramedProto(std::move(options)) {}

std::string_view PbProto::name() const noexcept {
  return options().version == RawVersion::kV5 ? "pb-v5" : "pb";
}

// A serialized payload starts with field 1 (seq) or, when seq is 0, field 2 (mtype).
bool PbProto::first_payload_byte(unsigned char b) const { return b == 0x08 || b == 0x10; }

Status PbProto::write_payload(const Message& msg, std::string& payload) const {
  const RawVersion version = options().version;
  return version == RawVersion::kV5 ? encode_as<wire::PayloadV5>(msg, version, payload)
                                    : encode_as<wire::PayloadV7>(msg, version, payload);
}

Status PbProto::read_payload(std::string_view payload, Message& out) const {
  const RawVersion version = options().version;
  return version == RawVersion::kV5 ? decode_as<wire::PayloadV5>(payload, version, out)
                                    : decode_as<wire::PayloadV7>(payload, version, out);
}

}  // namespace tp
