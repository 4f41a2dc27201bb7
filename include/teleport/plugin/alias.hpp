// The alias plugin: other names for routes. A call or push to an alias path is routed to the
// path it stands for; the query is kept.
#pragma once

#include <map>
#include <string>

#include "teleport/plugin.hpp"

namespace tp::plugin {

/// Renames incoming service methods by path before routing: {"/add", "/math/add"}.
class Alias final : public Plugin {
 public:
  /// Alias path → the registered path it stands for.
  explicit Alias(std::map<std::string, std::string, std::less<>> aliases)
      : aliases_(std::move(aliases)) {}
  std::string_view name() const override { return "alias"; }
  /// Rewrites a call to an alias.
  Status post_read_call_header(Ctx& ctx) override;
  /// Rewrites a push to an alias.
  Status post_read_push_header(Ctx& ctx) override;

 private:
  Status rename(Ctx& ctx) const;
  std::map<std::string, std::string, std::less<>> aliases_;
};

}  // namespace tp::plugin
