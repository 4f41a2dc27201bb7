// Typed calls built on a raw call: encoding the argument, decoding the reply (a body that does not
// decode is the local 103) and waiting for it. What Session and Channel share.
#pragma once

#include <concepts>
#include <future>
#include <memory>
#include <string>

#include "teleport/codec/marshal.hpp"
#include "teleport/message.hpp"
#include "teleport/status.hpp"

namespace tp {

/// A completion a typed async call accepts: `(Status, Out)` or `(Status, Out, const Message&)`.
template <class F, class Out>
concept ReplyHandler =
    std::invocable<F&, Status, Out> || std::invocable<F&, Status, Out, const Message&>;

/// \cond INTERNAL
namespace detail {

// Decodes a successful reply's body into `out`; failure is the local 103, with the cause.
template <class Out>
Status decode_reply(const Message& reply, Out& out) {
  Status st = unmarshal(reply.body_codec, reply.body, out);
  if (st.ok()) return st;
  return Status::from_code(code::kReplyDecodeFailed, st.has_cause() ? st.cause() : st.msg());
}

// Calls `done` with the arguments it takes.
template <class Out, class F>
void deliver(F& done, Status st, Out out, const Message& reply) {
  if constexpr (std::invocable<F&, Status, Out, const Message&>) {
    done(std::move(st), std::move(out), reply);
  } else {
    done(std::move(st), std::move(out));
  }
}

// Encodes `arg` with `codec` and starts `call_raw(body, on_reply)`; `done` gets the decoded
// reply, or the encoding's failure at once.
template <class Out, class Arg, class F, class CallRaw>
void typed_call(std::uint8_t codec, const Arg& arg, F done, CallRaw call_raw) {
  std::string body;
  if (Status st = marshal(codec, arg, body); !st.ok()) {
    deliver<Out>(done, std::move(st), Out{}, Message{});
    return;
  }
  // Raw callbacks are std::functions, which need a copyable callable.
  auto shared = std::make_shared<F>(std::move(done));
  call_raw(std::move(body), [shared](Message& reply) {
    Out out{};
    Status st = reply.status;
    if (st.ok()) st = decode_reply(reply, out);
    deliver<Out>(*shared, std::move(st), std::move(out), reply);
  });
}

// Starts an async call through `start(done)` and waits for its result; the reply's meta goes
// to `reply_meta` when given.
template <class Out, class Start>
Result<Out> wait_for_reply(Start start, Meta* reply_meta) {
  std::promise<Result<Out>> promise;
  auto result = promise.get_future();
  start([&](Status st, Out value, const Message& reply) {
    if (reply_meta) *reply_meta = reply.meta;
    Result<Out> r(std::move(value));
    r.status = std::move(st);
    promise.set_value(std::move(r));
  });
  return result.get();
}

}  // namespace detail
/// \endcond

}  // namespace tp
