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
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(payload, ec);
  if (ec || !parsed.is_object()) {
    return Status::bad_message("json proto: payload is not a JSON object");
  }
  std::string_view body;
  const RawVersion version = options().version;
  if (Status st = detail::read_json_members(parsed.get_object(), "json proto",
                                            version == RawVersion::kV7, version, out, body);
      !st.ok()) {
    return st;
  }
  out.body.assign(body);
  return {};
}

}  // namespace tp
