#include "teleport/meta.hpp"

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/pct_string_view.hpp>

namespace tp {
namespace {

// The bytes Go eRPC leaves unescaped in meta and status text.
constexpr boost::urls::grammar::lut_chars kUnescaped(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._");

}  // namespace

void Meta::add(std::string key, std::string value) {
  pairs_.emplace_back(std::move(key), std::move(value));
}

void Meta::set(std::string_view key, std::string value) {
  auto first =
      std::find_if(pairs_.begin(), pairs_.end(), [&](const Pair& p) { return p.first == key; });
  if (first == pairs_.end()) {
    pairs_.emplace_back(std::string(key), std::move(value));
    return;
  }
  first->second = std::move(value);
  pairs_.erase(
      std::remove_if(std::next(first), pairs_.end(), [&](const Pair& p) { return p.first == key; }),
      pairs_.end());
}

std::size_t Meta::del(std::string_view key) {
  return std::erase_if(pairs_, [&](const Pair& p) { return p.first == key; });
}

std::optional<std::string_view> Meta::get(std::string_view key) const {
  for (const auto& [k, v] : pairs_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::string_view> Meta::get_all(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : pairs_) {
    if (k == key) out.emplace_back(v);
  }
  return out;
}

void Meta::visit(const std::function<void(std::string_view, std::string_view)>& fn) const {
  for (const auto& [k, v] : pairs_) fn(k, v);
}

void Meta::append_encoded(std::string& out) const {
  bool first = true;
  for (const auto& [k, v] : pairs_) {
    if (!first) out += '&';
    first = false;
    append_escaped(k, out);
    if (!v.empty()) {
      out += '=';
      append_escaped(v, out);
    }
  }
}

std::string Meta::encode() const {
  std::string out;
  append_encoded(out);
  return out;
}

Status Meta::decode(std::string_view text, Meta& out) {
  out.clear();
  if (text.empty()) return {};  // most frames carry no metadata: no parser set up per frame
  return parse_query_pairs(
      text, "meta",
      [&](std::string key, std::string value) {
        out.pairs_.emplace_back(std::move(key), std::move(value));
      },
      BadEscapes::kKeepLiteral);
}

void append_escaped(std::string_view text, std::string& out) {
  const std::size_t n = boost::urls::encoded_size(text, kUnescaped);
  const std::size_t at = out.size();
  out.resize(at + n);
  boost::urls::encode(out.data() + at, n, text, kUnescaped);
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go eRPC's meta reader (fasthttp's Args): `%XX` decodes, `+` is a space, and a `%` not followed by
// two hex digits stays as it is. Boost.URL has no such mode (it refuses the whole part), hence
// this loop.
void decode_keeping_bad_escapes(std::string_view part, std::string& out) {
  out.clear();
  out.reserve(part.size());
  for (std::size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < part.size() && hex_value(part[i + 1]) >= 0 &&
               hex_value(part[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(part[i + 1]) * 16 + hex_value(part[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
}

}  // namespace

Status parse_query_pairs(std::string_view text, std::string_view what,
                         const std::function<void(std::string, std::string)>& fn,
                         BadEscapes bad_escapes) {
  // Boost.URL 1.81's params iterator reads past the end of a view that is not the end of its
  // buffer (a frame's meta is followed by the body), so we split on '&' and '=' here and let
  // Boost.URL validate and decode each part.
  const boost::urls::encoding_opts plus_is_space(/*space_as_plus=*/true);
  auto decode = [&](std::string_view part, std::string& out) -> Status {
    auto pct = boost::urls::make_pct_string_view(part);
    if (!pct && bad_escapes == BadEscapes::kKeepLiteral) {
      decode_keeping_bad_escapes(part, out);
      return {};
    }
    if (!pct) {
      return Status::bad_message("bad percent-encoding in " + std::string(what) + ": " +
                                 pct.error().message());
    }
    pct->decode(plus_is_space, boost::urls::string_token::assign_to(out));
    return {};
  };
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    const std::string_view raw_key = pair.substr(0, eq);
    if (raw_key.empty()) continue;
    std::string key;
    std::string value;
    if (auto st = decode(raw_key, key); !st.ok()) return st;
    if (eq != std::string_view::npos) {
      if (auto st = decode(pair.substr(eq + 1), value); !st.ok()) return st;
    }
    fn(std::move(key), std::move(value));
  }
  return {};
}

}  // namespace tp
