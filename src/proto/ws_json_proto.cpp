// eRPC's WebSocket JSON sub-protocol: Go's format string is
// {"seq":%d,"mtype":%d,"serviceMethod":%q,"meta":%q,"bodyCodec":%d,"body":"%s","xferPipe":%s}
// with the body passed through the transfer filters and only '"' escaped in it.
#include "teleport/proto/ws_json_proto.hpp"

#include <boost/json.hpp>

#include "proto/framing.hpp"
#include "proto/header_fields.hpp"
#include "proto/json_text.hpp"

namespace tp {

WsJsonProto::WsJsonProto(RawProtoOptions options)
    : options_(detail::with_default_filters(std::move(options))) {
  options_.version = RawVersion::kV7;
}

Status WsJsonProto::encode(Message& msg, std::string& out) const {
  auto fail = [](const std::string& cause) { return Status::from_code(code::kWriteFailed, cause); };
  if (msg.xfer_pipe.size() > 255) return fail("xfer pipe longer than 255 filters");
  std::string body = msg.body;
  if (!msg.xfer_pipe.empty()) {
    if (Status st = detail::pack_filters(*options_.filters, msg.xfer_pipe, body); !st.ok())
      return fail(st.cause());
  }
  const std::size_t start = out.size();
  out += "{\"seq\":" + std::to_string(msg.seq) +
         ",\"mtype\":" + std::to_string(static_cast<int>(msg.type)) + ",\"serviceMethod\":";
  detail::append_json_string(msg.service_method, out);
  if (!msg.status.ok()) {
    out += ",\"status\":";
    detail::append_json_string(msg.status.to_query(), out);
  }
  out += ",\"meta\":";
  std::string meta;
  detail::append_meta_text(msg, RawVersion::kV7, meta);
  detail::append_json_string(meta, out);
  out += ",\"bodyCodec\":" + std::to_string(msg.body_codec) + ",\"body\":";
  detail::append_raw_body(body, out);
  out += ",\"xferPipe\":[";
  for (std::size_t i = 0; i < msg.xfer_pipe.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(msg.xfer_pipe[i]);
  }
  out += "]}";
  const std::size_t size = out.size() - start;
  if (size > options_.size_limit) {
    out.resize(start);
    return fail("size of package exceeds limit: " + std::to_string(size) + " > " +
                std::to_string(options_.size_limit));
  }
  msg.size = static_cast<std::uint32_t>(size);
  return {};
}

DecodeResult WsJsonProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult WsJsonProto::decode_within(std::string_view bytes, Message& out,
                                        std::size_t unpack_limit) const {
  auto fail = [](std::string cause) {
    return DecodeResult{DecodeResult::Kind::kError, 0,
                        Status::bad_message("ws-json: " + std::move(cause))};
  };
  if (bytes.size() > options_.size_limit) {
    return fail("message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                std::to_string(options_.size_limit));
  }
  // Bodies are raw bytes inside a string (a gzipped one is not UTF-8): taken as they are.
  boost::json::parse_options lenient;
  lenient.allow_invalid_utf8 = true;
  lenient.max_depth = 4;  // the object and its xferPipe array; deeper is not this format
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(bytes, ec, {}, lenient);
  if (ec || !parsed.is_object()) return fail("not a JSON object");
  const auto& obj = parsed.get_object();
  auto integer = [&](const char* key, std::int64_t& value) {
    const auto* v = obj.if_contains(key);
    if (v && v->is_int64()) value = v->get_int64();
    if (v && v->is_uint64()) return false;  // past int64: out of every field's range
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
    return fail("a member has the wrong type");
  }
  if (seq < INT32_MIN || seq > INT32_MAX) return fail("seq out of int32 range");
  if (codec < 0 || codec > 255) return fail("bodyCodec out of range");
  out.xfer_pipe.clear();
  if (const auto* pipe = obj.if_contains("xferPipe")) {
    if (!pipe->is_array() || pipe->get_array().size() > 255) return fail("bad xferPipe");
    for (const auto& id : pipe->get_array()) {
      if (!id.is_int64() || id.get_int64() < 0 || id.get_int64() > 255)
        return fail("xferPipe holds a filter id that is not a byte");
      out.xfer_pipe.push_back(static_cast<std::uint8_t>(id.get_int64()));
    }
  }
  out.seq = static_cast<std::int32_t>(seq);
  if (Status st = detail::read_msg_type(mtype, out); !st.ok())
    return {DecodeResult::Kind::kError, 0, st};
  out.service_method.assign(sm);
  out.status = Status();
  if (Status st = Status::parse_query(status, out.status); !st.ok())
    return {DecodeResult::Kind::kError, 0, st};
  if (Status st = detail::read_meta(meta, RawVersion::kV7, out); !st.ok())
    return {DecodeResult::Kind::kError, 0, st};
  out.body_codec = static_cast<std::uint8_t>(codec);
  std::string_view plain = body;
  std::string scratch;
  if (!out.xfer_pipe.empty()) {
    const std::size_t cap = std::min<std::size_t>(options_.size_limit, unpack_limit);
    if (Status st = detail::unpack_filters(*options_.filters, out.xfer_pipe, cap, plain, scratch);
        !st.ok()) {
      return {DecodeResult::Kind::kError, 0, Status::bad_message(st.cause())};
    }
  }
  out.body.assign(plain);
  out.size = static_cast<std::uint32_t>(bytes.size());
  return {DecodeResult::Kind::kMessage, bytes.size(), {}};
}

}  // namespace tp
