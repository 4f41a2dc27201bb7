// Writing the JSON text of eRPC's JSON frames (the JSON protocol and the WebSocket JSON
// sub-protocol): header strings, and the body written raw inside a string as Go writes it.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "teleport/message.hpp"
#include "teleport/proto/raw_proto.hpp"

namespace tp::detail {

/// Appends `text` as a JSON string (quoted and escaped as JSON requires).
void append_json_string(std::string_view text, std::string& out);

/// Appends `body` inside a JSON string the way Go's eRPC does — every byte raw but '"', which is
/// escaped — and also escapes '\\' and control characters, which Go leaves raw and which would
/// make the text invalid JSON. Common bodies keep Go's exact bytes; every frame we write parses.
void append_raw_body(std::string_view body, std::string& out);

/// Reads the members eRPC's JSON formats share from `obj` into `out`: seq, mtype, serviceMethod,
/// status (when `with_status`; absent means OK), meta and bodyCodec; `body` views the body
/// member. Absent members keep their defaults, as Go's readers do; a member of the wrong type or
/// range is a 400 whose cause starts with `what`.
Status read_json_members(const boost::json::object& obj, std::string_view what, bool with_status,
                         RawVersion version, Message& out, std::string_view& body);

}  // namespace tp::detail
