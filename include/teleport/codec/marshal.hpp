// Typed marshal/unmarshal through a codec chosen by id: built-in codecs are resolved at compile
// time; any other id goes to the codec registered under it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "teleport/codec/codec.hpp"
#include "teleport/codec/form.hpp"
#include "teleport/codec/json.hpp"
#include "teleport/codec/plain.hpp"
#include "teleport/codec/protobuf.hpp"
#include "teleport/codec/thrift.hpp"
#include "teleport/codec/xml.hpp"

namespace tp {

/// Appends `value` encoded with codec `codec` to `out`. `Bytes` are written verbatim.
template <class T>
Status marshal(std::uint8_t codec, const T& value, std::string& out) {
  if constexpr (std::same_as<T, Bytes>) {
    out.append(value.begin(), value.end());
    return {};
  } else {
    switch (codec) {
      case codec_id::kJson:
        if constexpr (json::Codable<T>) return json::marshal(value, out);
        break;
      case codec_id::kProtobuf:
        if constexpr (protobuf::Codable<T>) return protobuf::marshal(value, out);
        break;
      case codec_id::kPlain:
        if constexpr (plain::Codable<T>) return plain::marshal(value, out);
        break;
      case codec_id::kForm:
        if constexpr (form::Codable<T>) return form::marshal(value, out);
        break;
      case codec_id::kXml:
        if constexpr (xml::Codable<T>) return xml::marshal(value, out);
        break;
      case codec_id::kThrift:
        if constexpr (thrift::Codable<T>) return thrift::marshal(value, out);
        break;
      default:
        break;
    }
    if (const Codec* c = CodecRegistry::global().find(codec))
      return c->marshal(ConstValueRef(value), out);
    return unsupported_codec(codec);
  }
}

/// Decodes `data` (written with codec `codec`) into `value`. `Bytes` take the data verbatim.
template <class T>
Status unmarshal(std::uint8_t codec, std::string_view data, T& value) {
  if constexpr (std::same_as<T, Bytes>) {
    value.assign(data.begin(), data.end());
    return {};
  } else {
    switch (codec) {
      case codec_id::kJson:
        if constexpr (json::Codable<T>) return json::unmarshal(data, value);
        break;
      case codec_id::kProtobuf:
        if constexpr (protobuf::Codable<T>) return protobuf::unmarshal(data, value);
        break;
      case codec_id::kPlain:
        if constexpr (plain::Codable<T>) return plain::unmarshal(data, value);
        break;
      case codec_id::kForm:
        if constexpr (form::Codable<T>) return form::unmarshal(data, value);
        break;
      case codec_id::kXml:
        if constexpr (xml::Codable<T>) return xml::unmarshal(data, value);
        break;
      case codec_id::kThrift:
        if constexpr (thrift::Codable<T>) return thrift::unmarshal(data, value);
        break;
      default:
        break;
    }
    if (const Codec* c = CodecRegistry::global().find(codec))
      return c->unmarshal(data, ValueRef(value));
    return unsupported_codec(codec);
  }
}

}  // namespace tp
