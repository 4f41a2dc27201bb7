// The etcd component (teleport::etcd): makes `etcd://` channel targets known.
#include "teleport/etcd.hpp"

extern "C" {
// Named by the component's link option (-u), so the linker keeps this object and runs this.
extern const int teleport_component_etcd;
const int teleport_component_etcd = [] {
  // The scheme is free in a fresh registry: the registration cannot fail.
  (void)tp::register_resolver(
      "etcd", [](const std::string& target) { return tp::etcd::make_resolver(target); });
  return 1;
}();
}
