#include "teleport/xfer/filter.hpp"
#include "teleport/xfer/filters.hpp"

namespace tp {
namespace {

std::shared_ptr<XferRegistry> make_stock_registry(GzipFlavor gzip_flavor) {
  auto reg = std::make_shared<XferRegistry>();
  // Distinct ids in an empty registry: none can be refused.
  (void)reg->add(make_gzip_filter(xfer_id::kGzip, 5, gzip_flavor));
  (void)reg->add(make_md5_filter());
  return reg;
}

}  // namespace

std::shared_ptr<XferRegistry> XferRegistry::global() {
  static const auto reg = make_stock_registry(GzipFlavor::kComplete);
  return reg;
}

std::shared_ptr<XferRegistry> XferRegistry::global_v5() {
  static const auto reg = make_stock_registry(GzipFlavor::kV5Flush);
  return reg;
}

}  // namespace tp
