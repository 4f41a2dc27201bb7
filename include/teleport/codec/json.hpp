// The JSON body codec ('j'): Boost.JSON, with described structs and std containers.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "teleport/status.hpp"

namespace tp::json {

/// Types the JSON codec can write and read (anything Boost.JSON converts, described structs too).
template <class T>
concept Codable = boost::json::has_value_from<T>::value && boost::json::has_value_to<T>::value;

/// Appends the compact JSON of `value` to `out`.
template <Codable T>
Status marshal(const T& value, std::string& out) {
  try {
    out += boost::json::serialize(boost::json::value_from(value));
    return {};
  } catch (const boost::system::system_error& e) {
    // Its what() names Boost's source file and line: not for the remote side's eyes.
    return Status::bad_message("json marshal: " + e.code().message());
  } catch (const std::exception& e) {
    return Status::bad_message(std::string("json marshal: ") + e.what());
  }
}

/// Reads `value` from JSON text; an empty body leaves `value` untouched (Go gives a zero value).
template <Codable T>
Status unmarshal(std::string_view data, T& value) {
  if (data.empty()) return {};
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(data, ec);
  if (ec) return Status::bad_message("json unmarshal: " + ec.message());
  try {
    value = boost::json::value_to<T>(parsed);
    return {};
  } catch (const boost::system::system_error& e) {
    // Its what() names Boost's source file and line: not for the remote side's eyes.
    return Status::bad_message("json unmarshal: " + e.code().message());
  } catch (const std::exception& e) {
    return Status::bad_message(std::string("json unmarshal: ") + e.what());
  }
}

}  // namespace tp::json
