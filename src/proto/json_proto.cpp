#include "teleport/proto/json_proto.hpp"

#include <boost/json.hpp>

#include "proto/header_fields.hpp"
#include "proto/json_text.hpp"

namespace tp {
JsonProto::JsonProto(RawProtoOptions options) : FramedProto(std::move(options)) {}

std::string_view JsonProto::name() const noexcept {
  return options().version == RawVersion::kV5 ? "json-v5" : "json";
}

bool JsonProto::first_payload_byte(unsigned char b) const { return b == '{'; }

Status JsonProto::write_payload(const Message& msg, std::string& payload) const {
  const RawVersion version = options().version;
  payload += "{\"seq\":" + std::to_string(msg.seq) +
             ",\"mtype\":" + std::to_string(static_cast<int>(msg.type)) + ",\"serviceMethod\":";
  detail::append_json_string(msg.service_method, payload);
  if (version == RawVersion::kV7) {
    payload += ",\"status\":";
    detail::append_json_string(msg.status.to_query(), payload);
  }
  payload += ",\"meta\":";
  std::string meta;
  detail::append_meta_text(msg, version, meta);
  detail::append_json_string(meta, payload);
  payload += ",\"bodyCodec\":" + std::to_string(msg.body_codec) + ",\"body\":";
  detail::append_raw_body(msg.body, payload);
  payload += '}';
  return {};
}

Status JsonProto::read_payload(std::string_view payload, Message& out) const {
  auto fail = [](std::string cause) { return Status::bad_message(std::move(cause)); };
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(payload, ec);
  if (ec || !parsed.is_object()) return fail("json proto: payload is not a JSON object");
  const auto& obj = parsed.get_object();
  auto integer = [&](const char* key, std::int64_t& value) {
    const auto* v = obj.if_contains(key);
    if (v && v->is_int64()) value = v->get_int64();
    return !v || v->is_int64();
  };
  auto text = [&](const char* key, std::string_view& value) {
    const auto* v = obj.if_contains(key);
    if (v && v->is_string()) value = v->get_string();
    return !v || v->is_string();
  };
  std::int64_t seq = 0, mtype = 0, codec = 0;
  std::string_view sm, status, meta, body;
  if (!integer("seq", seq) || !integer("mtype", mtype) || !integer("bodyCodec", codec) ||
      !text("serviceMethod", sm) || !text("status", status) || !text("meta", meta) ||
      !text("body", body)) {
    return fail("json proto: a header member has the wrong type");
  }
  if (seq < INT32_MIN || seq > INT32_MAX) return fail("json proto: seq out of int32 range");
  if (codec < 0 || codec > 255) return fail("json proto: bodyCodec out of range");
  out.seq = static_cast<std::int32_t>(seq);
  if (Status st = detail::read_msg_type(mtype, out); !st.ok()) return st;
  out.service_method.assign(sm);
  out.status = Status();
  if (options().version == RawVersion::kV7) {
    if (Status st = Status::parse_query(status, out.status); !st.ok()) return st;
  }
  if (Status st = detail::read_meta(meta, options().version, out); !st.ok()) return st;
  out.body_codec = static_cast<std::uint8_t>(codec);
  out.body.assign(body);
  return {};
}

}  // namespace tp
