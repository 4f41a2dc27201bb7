#include "teleport/plugin/ignorecase.hpp"

#include <algorithm>
#include <cctype>

#include "teleport/context.hpp"

namespace tp::plugin {
namespace {

Status lower_path(Ctx& ctx) {
  std::string sm = ctx.service_method();
  const auto path_end = std::find(sm.begin(), sm.end(), '?');
  std::transform(sm.begin(), path_end, sm.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  ctx.reset_service_method(std::move(sm));
  return {};
}

}  // namespace

Status IgnoreCase::post_read_call_header(Ctx& ctx) { return lower_path(ctx); }
Status IgnoreCase::post_read_push_header(Ctx& ctx) { return lower_path(ctx); }

}  // namespace tp::plugin
