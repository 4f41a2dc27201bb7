// Teleport v5 carries a reply's error in meta `X-Reply-Error` as Go-encoded JSON.
#pragma once

#include <string>
#include <string_view>

#include "teleport/status.hpp"

namespace tp::detail {

/// `{"code":404,"message":"Not Found","reason":"..."}` as Go's encoding/json writes it.
std::string reply_error_json(const Status& status);
/// Parses the JSON back into `out`; malformed JSON is a 400 status.
Status parse_reply_error_json(std::string_view json, Status& out);

}  // namespace tp::detail
