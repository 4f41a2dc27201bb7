#include "message_json.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "teleport/codec/codec.hpp"

namespace tp::cli {
namespace {

// Printable UTF-8 (tab and newlines allowed): safe to show as a JSON string.
bool is_printable_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      if (c == 0x7f) return false;
      ++i;
      continue;
    }
    const int extra = (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) >> 6) != 0x2)
        return false;
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

// The type named `name` (any case), or 0.
int msg_type_from_name(std::string_view name) {
  for (int t = 1; t <= 5; ++t) {
    const std::string_view known = msg_type_name(static_cast<MsgType>(t));
    if (known.size() == name.size() &&
        std::equal(known.begin(), known.end(), name.begin(), [](char a, char b) {
          return std::toupper(static_cast<unsigned char>(a)) ==
                 std::toupper(static_cast<unsigned char>(b));
        })) {
      return t;
    }
  }
  return 0;
}

Status missing(std::string_view field) {
  return Status::bad_message("message JSON: missing or mistyped \"" + std::string(field) + "\"");
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    for (char c : hex.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    out += static_cast<char>(value);
  }
  return true;
}

boost::json::object message_to_json(const Message& msg) {
  boost::json::object obj;
  obj["size"] = msg.size;
  boost::json::array pipe;
  for (auto id : msg.xfer_pipe) pipe.push_back(id);
  obj["xfer_pipe"] = std::move(pipe);
  obj["seq"] = msg.seq;
  obj["mtype"] = static_cast<int>(msg.type);
  obj["mtype_name"] = msg_type_name(msg.type);
  obj["service_method"] = msg.service_method;
  boost::json::object status{{"code", msg.status.code()}, {"msg", msg.status.msg()}};
  if (msg.status.has_cause()) status["cause"] = msg.status.cause();
  obj["status"] = std::move(status);
  boost::json::array meta;
  for (const auto& [k, v] : msg.meta.pairs()) meta.push_back(boost::json::array{k, v});
  obj["meta"] = std::move(meta);
  obj["body_codec"] = msg.body_codec;
  obj["body_codec_name"] = codec_name(msg.body_codec);

  boost::system::error_code ec;
  boost::json::value parsed;
  if (msg.body_codec == codec_id::kJson && !msg.body.empty())
    parsed = boost::json::parse(msg.body, ec);
  if (msg.body_codec == codec_id::kJson && !msg.body.empty() && !ec) {
    obj["body"] = std::move(parsed);
    obj["body_encoding"] = "json";
  } else if (msg.body_codec != codec_id::kProtobuf && is_printable_utf8(msg.body)) {
    obj["body"] = msg.body;
    obj["body_encoding"] = "text";
  } else {
    obj["body"] = to_hex(msg.body);
    obj["body_encoding"] = "hex";
  }
  obj["body_hex"] = to_hex(msg.body);
  return obj;
}

Status message_from_json(const boost::json::object& obj, Message& out) {
  out = Message();
  try {
    if (const auto* v = obj.if_contains("seq")) out.seq = v->to_number<std::int32_t>();
    const auto* mtype = obj.if_contains("mtype");
    if (!mtype) return missing("mtype");
    int type = 0;
    if (mtype->is_string()) {
      // eRPC's names, as decode prints them in mtype_name: "CALL", "REPLY", "PUSH", ...
      type = msg_type_from_name(mtype->as_string());
      if (type == 0) {
        return Status::bad_message("message JSON: unknown mtype \"" +
                                   std::string(mtype->as_string()) +
                                   "\" (CALL, REPLY, PUSH, AUTH_CALL or AUTH_REPLY)");
      }
    } else {
      type = mtype->to_number<int>();
    }
    if (!is_valid_msg_type(static_cast<std::uint8_t>(type)) || type > 255) return missing("mtype");
    out.type = static_cast<MsgType>(type);
    if (const auto* v = obj.if_contains("service_method")) out.service_method = v->as_string();
    if (const auto* v = obj.if_contains("status")) {
      if (v->is_string()) {
        if (auto st = Status::parse_query(v->as_string(), out.status); !st.ok()) return st;
      } else {
        const auto& s = v->as_object();
        const auto code = s.at("code").to_number<std::int32_t>();
        std::string msg = s.contains("msg") ? std::string(s.at("msg").as_string()) : std::string();
        out.status = s.contains("cause")
                         ? Status(code, std::move(msg), std::string(s.at("cause").as_string()))
                         : Status(code, std::move(msg));
      }
    }
    if (const auto* v = obj.if_contains("meta")) {
      for (const auto& pair : v->as_array()) {
        const auto& kv = pair.as_array();
        out.meta.add(std::string(kv.at(0).as_string()), std::string(kv.at(1).as_string()));
      }
    }
    if (const auto* v = obj.if_contains("xfer_pipe")) {
      for (const auto& id : v->as_array()) out.xfer_pipe.push_back(id.to_number<std::uint8_t>());
    }
    if (const auto* v = obj.if_contains("body_codec")) {
      if (v->is_string()) {
        const Codec* c = CodecRegistry::global().find(std::string_view(v->as_string()));
        if (!c)
          return Status::bad_message("message JSON: unknown codec name " +
                                     std::string(v->as_string()));
        out.body_codec = c->id();
      } else {
        out.body_codec = v->to_number<std::uint8_t>();
      }
    }
    if (const auto* hex = obj.if_contains("body_hex")) {
      if (!from_hex(hex->as_string(), out.body)) return missing("body_hex");
    } else if (const auto* body = obj.if_contains("body")) {
      const auto* enc = obj.if_contains("body_encoding");
      const std::string_view encoding = enc ? std::string_view(enc->as_string()) : "json";
      if (encoding == "hex") {
        if (!from_hex(body->as_string(), out.body)) return missing("body");
      } else if (encoding == "text") {
        out.body = body->as_string();
      } else {
        out.body = boost::json::serialize(*body);
      }
    }
  } catch (const std::exception& e) {
    return Status::bad_message(std::string("message JSON: ") + e.what());
  }
  return {};
}

}  // namespace tp::cli
