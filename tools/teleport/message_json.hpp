// A Message as JSON for people and scripts: what `teleport decode` prints and `encode` reads.
#pragma once

#include <boost/json.hpp>

#include "teleport/message.hpp"

namespace tp::cli {

/// The message's fields; the body is shown as JSON, text or hex as its codec and bytes allow,
/// and always as `body_hex`.
boost::json::object message_to_json(const Message& msg);
/// The reverse; a missing or mistyped field is a 400 status naming it.
Status message_from_json(const boost::json::object& obj, Message& out);

}  // namespace tp::cli
