// Meta: a message's ordered key/value list, url-encoded on the wire as Go eRPC does.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "teleport/status.hpp"

namespace tp {

/// Ordered metadata; a key may repeat. Keys are compared byte for byte.
class Meta {
 public:
  /// One key and its value.
  using Pair = std::pair<std::string, std::string>;

  Meta() = default;
  /// Builds from pairs, in order.
  Meta(std::initializer_list<Pair> pairs) : pairs_(pairs) {}

  /// Appends a pair, keeping any earlier value of the key.
  void add(std::string key, std::string value);
  /// Replaces the first value of `key` (dropping later ones), or appends it.
  void set(std::string_view key, std::string value);
  /// Removes every value of `key`; returns how many were removed.
  std::size_t del(std::string_view key);
  /// The first value of `key`, if any.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const;
  /// Every value of `key`, in order.
  [[nodiscard]] std::vector<std::string_view> get_all(std::string_view key) const;
  /// Calls `fn(key, value)` for each pair in order.
  void visit(const std::function<void(std::string_view, std::string_view)>& fn) const;

  /// The pairs, in order.
  [[nodiscard]] const std::vector<Pair>& pairs() const noexcept { return pairs_; }
  /// Number of pairs.
  [[nodiscard]] std::size_t size() const noexcept { return pairs_.size(); }
  /// True when there are no pairs.
  [[nodiscard]] bool empty() const noexcept { return pairs_.empty(); }
  /// Removes every pair.
  void clear() noexcept { pairs_.clear(); }

  /// Appends the wire form `k=v&k2&k3=v3` (a pair with an empty value is the bare key).
  void append_encoded(std::string& out) const;
  /// The wire form as a new string.
  [[nodiscard]] std::string encode() const;
  /// Parses the wire form; a malformed percent-escape is a 400 status.
  static Status decode(std::string_view text, Meta& out);

  /// The same pairs in the same order.
  friend bool operator==(const Meta&, const Meta&) = default;

 private:
  std::vector<Pair> pairs_;
};

/// Appends `text` escaped as Go eRPC escapes meta and status: all but [A-Za-z0-9*-._] as %XX.
void append_escaped(std::string_view text, std::string& out);

/// What a malformed percent-escape (`%`, `%4`, `%zz`) becomes when a query is parsed.
enum class BadEscapes {
  kReject,       ///< a 400 status naming the text (Go's url.ParseQuery: form bodies)
  kKeepLiteral,  ///< kept as written (Go eRPC's meta, status and service-method query)
};

/// Parses a query string `k=v&k2=v2` ('+' is a space) and calls `fn(key, value)` for each pair
/// with a non-empty key; a malformed escape is rejected with a 400 naming `what`, or kept.
Status parse_query_pairs(std::string_view text, std::string_view what,
                         const std::function<void(std::string, std::string)>& fn,
                         BadEscapes bad_escapes = BadEscapes::kReject);

}  // namespace tp
