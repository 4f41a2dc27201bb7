#include "teleport/plugin/proxy.hpp"

#include "teleport/peer.hpp"

namespace tp::plugin {
namespace {

ProxyLabel label_of(const Ctx& ctx) {
  return {ctx.session().id(), ctx.real_ip(), ctx.service_method()};
}

// The incoming message's meta, codec, pipe and real IP, for the forwarded one.
CallOptions forwarded_options(const Ctx& ctx) {
  CallOptions opts;
  opts.meta = ctx.meta();
  opts.body_codec = ctx.input().body_codec;
  opts.xfer_pipe = ctx.input().xfer_pipe;
  opts.real_ip = ctx.real_ip();
  return opts;
}

}  // namespace

Status Proxy::post_new_peer(Peer& peer) {
  // Runs on the incoming session's I/O thread; the reply arrives on the target's, and `done`
  // takes the result back to the incoming session.
  peer.router().set_unknown_call_async(
      [forwarder = forwarder_](Ctx& ctx, std::function<void(Status)> done) {
        std::shared_ptr<Session> target = forwarder(label_of(ctx));
        if (!target) {
          done(Status::from_code(code::kNotFound, "no forwarder for " + ctx.path()));
          return;
        }
        target->call_raw(ctx.service_method(), ctx.input().body_codec, ctx.input().body,
                         forwarded_options(ctx), [&ctx, done](Message& reply) {
                           if (reply.status.ok()) {
                             ctx.reply_meta() = reply.meta;
                             ctx.set_reply_raw(reply.body_codec, std::move(reply.body));
                           }
                           done(reply.status);
                         });
      });
  peer.router().set_unknown_push([forwarder = forwarder_](Ctx& ctx) -> Status {
    std::shared_ptr<Session> target = forwarder(label_of(ctx));
    if (!target) return Status::from_code(code::kNotFound, "no forwarder for " + ctx.path());
    return target->push_raw(ctx.service_method(), ctx.input().body_codec, ctx.input().body,
                            forwarded_options(ctx));
  });
  return {};
}

}  // namespace tp::plugin
