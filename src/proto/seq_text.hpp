// Sequence numbers as Go eRPC writes them: int32 in lowercase base 36.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tp::detail {

/// Appends `seq` in base 36 ("-" for negatives, lowercase digits).
void append_seq_text(std::int32_t seq, std::string& out);
/// Parses like Go's ParseInt(s, 36, 32): optional sign, either letter case, int32 range.
std::optional<std::int32_t> parse_seq_text(std::string_view text);

}  // namespace tp::detail
