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
#include "teleport/thread_loan.hpp"
#include "teleport/unique_function.hpp"

namespace tp {

/// Called with the reply (its status says whether the call succeeded), on the I/O thread.
using ReplyCallback = UniqueFunction<void(Message& reply)>;

/// A completion a typed async call accepts: `(Status, Out)` or `(Status, Out, const Message&)`.
/// A protobuf `Out` taken by `const Out&` (or `Out&&`, not moved from) lends its memory back:
/// the next reply of that type on the thread parses into it without allocating its strings.
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

/// Bodies past this many bytes leave no reused message behind (see with_arg and deliver_reply).
inline constexpr std::size_t kReusedMessageMaxBody = 64 * 1024;

// Calls `done` with the arguments it takes; a by-value `Out` parameter moves from `out`.
template <class Out, class F>
void deliver(F& done, Status st, Out&& out, const Message& reply) {
  if constexpr (std::invocable<F&, Status, Out, const Message&>) {
    done(std::move(st), std::move(out), reply);
  } else {
    done(std::move(st), std::move(out));
  }
}

// Decodes `reply` into `out` and hands both to `done`.
template <class Out, class F>
void decode_and_deliver(F& done, Message& reply, Out& out) {
  Status st = reply.status;
  if (st.ok()) st = decode_reply(reply, out);
  deliver<Out>(done, std::move(st), std::move(out), reply);
}

// Tells ThreadLoan apart the reply objects of typed calls.
struct ReusedReplyTag;

// Decodes `reply` as `Out` and hands it to `done`. A protobuf `Out` is one object per thread and
// type, lent to one callback at a time: Clear() keeps its strings' memory for the next parse. A
// callback that makes a reply of the same type arrive while it runs (a failure delivered at
// once) gets a fresh object instead.
template <class Out, class F>
void deliver_reply(F& done, Message& reply) {
  if constexpr (protobuf::Codable<Out>) {
    ThreadLoan<Out, ReusedReplyTag> loan;
    if (Out* out = loan.get()) {
      // A protobuf body's parse (ParseFromArray) clears the message first; a failed call or
      // another codec hands over whatever the object holds, so it is cleared here.
      if (!reply.status.ok() || reply.body_codec != codec_id::kProtobuf) out->Clear();
      if (reply.body.size() > kReusedMessageMaxBody) loan.renew_on_return();
      decode_and_deliver<Out>(done, reply, *out);
      return;
    }
  }
  Out out{};
  decode_and_deliver<Out>(done, reply, out);
}

// The thread's spare request-body buffer: a session hands a body's buffer back here once its
// frame is encoded (recycle_body), and the thread's next typed call marshals into it, so a call
// allocates nothing for its body. Kept empty.
inline std::string& spare_body() {
  thread_local std::string spare;
  return spare;
}

// Keeps `body`'s buffer as the thread's spare_body(), emptied, when it is larger than the spare
// and not past kReusedMessageMaxBody (one big body must not hold its memory for the thread's
// life).
inline void recycle_body(std::string& body) {
  std::string& spare = spare_body();
  if (body.capacity() <= spare.capacity() || body.capacity() > kReusedMessageMaxBody) return;
  body.clear();
  spare = std::move(body);  // a move, not a swap: the spare's own buffer is smaller, or none
}

// Encodes `arg` with `codec` and starts `call_raw(body, on_reply)`; `done` gets the decoded
// reply, or the encoding's failure at once.
template <class Out, class Arg, class F, class CallRaw>
void typed_call(std::uint8_t codec, const Arg& arg, F done, CallRaw call_raw) {
  // Empty, with an earlier body's memory when the thread has sent one.
  std::string& spare = spare_body();
  std::string body = std::move(spare);
  spare.clear();  // a moved-from string is only "valid": the spare must stay empty
  if (Status st = marshal(codec, arg, body); !st.ok()) {
    deliver<Out>(done, std::move(st), Out{}, Message{});
    return;
  }
  call_raw(std::move(body),
           [done = std::move(done)](Message& reply) mutable { deliver_reply<Out>(done, reply); });
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
