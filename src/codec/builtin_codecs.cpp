#include "codec/builtin_codecs.hpp"

#include <boost/core/demangle.hpp>

#include "teleport/codec/marshal.hpp"

namespace tp::detail {
namespace {

// Serves the registry path of marshal<T>: values the caller only knows as a type-erased
// reference. The typed templates resolve every other supported type at compile time.
template <std::uint8_t Id, class... Types>
class BuiltinCodec final : public Codec {
 public:
  explicit BuiltinCodec(std::string_view name) : name_(name) {}

  std::uint8_t id() const noexcept override { return Id; }
  std::string_view name() const noexcept override { return name_; }

  Status marshal(ConstValueRef value, [[maybe_unused]] std::string& out) const override {
    Status st = unsupported(value.type());
    ((value.get<Types>() ? (st = tp::marshal(Id, *value.get<Types>(), out), 0) : 0), ...);
    return st;
  }

  Status unmarshal([[maybe_unused]] std::string_view data, ValueRef value) const override {
    Status st = unsupported(value.type());
    ((value.get<Types>() ? (st = tp::unmarshal(Id, data, *value.get<Types>()), 0) : 0), ...);
    return st;
  }

 private:
  Status unsupported(const std::type_info& type) const {
    return Status::bad_message(std::string(name_) + " codec cannot handle " +
                               boost::core::demangle(type.name()));
  }

  std::string_view name_;
};

}  // namespace

std::vector<std::shared_ptr<const Codec>> builtin_codecs() {
  using Form = std::map<std::string, std::vector<std::string>>;
  return {
      std::make_shared<BuiltinCodec<codec_id::kJson, boost::json::value, std::string>>("json"),
      std::make_shared<BuiltinCodec<codec_id::kProtobuf>>("protobuf"),
      std::make_shared<BuiltinCodec<codec_id::kPlain, std::string>>("plain"),
      std::make_shared<BuiltinCodec<codec_id::kForm, Form, std::map<std::string, std::string>>>(
          "form"),
      std::make_shared<BuiltinCodec<codec_id::kXml, std::string>>("xml"),
      std::make_shared<BuiltinCodec<codec_id::kThrift>>("thrift"),
  };
}

}  // namespace tp::detail
