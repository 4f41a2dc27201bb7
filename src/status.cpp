#include "teleport/status.hpp"

#include <charconv>
#include <string>

#include "teleport/meta.hpp"

namespace tp {

std::string_view code_text(std::int32_t code) noexcept {
  switch (code) {
    case code::kOK:
      return "";
    case code::kInvalidOp:
      return "Invalid Operation";
    case code::kBadMessage:
      return "Bad Message";
    case code::kUnauthorized:
      return "Unauthorized";
    case code::kDialFailed:
      return "Dial Failed";
    case code::kWrongConn:
      return "Wrong Connection";
    case code::kConnClosed:
      return "Connection Closed";
    case code::kWriteFailed:
      return "Write Failed";
    case code::kNotFound:
      return "Not Found";
    case code::kHandleTimeout:
      return "Handle Timeout";
    case code::kMtypeNotAllowed:
      return "Message Type Not Allowed";
    case code::kInternalServerError:
      return "Internal Server Error";
    case code::kBadGateway:
      return "Bad Gateway";
    case code::kReplyDecodeFailed:
      return "Reply Decode Failed";
    default:
      return "Unknown Error";
  }
}

Status Status::from_code(std::int32_t code, std::string cause) {
  return {code, std::string(code_text(code)), std::move(cause)};
}

const std::string& Status::empty_text() noexcept {
  static const std::string empty;
  return empty;
}

void Status::delete_detail(Detail* d) noexcept { delete d; }

Status::Detail& Status::detail() {
  if (!detail_) detail_ = new Detail();
  return *detail_;
}

void Status::append_query(std::string& out) const {
  if (code_ == code::kOK && !detail_) {
    out += "code=0";  // every OK message
    return;
  }
  out += "code=";
  out += std::to_string(code_);
  if (!msg().empty()) {
    out += "&msg=";
    append_escaped(msg(), out);
  }
  if (has_cause()) {
    out += "&cause=";
    append_escaped(cause(), out);
  }
}

std::string Status::to_query() const {
  std::string out;
  append_query(out);
  return out;
}

Status Status::parse_query(std::string_view text, Status& out) {
  out = Status();
  if (text == "code=0") return {};  // every OK message Go sends
  Status bad;
  Status st = parse_query_pairs(
      text, "status",
      [&](std::string key, std::string value) {
        if (key == "code") {
          std::int32_t code = 0;
          auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), code);
          if (ec != std::errc() || end != value.data() + value.size()) {
            bad = bad_message("status code is not an int32: \"" + value + "\"");
            return;
          }
          out.code_ = code;
        } else if (key == "msg") {
          out.detail().msg = std::move(value);
        } else if (key == "cause") {
          out.detail().cause = std::move(value);
          out.detail().has_cause = true;
        }
      },
      BadEscapes::kKeepLiteral);
  return st.ok() ? bad : st;
}

std::string Status::to_string() const {
  std::string out = std::to_string(code_);
  if (!msg().empty()) out += " " + msg();
  if (!cause().empty()) out += ": " + cause();
  return out;
}

}  // namespace tp
