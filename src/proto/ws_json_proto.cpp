// eRPC's WebSocket JSON sub-protocol: Go's format string is
// {"seq":%d,"mtype":%d,"serviceMethod":%q,"meta":%q,"bodyCodec":%d,"body":"%s","xferPipe":%s}
// with the body passed through the transfer filters and only '"' escaped in it.
#include "teleport/proto/ws_json_proto.hpp"

#include <boost/json.hpp>

#include "proto/header_fields.hpp"
#include "proto/json_text.hpp"

namespace tp {

Status WsJsonProto::write_message(const Message& msg, std::string_view body,
                                  std::string& out) const {
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
  return {};
}

Status WsJsonProto::read_message(std::string_view bytes, Message& out, std::string& body) const {
  // Bodies are raw bytes inside a string (a gzipped one is not UTF-8): taken as they are.
  boost::json::parse_options lenient;
  lenient.allow_invalid_utf8 = true;
  lenient.max_depth = 4;  // the object and its xferPipe array; deeper is not this format
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(bytes, ec, {}, lenient);
  if (ec || !parsed.is_object()) return Status::bad_message("ws-json: not a JSON object");
  const auto& obj = parsed.get_object();
  std::string_view raw_body;
  if (Status st = detail::read_json_members(obj, "ws-json", true, RawVersion::kV7, out, raw_body);
      !st.ok()) {
    return st;
  }
  out.xfer_pipe.clear();
  if (const auto* pipe = obj.if_contains("xferPipe")) {
    if (!pipe->is_array() || pipe->get_array().size() > 255)
      return Status::bad_message("ws-json: bad xferPipe");
    for (const auto& id : pipe->get_array()) {
      if (!id.is_int64() || id.get_int64() < 0 || id.get_int64() > 255)
        return Status::bad_message("ws-json: xferPipe holds a filter id that is not a byte");
      out.xfer_pipe.push_back(static_cast<std::uint8_t>(id.get_int64()));
    }
  }
  body.assign(raw_body);
  return {};
}

}  // namespace tp
