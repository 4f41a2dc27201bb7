// The thrift component (teleport::thrift): eRPC's Thrift protocol and the Thrift body codec.
// Linking it makes "thrift" a PeerConfig::proto and a protocol detected on a shared port.
#include "teleport/proto/registry.hpp"
#include "teleport/proto/thrift_proto.hpp"

extern "C" {
// Named by the component's link option (-u), so the linker keeps this object and runs this.
extern const int teleport_component_thrift;
const int teleport_component_thrift = [] {
  // Only the first registration of the name can fail, and only if an application took it.
  (void)tp::register_proto("thrift", [](tp::RawProtoOptions options) {
    return std::make_unique<tp::ThriftProto>(std::move(options));
  });
  return 1;
}();
}
