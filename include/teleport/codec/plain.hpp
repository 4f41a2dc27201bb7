// The plain body codec ('s'): strings as they are, numbers in decimal, bools as true/false.
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

#include "teleport/status.hpp"

namespace tp::plain {

/// Types the plain codec can write and read.
template <class T>
concept Codable = std::same_as<T, std::string> || std::same_as<T, bool> || std::is_arithmetic_v<T>;

/// Appends the text of `value` to `out`.
template <Codable T>
Status marshal(const T& value, std::string& out) {
  if constexpr (std::same_as<T, std::string>) {
    out += value;
  } else if constexpr (std::same_as<T, bool>) {
    out += value ? "true" : "false";
  } else {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, end);
  }
  return {};
}

/// Reads `value` from its text; an empty body leaves `value` untouched.
template <Codable T>
Status unmarshal(std::string_view data, T& value) {
  if constexpr (std::same_as<T, std::string>) {
    value.assign(data);
  } else if constexpr (std::same_as<T, bool>) {
    if (data == "true")
      value = true;
    else if (data == "false")
      value = false;
    else if (!data.empty())
      return Status::bad_message("plain unmarshal: not a bool: " + std::string(data));
  } else {
    if (data.empty()) return {};
    auto [end, ec] = std::from_chars(data.data(), data.data() + data.size(), value);
    if (ec != std::errc() || end != data.data() + data.size()) {
      return Status::bad_message("plain unmarshal: not a number: " +
                                 std::string(data.substr(0, 64)));
    }
  }
  return {};
}

}  // namespace tp::plain
