// Standard base64 with padding (RFC 4648, Go's encoding for []byte in JSON), through OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tp::detail {

/// `in` as standard base64 with padding.
std::string base64_encode(std::string_view in);

/// The bytes `in` encodes, or nothing if it is not standard padded base64.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace tp::detail
