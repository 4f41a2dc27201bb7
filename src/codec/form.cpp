#include "teleport/codec/form.hpp"

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>

#include "teleport/meta.hpp"

namespace tp::form {
namespace {

// Go's url.QueryEscape leaves these bytes as they are and writes a space as '+'.
constexpr boost::urls::grammar::lut_chars kQueryUnescaped(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~");

void append_query_escaped(std::string_view text, std::string& out) {
  boost::urls::encoding_opts opts(/*space_as_plus=*/true);
  const std::size_t n = boost::urls::encoded_size(text, kQueryUnescaped, opts);
  const std::size_t at = out.size();
  out.resize(at + n);
  boost::urls::encode(out.data() + at, n, text, kQueryUnescaped, opts);
}

}  // namespace

void encode_pairs(Pairs pairs, std::string& out) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  bool first = true;
  for (const auto& [k, v] : pairs) {
    if (!first) out += '&';
    first = false;
    append_query_escaped(k, out);
    out += '=';
    append_query_escaped(v, out);
  }
}

Status decode_pairs(std::string_view data, Pairs& out) {
  return parse_query_pairs(data, "form body", [&](std::string k, std::string v) {
    out.emplace_back(std::move(k), std::move(v));
  });
}

}  // namespace tp::form
