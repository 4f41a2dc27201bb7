// The path a message is routed and counted by, taken without a copy when the service method is a
// bare path (the common case; a query or fragment goes through Boost.URL in Message::path()).
#pragma once

#include <string>
#include <string_view>

#include "teleport/message.hpp"

namespace tp::detail {

/// True when `service_method` has no query or fragment, so it is its own path. Two
/// single-character searches: find_first_of("?#") scans the set once per character.
inline bool is_bare_path(std::string_view service_method) noexcept {
  return service_method.find('?') == std::string_view::npos &&
         service_method.find('#') == std::string_view::npos;
}

/// The path of `msg`: a view of its service method when that is a bare path, else
/// Message::path() kept in `decoded` (which must outlive the view).
inline std::string_view path_of(const Message& msg, std::string& decoded) {
  if (is_bare_path(msg.service_method)) return msg.service_method;
  decoded = msg.path();
  return decoded;
}

}  // namespace tp::detail
