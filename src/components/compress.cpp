// The compress component (teleport::compress): the zstd ('z') and lz4 ('l') transfer filters,
// added to the process-wide registries of v7 and v5 peers.
#include "teleport/xfer/filter.hpp"
#include "teleport/xfer/filters.hpp"

extern "C" {
// Named by the component's link option (-u), so the linker keeps this object and runs this.
// It runs before main(), when no peer reads the registries yet.
extern const int teleport_component_compress;
const int teleport_component_compress = [] {
  for (const auto& registry : {tp::XferRegistry::global(), tp::XferRegistry::global_v5()}) {
    // Ids fixed by this library and free in the stock registries: the adds cannot fail.
    (void)registry->add(tp::make_zstd_filter());
    (void)registry->add(tp::make_lz4_filter());
  }
  return 1;
}();
}
