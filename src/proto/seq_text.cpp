#include "proto/seq_text.hpp"

#include <array>
#include <charconv>

namespace tp::detail {

void append_seq_text(std::int32_t seq, std::string& out) {
  std::array<char, 16> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), seq, 36);
  out.append(buf.data(), end);
}

std::optional<std::int32_t> parse_seq_text(std::string_view text) {
  // from_chars takes a leading '-' but not '+'; Go takes both.
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') return std::nullopt;
  }
  if (text.empty() || text.front() == '+') return std::nullopt;
  std::int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 36);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace tp::detail
