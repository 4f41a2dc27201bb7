#include "teleport/plugin.hpp"

#include <algorithm>
#include <cctype>

namespace tp {

std::string_view WsHandshake::header(std::string_view name) const {
  const auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  for (const auto& [key, value] : headers) {
    if (std::ranges::equal(key, name, same)) return value;
  }
  return {};
}

}  // namespace tp

namespace tp::detail {

Status hook_threw(const char* what) {
  return Status::from_code(code::kInternalServerError, std::string("plugin hook threw: ") + what);
}

}  // namespace tp::detail
