// Writing the JSON text of eRPC's JSON frames (the JSON protocol and the WebSocket JSON
// sub-protocol): header strings, and the body written raw inside a string as Go writes it.
#pragma once

#include <string>
#include <string_view>

namespace tp::detail {

/// Appends `text` as a JSON string (quoted and escaped as JSON requires).
void append_json_string(std::string_view text, std::string& out);

/// Appends `body` inside a JSON string the way Go's eRPC does — every byte raw but '"', which is
/// escaped — and also escapes '\\' and control characters, which Go leaves raw and which would
/// make the text invalid JSON. Common bodies keep Go's exact bytes; every frame we write parses.
void append_raw_body(std::string_view body, std::string& out);

}  // namespace tp::detail
