#include "geminio/teleport/user_plugin.hpp"

#include "geminio/teleport/wire.hpp"
#include "teleport/context.hpp"

namespace tp::geminio::teleport::detail {

namespace {
bool internal(std::string_view service_method) { return service_method.starts_with(wire::kPrefix); }
}  // namespace

Plugins UserPlugin::wrap_all(Plugins plugins) {
  for (auto& p : plugins) p = std::make_shared<UserPlugin>(std::move(p));
  return plugins;
}

Status UserPlugin::post_reg(std::string_view sm, MsgType t) {
  return internal(sm) ? Status() : inner_->post_reg(sm, t);
}
Status UserPlugin::pre_write_call(Session& s, Message& m) {
  return internal(m.service_method) ? Status() : inner_->pre_write_call(s, m);
}
Status UserPlugin::post_write_call(Session& s, const Message& m) {
  return internal(m.service_method) ? Status() : inner_->post_write_call(s, m);
}
Status UserPlugin::pre_write_push(Session& s, Message& m) {
  return internal(m.service_method) ? Status() : inner_->pre_write_push(s, m);
}
Status UserPlugin::post_write_push(Session& s, const Message& m) {
  return internal(m.service_method) ? Status() : inner_->post_write_push(s, m);
}
Status UserPlugin::post_read_call_header(Ctx& ctx) {
  return internal(ctx.service_method()) ? Status() : inner_->post_read_call_header(ctx);
}
Status UserPlugin::pre_read_call_body(Ctx& ctx) {
  return internal(ctx.service_method()) ? Status() : inner_->pre_read_call_body(ctx);
}
Status UserPlugin::post_read_call_body(Ctx& ctx) {
  return internal(ctx.service_method()) ? Status() : inner_->post_read_call_body(ctx);
}
Status UserPlugin::post_read_push_header(Ctx& ctx) {
  return internal(ctx.service_method()) ? Status() : inner_->post_read_push_header(ctx);
}
Status UserPlugin::pre_read_push_body(Ctx& ctx) {
  return internal(ctx.service_method()) ? Status() : inner_->pre_read_push_body(ctx);
}
Status UserPlugin::post_read_push_body(Ctx& ctx) {
  return internal(ctx.service_method()) ? Status() : inner_->post_read_push_body(ctx);
}

}  // namespace tp::geminio::teleport::detail
