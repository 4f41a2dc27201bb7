#include "proto/json_text.hpp"

#include <boost/json.hpp>

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

}  // namespace tp::detail
