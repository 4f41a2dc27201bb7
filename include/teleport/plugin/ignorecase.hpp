// The ignorecase plugin (eRPC's plugin/ignorecase): routes incoming calls and pushes whatever
// the case of their path ("/MATH/Add" reaches "/math/add"). The query keeps its case.
#pragma once

#include "teleport/plugin.hpp"

namespace tp::plugin {

/// Lower-cases the path of every incoming service method before routing.
class IgnoreCase final : public Plugin {
 public:
  std::string_view name() const override { return "ignorecase"; }
  /// Lower-cases the call's path.
  Status post_read_call_header(Ctx& ctx) override;
  /// Lower-cases the push's path.
  Status post_read_push_header(Ctx& ctx) override;
};

}  // namespace tp::plugin
