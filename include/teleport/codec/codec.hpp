// Body codecs: how a typed value becomes a message body and back, registered by id and name.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "teleport/id_registry.hpp"
#include "teleport/status.hpp"

namespace tp {

/// eRPC's body codec ids.
namespace codec_id {
inline constexpr std::uint8_t kNone = 0;        ///< no body (error replies)
inline constexpr std::uint8_t kJson = 'j';      ///< JSON (Boost.JSON)
inline constexpr std::uint8_t kProtobuf = 'p';  ///< protocol buffers
inline constexpr std::uint8_t kPlain = 's';     ///< plain text: strings, numbers, bools
inline constexpr std::uint8_t kForm = 'f';      ///< url-encoded form
inline constexpr std::uint8_t kXml = 'x';       ///< XML (Go encoding/xml's bytes)
inline constexpr std::uint8_t kThrift = 't';    ///< Thrift binary protocol (generated structs)
}  // namespace codec_id

/// Raw body bytes: written verbatim whatever the codec id says (as Go does for []byte).
using Bytes = std::vector<std::uint8_t>;

/// A read-only reference to a value of any type, for codecs registered at run time.
class ConstValueRef {
 public:
  /// Refers to `value`.
  template <class T>
  explicit ConstValueRef(const T& value) : type_(&typeid(T)), ptr_(&value) {}
  /// The referenced value if it is a `T`, else null.
  template <class T>
  [[nodiscard]] const T* get() const noexcept {
    return *type_ == typeid(T) ? static_cast<const T*>(ptr_) : nullptr;
  }
  /// The type of the referenced value.
  [[nodiscard]] const std::type_info& type() const noexcept { return *type_; }

 private:
  const std::type_info* type_;
  const void* ptr_;
};

/// A mutable reference to a value of any type, for codecs registered at run time.
class ValueRef {
 public:
  /// Refers to `value`.
  template <class T>
  explicit ValueRef(T& value) : type_(&typeid(T)), ptr_(&value) {}
  /// The referenced value if it is a `T`, else null.
  template <class T>
  [[nodiscard]] T* get() const noexcept {
    return *type_ == typeid(T) ? static_cast<T*>(ptr_) : nullptr;
  }
  /// The type of the referenced value.
  [[nodiscard]] const std::type_info& type() const noexcept { return *type_; }

 private:
  const std::type_info* type_;
  void* ptr_;
};

/// A body codec at the byte level. A user adds one by implementing this and registering it.
class Codec {
 public:
  virtual ~Codec() = default;
  /// The id written in a message's body codec byte.
  [[nodiscard]] virtual std::uint8_t id() const noexcept = 0;
  /// The name ("json").
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Appends the encoding of `value` to `out`; an unsupported type is a 400 status.
  virtual Status marshal(ConstValueRef value, std::string& out) const = 0;
  /// Decodes `data` into `value`; malformed data or an unsupported type is a 400 status.
  virtual Status unmarshal(std::string_view data, ValueRef value) const = 0;
};

/// Codecs by id. Register at start-up, before sessions use the registry.
class CodecRegistry : public IdRegistry<Codec> {
 public:
  /// An empty registry (id 0 means "no codec" and is reserved).
  CodecRegistry() : IdRegistry("codec", true) {}
  /// The process-wide registry, holding json, protobuf, plain and form.
  static CodecRegistry& global();
};

/// The name of a codec id ("json"), looked up in the global registry; "none" for 0, "" if unknown.
std::string_view codec_name(std::uint8_t id) noexcept;
/// 400 "unsupported codec id: N", as Go eRPC words it.
Status unsupported_codec(std::uint8_t id);

}  // namespace tp
