#include "teleport/plugin/alias.hpp"

#include "teleport/context.hpp"

namespace tp::plugin {

Status Alias::rename(Ctx& ctx) const {
  const std::string& sm = ctx.service_method();
  const std::size_t query = sm.find('?');
  auto it = aliases_.find(std::string_view(sm).substr(0, query));
  if (it == aliases_.end()) return {};
  std::string renamed = it->second;
  if (query != std::string::npos) renamed.append(sm, query);
  ctx.reset_service_method(std::move(renamed));
  return {};
}

Status Alias::post_read_call_header(Ctx& ctx) { return rename(ctx); }
Status Alias::post_read_push_header(Ctx& ctx) { return rename(ctx); }

}  // namespace tp::plugin
