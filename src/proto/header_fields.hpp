// Header fields that JSONProto and PBProto carry as text: status and meta (with v5's
// X-Reply-Error), shared so that both read and write them alike.
#pragma once

#include <string>
#include <string_view>

#include "teleport/message.hpp"
#include "teleport/proto/raw_proto.hpp"

namespace tp::detail {

/// Appends the meta text to write: v5 folds a non-OK status into X-Reply-Error.
void append_meta_text(const Message& msg, RawVersion version, std::string& out);
/// Sets meta (and, for v5, the status from X-Reply-Error) from the meta text.
Status read_meta(std::string_view text, RawVersion version, Message& out);
/// Checks a message type read as a number.
Status read_msg_type(std::int64_t mtype, Message& out);

}  // namespace tp::detail
