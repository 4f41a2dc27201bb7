// Reading a Thrift THeader frame's envelope: its info headers and its payload. Done here, with
// bounds checks, because libthrift 0.17's THeaderTransport over-reads on malformed headers.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "teleport/status.hpp"

namespace tp::detail {

/// A THeader frame split into its parts (views into the frame).
struct THeaderFrame {
  std::vector<std::pair<std::string_view, std::string_view>> headers;  ///< key-value info headers
  std::string_view payload;  ///< the protocol message after the header
};

/// Splits a whole frame (`len(4) 0x0fff flags(2) seq(4) hlen/4(2) header payload`) that
/// carries the binary protocol without transforms; anything else is a 400 with the reason.
Status parse_theader(std::string_view frame, THeaderFrame& out);

}  // namespace tp::detail
