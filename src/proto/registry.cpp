#include "teleport/proto/registry.hpp"

#include <map>
#include <mutex>

#include "teleport/proto/http_proto.hpp"
#include "teleport/proto/json_proto.hpp"
#include "teleport/proto/pb_proto.hpp"
#include "teleport/proto/thrift_proto.hpp"

namespace tp {
namespace {

struct Registered {
  std::mutex mutex;
  std::map<std::string, ProtoFactory, std::less<>> factories;
};

Registered& registered() {
  static Registered r;
  return r;
}

bool builtin(std::string_view name) {
  return name == "raw" || name == "json" || name == "pb" || name == "http" || name == "thrift";
}

}  // namespace

Status register_proto(std::string name, ProtoFactory factory) {
  Registered& r = registered();
  std::lock_guard lock(r.mutex);
  if (builtin(name) || r.factories.contains(name)) {
    return Status::from_code(code::kInvalidOp, "protocol " + name + " is already registered");
  }
  r.factories.emplace(std::move(name), std::move(factory));
  return {};
}

std::unique_ptr<Proto> make_proto(std::string_view name, RawProtoOptions options) {
  if (name == "raw") return std::make_unique<RawProto>(std::move(options));
  if (name == "json") return std::make_unique<JsonProto>(std::move(options));
  if (name == "pb") return std::make_unique<PbProto>(std::move(options));
  if (name == "http") return std::make_unique<HttpProto>(std::move(options));
  if (name == "thrift") return std::make_unique<ThriftProto>(std::move(options));
  Registered& r = registered();
  std::lock_guard lock(r.mutex);
  auto it = r.factories.find(name);
  return it == r.factories.end() ? nullptr : it->second(std::move(options));
}

}  // namespace tp
