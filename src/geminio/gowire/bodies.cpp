#include "geminio/gowire/bodies.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>

#include "support/base64.hpp"

namespace tp::geminio::gowire {

namespace chrono = std::chrono;
namespace json = boost::json;

namespace {

// The length of the valid UTF-8 sequence at `s[i]`, or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;
    if (c == 0xf4 && b(1) >= 0x90) return 0;
    return 4;
  }
  return 0;
}

// `s` with each invalid UTF-8 byte replaced by U+FFFD, as Go's decoder reads strings.
std::string valid_utf8(std::string_view s) {
  // ASCII, what bodies mostly hold (base64, method names), is valid as it is.
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = utf8_length(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

void append_member(std::string_view name, std::string& out) {
  if (out.size() > 1) out += ',';
  out += '"';
  out += name;
  out += "\":";
}

void append_string_member(std::string_view name, std::string_view value, std::string& out) {
  if (value.empty()) return;  // omitempty
  append_member(name, out);
  append_go_string(value, out);
}

void append_bytes_member(std::string_view name, std::string_view value, std::string& out) {
  if (value.empty()) return;  // omitempty
  append_member(name, out);
  out += '"';
  out += ::tp::detail::base64_encode(value);
  out += '"';
}

// Members read by name, as Go's decoder does.
class Reader {
 public:
  Reader(std::string_view text, std::string_view what) : what_(what) {
    json::parse_options lenient;
    lenient.allow_invalid_utf8 = true;  // Go takes such strings (as U+FFFD)
    lenient.max_depth = 4;
    boost::system::error_code ec;
    // The DOM lives in the reader's own arena: one body costs no allocation per member.
    value_ = json::parse(text, ec, json::storage_ptr(&arena_), lenient);
    if (ec || !value_.is_object()) fail("not a JSON object");
  }
  Reader(const json::object& obj, std::string_view what) : what_(what), value_(obj) {}

  void string(std::string_view key, std::string& out) {
    if (const auto* v = find(key)) {
      if (v->is_string())
        out = valid_utf8(v->get_string());
      else
        fail(std::string(key) + " is not a string");
    }
  }
  void bytes(std::string_view key, std::string& out) {
    const auto* v = find(key);
    if (!v) return;
    if (!v->is_string()) return fail(std::string(key) + " is not a string");
    const std::string_view text = v->get_string();
    if (text.empty()) return;
    auto decoded = ::tp::detail::base64_decode(text);  // (base64 is ASCII: no UTF-8 to repair)
    if (!decoded) return fail(std::string(key) + " is not base64");
    out = std::move(*decoded);
  }
  void integer(std::string_view key, std::int64_t& out) {
    if (const auto* v = find(key)) {
      if (v->is_int64())
        out = v->get_int64();
      else
        fail(std::string(key) + " is not an integer");
    }
  }
  void time(std::string_view key, GoTime& out) {
    std::string text;
    string(key, text);
    if (text.empty()) return;
    auto t = GoTime::parse(text);
    if (!t) return fail(std::string(key) + " is not an RFC 3339 time");
    out = *t;
  }
  // The object under `key` (empty if absent or null).
  json::object object(std::string_view key) {
    if (const auto* v = find(key)) {
      if (v->is_object()) return v->get_object();
      fail(std::string(key) + " is not an object");
    }
    return {};
  }
  [[nodiscard]] Status status() const { return status_; }

 private:
  const json::value* find(std::string_view key) const {
    if (!value_.is_object()) return nullptr;
    const auto* v = value_.get_object().if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }
  void fail(const std::string& why) {
    if (status_.ok()) status_ = Status::bad_message("geminio: " + std::string(what_) + ": " + why);
  }

  std::string_view what_;
  unsigned char first_block_[1024];  // the arena's first block, on the stack
  json::monotonic_resource arena_{first_block_, sizeof first_block_};
  json::value value_;
  Status status_;
};

}  // namespace

std::string GoTime::text() const {
  if (zero) return "0001-01-01T00:00:00Z";
  const auto local = utc + chrono::minutes(offset_minutes);
  const auto day = chrono::floor<chrono::days>(local);
  const chrono::year_month_day ymd(day);
  const chrono::hh_mm_ss<chrono::nanoseconds> hms(local - day);
  char buf[64];
  int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                    static_cast<int>(hms.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (auto ns = hms.subseconds().count(); ns != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(ns));
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  if (offset_minutes == 0) {
    out += 'Z';
  } else {
    const int m = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    n = std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', m / 60,
                      m % 60);
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::optional<GoTime> GoTime::parse(std::string_view s) {
  if (s == "0001-01-01T00:00:00Z") return GoTime{};
  const auto num = [&](std::size_t at, std::size_t len, int& v) {
    if (at + len > s.size()) return false;
    for (std::size_t i = at; i < at + len; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    std::from_chars(s.data() + at, s.data() + at + len, v);
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 20 || !num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' ||
      !num(8, 2, d) || (s[10] != 'T' && s[10] != 't') || !num(11, 2, h) || s[13] != ':' ||
      !num(14, 2, mi) || s[16] != ':' || !num(17, 2, sec))
    return std::nullopt;
  std::size_t i = 19;
  long long ns = 0;
  if (i < s.size() && s[i] == '.') {
    std::size_t digits = 0;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
      if (digits < 9) ns = ns * 10 + (s[i] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) ns *= 10;
  }
  int offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!num(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !num(i + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size() || y < 1678 || y > 2261 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const chrono::year_month_day ymd{chrono::year(y), chrono::month(static_cast<unsigned>(mo)),
                                   chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  const auto local = chrono::sys_days(ymd) + chrono::hours(h) + chrono::minutes(mi) +
                     chrono::seconds(sec) + chrono::nanoseconds(ns);
  return GoTime{false, local - chrono::minutes(offset), offset};
}

void append_go_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else if (n == 3 && c == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
      i += 3;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

std::string to_json(const ConnData& d) {
  std::string out = "{";
  append_bytes_member("meta", d.meta, out);
  append_string_member("error", d.error, out);
  return out + "}";
}

std::string to_json(const SessionData& d) {
  std::string out = "{";
  append_bytes_member("meta", d.meta, out);
  append_string_member("error", d.error, out);
  append_string_member("peer", d.peer, out);
  return out + "}";
}

std::string to_json(const RegisterData& d) {
  std::string out = "{";
  append_string_member("error", d.error, out);
  return out + "}";
}

std::string to_json(const MessageData& d) {
  std::string out = "{";
  append_bytes_member("key", d.key, out);
  append_bytes_member("value", d.value, out);
  append_string_member("topic", d.topic, out);
  append_bytes_member("custom", d.custom, out);
  append_string_member("error", d.error, out);
  if (d.timeout_ns != 0) {
    append_member("timeout", out);
    out += std::to_string(d.timeout_ns);
  }
  // Structs are never dropped by omitempty.
  append_member("deadline", out);
  out += '"' + d.deadline.text() + '"';
  append_member("context", out);
  out += "{\"deadline\":\"" + d.context_deadline.text() + "\"}";
  return out + "}";
}

Status from_json(std::string_view text, ConnData& out) {
  Reader r(text, "ConnData");
  out = {};
  r.bytes("meta", out.meta);
  r.string("error", out.error);
  return r.status();
}

Status from_json(std::string_view text, SessionData& out) {
  Reader r(text, "SessionData");
  out = {};
  r.bytes("meta", out.meta);
  r.string("error", out.error);
  r.string("peer", out.peer);
  return r.status();
}

Status from_json(std::string_view text, RegisterData& out) {
  Reader r(text, "RegisterData");
  out = {};
  r.string("error", out.error);
  return r.status();
}

Status from_json(std::string_view text, MessageData& out) {
  Reader r(text, "MessageData");
  out = {};
  r.bytes("key", out.key);
  r.bytes("value", out.value);
  r.string("topic", out.topic);
  r.bytes("custom", out.custom);
  r.string("error", out.error);
  r.integer("timeout", out.timeout_ns);
  r.time("deadline", out.deadline);
  Reader context(r.object("context"), "MessageData.context");
  context.time("deadline", out.context_deadline);
  if (!r.status().ok()) return r.status();
  return context.status();
}

}  // namespace tp::geminio::gowire
