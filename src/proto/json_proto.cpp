#include "teleport/proto/json_proto.hpp"

#include <boost/json.hpp>

#include "proto/framing.hpp"
#include "proto/header_fields.hpp"

namespace tp {
namespace {

void append_json_string(std::string_view text, std::string& out) {
  out += boost::json::serialize(boost::json::string_view(text));
}

// Go writes the body raw inside the string, escaping only '"'.
void append_raw_body(std::string_view body, std::string& out) {
  out += '"';
  for (char c : body) {
    if (c == '"') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

JsonProto::JsonProto(RawProtoOptions options)
    : options_(detail::with_default_filters(std::move(options))) {}

std::string_view JsonProto::name() const noexcept {
  return options_.version == RawVersion::kV5 ? "json-v5" : "json";
}

Status JsonProto::encode(Message& msg, std::string& out) const {
  auto write = [&](std::string& payload) -> Status {
    payload += "{\"seq\":" + std::to_string(msg.seq) +
               ",\"mtype\":" + std::to_string(static_cast<int>(msg.type)) + ",\"serviceMethod\":";
    append_json_string(msg.service_method, payload);
    if (options_.version == RawVersion::kV7) {
      payload += ",\"status\":";
      append_json_string(msg.status.to_query(), payload);
    }
    payload += ",\"meta\":";
    std::string meta;
    detail::append_meta_text(msg, options_.version, meta);
    append_json_string(meta, payload);
    payload += ",\"bodyCodec\":" + std::to_string(msg.body_codec) + ",\"body\":";
    append_raw_body(msg.body, payload);
    payload += '}';
    return {};
  };
  return detail::Framing(false, options_.size_limit, options_.filters.get())
      .encode(msg.xfer_pipe, write, out, msg.size);
}

DecodeResult JsonProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult JsonProto::decode_within(std::string_view bytes, Message& out,
                                      std::size_t unpack_limit) const {
  std::string_view payload;
  std::string scratch;
  DecodeResult r = detail::Framing(false, options_.size_limit, options_.filters.get())
                       .decode(bytes, out.xfer_pipe, payload, scratch, unpack_limit);
  if (r.kind != DecodeResult::Kind::kMessage) return r;
  auto fail = [](std::string cause) {
    return DecodeResult{DecodeResult::Kind::kError, 0, Status::bad_message(std::move(cause))};
  };
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
  if (Status st = detail::read_msg_type(mtype, out); !st.ok())
    return {DecodeResult::Kind::kError, 0, st};
  out.service_method.assign(sm);
  out.status = Status();
  if (options_.version == RawVersion::kV7) {
    if (Status st = Status::parse_query(status, out.status); !st.ok())
      return {DecodeResult::Kind::kError, 0, st};
  }
  if (Status st = detail::read_meta(meta, options_.version, out); !st.ok())
    return {DecodeResult::Kind::kError, 0, st};
  out.body_codec = static_cast<std::uint8_t>(codec);
  out.body.assign(body);
  out.size = static_cast<std::uint32_t>(r.consumed);
  return r;
}

}  // namespace tp
