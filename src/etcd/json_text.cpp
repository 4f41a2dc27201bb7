#include "etcd/json_text.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <vector>

namespace tp::etcd::detail {
namespace {

using boost::system::error_code;

// A Boost.JSON parser handler that writes what it reads, and notes where the value of one
// top-level member begins and ends in what it wrote.
class CanonicalWriter {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit CanonicalWriter(std::optional<std::string_view> member) : member_(member) {}

  [[nodiscard]] const std::string& text() const { return out_; }
  [[nodiscard]] std::optional<std::string> member_text() const {
    if (!member_end_) return std::nullopt;
    return out_.substr(member_begin_, *member_end_ - member_begin_);
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return open('{', false); }
  bool on_object_end(std::size_t, error_code&) { return close('}'); }
  bool on_array_begin(error_code&) { return open('[', true); }
  bool on_array_end(std::size_t, error_code&) { return close(']'); }
  bool on_key_part(std::string_view s, std::size_t, error_code&) {
    pending_ += s;
    return true;
  }
  bool on_key(std::string_view s, std::size_t, error_code&) {
    pending_ += s;
    if (!levels_.back().first) out_ += ',';
    levels_.back().first = false;
    out_ += boost::json::serialize(boost::json::string_view(pending_));
    out_ += ':';
    if (levels_.size() == 1 && member_ && pending_ == *member_) {
      in_member_ = true;
      member_begin_ = out_.size();
    }
    pending_.clear();
    return true;
  }
  bool on_string_part(std::string_view s, std::size_t, error_code&) {
    pending_ += s;
    return true;
  }
  bool on_string(std::string_view s, std::size_t, error_code&) {
    pending_ += s;
    scalar(boost::json::serialize(boost::json::string_view(pending_)));
    pending_.clear();
    return true;
  }
  bool on_number_part(std::string_view s, error_code&) {
    pending_ += s;
    return true;
  }
  bool on_int64(std::int64_t, std::string_view s, error_code&) { return number(s); }
  bool on_uint64(std::uint64_t, std::string_view s, error_code&) { return number(s); }
  bool on_double(double, std::string_view s, error_code&) { return number(s); }
  bool on_bool(bool b, error_code&) {
    scalar(b ? "true" : "false");
    return true;
  }
  bool on_null(error_code&) {
    scalar("null");
    return true;
  }
  bool on_comment_part(std::string_view, error_code&) { return true; }
  bool on_comment(std::string_view, error_code&) { return true; }

 private:
  struct Level {
    bool array;
    bool first = true;
  };

  // Before a value: a comma unless it is an array's first (an object's comes before its key).
  void before_value() {
    if (levels_.empty() || !levels_.back().array) return;
    if (!levels_.back().first) out_ += ',';
    levels_.back().first = false;
  }
  // After a value: the end of the member being noted, when it is that member's value.
  void after_value() {
    if (in_member_ && levels_.size() == 1) {
      member_end_ = out_.size();
      in_member_ = false;
    }
  }
  void scalar(std::string_view text) {
    before_value();
    out_ += text;
    after_value();
  }
  bool number(std::string_view s) {
    pending_ += s;
    scalar(pending_);
    pending_.clear();
    return true;
  }
  bool open(char c, bool array) {
    before_value();
    out_ += c;
    levels_.push_back({array});
    return true;
  }
  bool close(char c) {
    out_ += c;
    levels_.pop_back();
    after_value();
    return true;
  }

  std::optional<std::string_view> member_;
  std::string out_;
  std::string pending_;  // a key, string or number arriving in parts
  std::vector<Level> levels_;
  bool in_member_ = false;
  std::size_t member_begin_ = 0;
  std::optional<std::size_t> member_end_;
};

// Parses `document` (noting `member`); nullopt when it is not valid JSON.
std::optional<CanonicalWriter> run(std::string_view document,
                                   std::optional<std::string_view> member) {
  boost::json::basic_parser<CanonicalWriter> parser(boost::json::parse_options{}, member);
  error_code ec;
  parser.write_some(false, document.data(), document.size(), ec);
  if (ec) return std::nullopt;
  return std::move(parser.handler());
}

}  // namespace

std::string canonical_json(std::string_view document) {
  auto writer = run(document, std::nullopt);
  return writer ? writer->text() : std::string();
}

std::optional<std::string> canonical_member(std::string_view document, std::string_view key) {
  auto writer = run(document, key);
  return writer ? writer->member_text() : std::nullopt;
}

}  // namespace tp::etcd::detail
