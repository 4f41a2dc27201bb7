// The built-in codecs as registry entries, for callers that know a codec only by id or name.
#pragma once

#include <memory>
#include <vector>

#include "teleport/codec/codec.hpp"

namespace tp::detail {

/// json, protobuf, plain and form as byte-level codecs.
std::vector<std::shared_ptr<const Codec>> builtin_codecs();

}  // namespace tp::detail
