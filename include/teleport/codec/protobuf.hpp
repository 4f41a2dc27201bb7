// The protobuf body codec ('p'): any google::protobuf::MessageLite.
#pragma once

#include <google/protobuf/message_lite.h>

#include <concepts>
#include <string>
#include <string_view>

#include "teleport/status.hpp"

namespace tp::protobuf {

/// Types the protobuf codec can write and read.
template <class T>
concept Codable = std::derived_from<T, google::protobuf::MessageLite>;

/// Appends the binary encoding of `value` to `out`.
inline Status marshal(const google::protobuf::MessageLite& value, std::string& out) {
  if (!value.AppendToString(&out))
    return Status::bad_message("protobuf marshal: missing required fields");
  return {};
}

/// Reads `value` from its binary encoding (an empty body is an empty message).
inline Status unmarshal(std::string_view data, google::protobuf::MessageLite& value) {
  if (!value.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return Status::bad_message("protobuf unmarshal: malformed " + value.GetTypeName());
  }
  return {};
}

}  // namespace tp::protobuf
