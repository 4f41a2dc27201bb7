#include "proto/reply_error_v5.hpp"

#include <boost/json.hpp>

namespace tp::detail {
namespace {

// Go's encoding/json escapes <, > and & (and U+2028/2029) inside strings; Boost.JSON does not.
std::string escape_like_go(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else if (json.substr(i, 3) == "\xE2\x80\xA8")
      out += "\\u2028", i += 2;
    else if (json.substr(i, 3) == "\xE2\x80\xA9")
      out += "\\u2029", i += 2;
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string reply_error_json(const Status& status) {
  boost::json::object obj;
  obj["code"] = status.code();
  if (!status.msg().empty()) obj["message"] = status.msg();
  if (!status.cause().empty()) obj["reason"] = status.cause();
  return escape_like_go(boost::json::serialize(obj));
}

Status parse_reply_error_json(std::string_view json, Status& out) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return Status::bad_message("X-Reply-Error is not a JSON object");
  const auto& obj = value.get_object();
  std::int64_t code = code::kUnknownError;
  std::string message;
  std::string reason;
  if (const auto* c = obj.if_contains("code")) {
    if (!c->is_int64() || c->get_int64() < INT32_MIN || c->get_int64() > INT32_MAX) {
      return Status::bad_message("X-Reply-Error code is not an int32");
    }
    code = c->get_int64();
  }
  if (const auto* m = obj.if_contains("message"); m && m->is_string()) message = m->get_string();
  if (const auto* r = obj.if_contains("reason"); r && r->is_string()) reason = r->get_string();
  out = reason.empty()
            ? Status(static_cast<std::int32_t>(code), std::move(message))
            : Status(static_cast<std::int32_t>(code), std::move(message), std::move(reason));
  return {};
}

}  // namespace tp::detail
