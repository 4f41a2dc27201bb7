// A Message as JSON for people and scripts: what `teleport decode` prints and `encode` reads.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "teleport/message.hpp"

namespace tp::cli {

/// Bytes as lowercase hex text.
std::string to_hex(std::string_view bytes);
/// Hex text (either case) to bytes; false if it is not hex.
bool from_hex(std::string_view hex, std::string& out);

/// The message's fields; the body is shown as JSON, text or hex as its codec and bytes allow,
/// and always as `body_hex`.
boost::json::object message_to_json(const Message& msg);
/// The reverse; a missing or mistyped field is a 400 status naming it.
Status message_from_json(const boost::json::object& obj, Message& out);

}  // namespace tp::cli
