// Canonical JSON text that keeps every number as it was written. Boost.JSON 1.81 reads a long or
// extreme decimal to a nearby double, not always the nearest, so a backend's meta written again
// from the doubles it read would change from one registration round trip to the next.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tp::etcd::detail {

/// `document` (valid JSON) written without spaces or comments, strings and keys escaped as
/// Boost.JSON writes them, and every number exactly as it was written.
std::string canonical_json(std::string_view document);

/// The same for the value of member `key` of the top-level object of `document` (the last one if
/// the key repeats); nullopt when `document` is not an object or has no such member.
std::optional<std::string> canonical_member(std::string_view document, std::string_view key);

}  // namespace tp::etcd::detail
