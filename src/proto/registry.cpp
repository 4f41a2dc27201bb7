#include "teleport/proto/registry.hpp"

#include <algorithm>
#include <mutex>

#include "teleport/proto/http_proto.hpp"
#include "teleport/proto/json_proto.hpp"
#include "teleport/proto/pb_proto.hpp"

namespace tp {
namespace {

template <class P>
std::unique_ptr<Proto> build(RawProtoOptions options) {
  return std::make_unique<P>(std::move(options));
}

struct Entry {
  std::string name;
  ProtoFactory factory;
};

// The registry, in detection order: HTTP's text is unambiguous, then the framed protocols by
// their first payload byte, then what components (thrift: THeader's magic, which no framed
// protocol claims) and applications register.
struct Registry {
  std::mutex mutex;
  std::vector<Entry> entries{{"http", build<HttpProto>},
                             {"json", build<JsonProto>},
                             {"pb", build<PbProto>},
                             {"raw", build<RawProto>}};

  const Entry* find(std::string_view name) const {
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const Entry& e) { return e.name == name; });
    return it == entries.end() ? nullptr : &*it;
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

Status register_proto(std::string name, ProtoFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (r.find(name)) {
    return Status::from_code(code::kInvalidOp, "protocol " + name + " is already registered");
  }
  r.entries.push_back({std::move(name), std::move(factory)});
  return {};
}

std::unique_ptr<Proto> make_proto(std::string_view name, RawProtoOptions options) {
  ProtoFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    const Entry* e = r.find(name);
    if (!e) return nullptr;
    factory = e->factory;
  }
  return factory(std::move(options));
}

ProtoDetector::ProtoDetector(const RawProtoOptions& options, const Proto& fallback)
    : fallback_(&fallback) {
  std::vector<ProtoFactory> factories;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (const Entry& e : r.entries) factories.push_back(e.factory);
  }
  for (const auto& factory : factories) {
    if (auto proto = factory(options)) protos_.push_back(std::move(proto));
  }
}

const Proto* ProtoDetector::detect(std::string_view first) const {
  for (const auto& proto : protos_) {
    switch (proto->probe(first)) {
      case Probe::kYes:
        return proto.get();
      case Probe::kNeedMore:
        return nullptr;
      case Probe::kNo:
        break;
    }
  }
  return fallback_;
}

}  // namespace tp
