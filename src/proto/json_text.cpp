#include "proto/json_text.hpp"

#include <boost/json.hpp>

#include "proto/header_fields.hpp"

namespace tp::detail {

void append_json_string(std::string_view text, std::string& out) {
  out += boost::json::serialize(boost::json::string_view(text));
}

void append_raw_body(std::string_view body, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : body) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

Status read_json_members(const boost::json::object& obj, std::string_view what, bool with_status,
                         RawVersion version, Message& out, std::string_view& body) {
  auto fail = [&](const char* cause) { return Status::bad_message(std::string(what) + cause); };
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
  std::string_view sm, status, meta;
  body = {};
  if (!integer("seq", seq) || !integer("mtype", mtype) || !integer("bodyCodec", codec) ||
      !text("serviceMethod", sm) || !text("status", status) || !text("meta", meta) ||
      !text("body", body)) {
    return fail(": a header member has the wrong type");
  }
  if (seq < INT32_MIN || seq > INT32_MAX) return fail(": seq out of int32 range");
  if (codec < 0 || codec > 255) return fail(": bodyCodec out of range");
  out.seq = static_cast<std::int32_t>(seq);
  if (Status st = read_msg_type(mtype, out); !st.ok()) return st;
  out.service_method.assign(sm);
  out.status = Status();
  if (with_status) {
    if (Status st = Status::parse_query(status, out.status); !st.ok()) return st;
  }
  if (Status st = read_meta(meta, version, out); !st.ok()) return st;
  out.body_codec = static_cast<std::uint8_t>(codec);
  return {};
}

}  // namespace tp::detail
