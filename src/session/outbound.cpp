// What a session sends on its own initiative — calls, pushes, handshake messages — and the
// replies to its calls.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "message_path.hpp"
#include "session/session_impl.hpp"
#include "support/threads.hpp"
#include "teleport/trace.hpp"
#include "teleport/typed_call.hpp"

namespace tp::detail {

namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::microseconds;

Message SessionImpl::build_request(MsgType type, std::string&& sm, std::uint8_t codec,
                                   std::string&& body, CallOptions& opts) const {
  Message m;
  m.type = type;
  m.service_method = std::move(sm);
  m.body_codec = codec;
  m.body = std::move(body);
  m.meta = std::move(opts.meta);
  // Made by a handler while it runs: the call continues the handler's trace (W3C trace context;
  // the tracing plugin, where installed, turns it into a child span).
  if (const Ctx* handling = Ctx::current()) trace::inherit(handling->meta(), m.meta);
  if (opts.accept_body_codec)
    m.meta.set(kAcceptBodyCodecKey, std::to_string(*opts.accept_body_codec));
  if (!opts.real_ip.empty()) m.meta.set(kRealIpKey, opts.real_ip);
  m.xfer_pipe = std::move(opts.xfer_pipe);
  return m;
}

void SessionImpl::fail_soon(ReplyCallback& done, Status st) {
  if (host_->threads_gone()) {
    PendingCalls::fail(done, std::move(st));  // no thread is left to run it later
    return;
  }
  asio::post(*ioc_, [done = std::move(done), st = std::move(st)]() mutable {
    PendingCalls::fail(done, std::move(st));
  });
}

void SessionImpl::call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                           ReplyCallback done) {
  if (!done) done = [](Message&) {};  // an empty callback discards the reply
  if (host_->closing() || closed_) {
    fail_soon(done, Status::from_code(code::kConnClosed, "session is closed"));
    return;
  }
  const auto timeout = opts.timeout.count() > 0 ? opts.timeout : cfg_.default_context_age;
  Message call = build_request(MsgType::kCall, std::move(sm), codec, std::move(body), opts);
  // On the session's own thread (a handler calling onward, a reply's callback calling again) the
  // call goes out now, without a queued hop (nor the moves of the message a dispatch would make).
  if (ioc_->get_executor().running_in_this_thread()) {
    send_call(call, std::move(done), timeout);
    return;
  }
  asio::post(*ioc_, [self = shared_from_this(), call = std::move(call), done = std::move(done),
                     timeout]() mutable { self->send_call(call, std::move(done), timeout); });
}

void SessionImpl::send_call(Message& call, ReplyCallback done, std::chrono::milliseconds timeout) {
  assert_in_loop(*ioc_);
  if (closed_) {
    fail_soon(done, Status::from_code(code::kConnClosed, "session is closed"));
    return;
  }
  if (hold_until_detected(Early::kCall, call, &done, timeout)) return;
  call.seq = ++seq_;
  if (Status st = run_hooks({&plugins_}, &Plugin::pre_write_call, *this, call); !st.ok()) {
    fail_soon(done, std::move(st));
    return;
  }
  std::string& queue = out();
  const std::size_t at = queue.size();
  if (Status st = proto_->encode(call, queue); !st.ok()) {
    fail_soon(done, std::move(st));
    return;
  }
  if (cfg_.print_detail) log_message("send", call);
  PendingCalls::Call& pending = pending_.add(call.seq, std::move(done));
  pending.start = Clock::now();
  if (metrics_) {
    std::string decoded;
    pending.metrics = &metrics_->caller(path_of(call, decoded));
    pending.metrics->started.add();
  }
  if (cfg_.count_time || cfg_.slow_call_threshold.count() > 0)
    pending.service_method = call.service_method;
  // (The shared config first: most peers never redial, and it spares a line of the session.)
  if (cfg_.redial_times != 0 && dialed_to_) pending.frame.emplace(queue, at, std::string::npos);
  if (timeout.count() > 0) {
    pending_.expire_at(pending, pending.start + timeout, *ioc_,
                       [this] { return std::weak_ptr<void>(weak_from_this()); });
  }
  (void)run_hooks({&plugins_}, &Plugin::post_write_call, *this, static_cast<const Message&>(call));
  flush();
  recycle_body(call.body);  // encoded: the thread's next typed call marshals into its memory
}

Status SessionImpl::push_raw(std::string sm, std::uint8_t codec, std::string body,
                             CallOptions opts) {
  if (host_->closing() || closed_) return Status::from_code(code::kConnClosed, "session is closed");
  Message push = build_request(MsgType::kPush, std::move(sm), codec, std::move(body), opts);
  if (ioc_->get_executor().running_in_this_thread()) {
    send_push(push);
    return {};
  }
  asio::post(*ioc_, [self = shared_from_this(), push = std::move(push)]() mutable {
    self->send_push(push);
  });
  return {};
}

void SessionImpl::send_push(Message& push) {
  assert_in_loop(*ioc_);
  if (closed_) return;
  if (hold_until_detected(Early::kPush, push)) return;
  push.seq = ++seq_;
  if (Status st = run_hooks({&plugins_}, &Plugin::pre_write_push, *this, push); !st.ok()) {
    log_.info("push {} to {} not sent: {}", push.service_method, remote_addr(), st.to_string());
    return;
  }
  if (Status st = proto_->encode(push, out()); !st.ok()) {
    log_.info("push {} to {} not sent: {}", push.service_method, remote_addr(), st.to_string());
    return;
  }
  if (cfg_.print_detail) log_message("send", push);
  if (metrics_) {
    std::string decoded;
    metrics_->caller(path_of(push, decoded)).pushes.add();
  }
  (void)run_hooks({&plugins_}, &Plugin::post_write_push, *this, static_cast<const Message&>(push));
  flush();
}

Status SessionImpl::send_raw(Message msg) {
  if (host_->closing() || closed_) return Status::from_code(code::kConnClosed, "session is closed");
  if (ioc_->get_executor().running_in_this_thread()) {
    queue_raw(msg);
  } else {
    asio::post(*ioc_, [self = shared_from_this(), msg = std::move(msg)]() mutable {
      self->queue_raw(msg);
    });
  }
  return {};
}

void SessionImpl::queue_raw(Message& msg) {
  assert_in_loop(*ioc_);
  if (closed_) return;
  if (hold_until_detected(Early::kRaw, msg)) return;
  msg.seq = ++seq_;
  // Straight to the connection, ahead of calls held for a redial's handshake.
  if (Status st = proto_->encode(msg, conn_.out()); !st.ok()) {
    log_.warn("{} to {} not sent: {}", msg_type_name(msg.type), remote_addr(), st.to_string());
    return;
  }
  if (cfg_.print_detail) log_message("send", msg);
  flush();
}

bool SessionImpl::hold_until_detected(Early kind, Message& msg, ReplyCallback* done,
                                      std::chrono::milliseconds timeout) {
  // Only a port that also serves browsers waits: elsewhere the peer's protocol is the best guess,
  // and a client that only listens (the server calls it first) must hear it before it speaks.
  if (!detect_proto_ || cfg_.websocket_path.empty()) return false;
  if (early_bytes_ + msg.body.size() > kMaxEarlyBytes) {
    const Status st = Status::from_code(code::kConnClosed,
                                        "more than 1 MiB waits for the remote side's first bytes");
    log_.info("{} {} to {} not sent: {}", msg_type_name(msg.type), msg.service_method,
              remote_addr(), st.cause());
    if (done) fail_soon(*done, st);
    return true;
  }
  early_bytes_ += msg.body.size();
  early_.push_back({kind, std::move(msg), done ? std::move(*done) : ReplyCallback(), timeout});
  return true;
}

void SessionImpl::protocol_known() {
  detect_proto_ = false;
  early_bytes_ = 0;
  for (EarlyMessage& early : std::exchange(early_, {})) {
    switch (early.kind) {
      case Early::kCall:
        send_call(early.msg, std::move(early.done), early.timeout);
        break;
      case Early::kPush:
        send_push(early.msg);
        break;
      case Early::kRaw:
        queue_raw(early.msg);
        break;
    }
  }
}

void SessionImpl::handle_reply(Message& reply) {
  assert_in_loop(*ioc_);
  auto pending = pending_.take(reply.seq);
  if (!pending) return;  // late or unknown: dropped, as Go does
  Status st = run_hooks({&plugins_}, &Plugin::post_read_reply_header, *this, reply);
  if (st.ok()) st = run_hooks({&plugins_}, &Plugin::pre_read_reply_body, *this, reply);
  if (st.ok()) st = run_hooks({&plugins_}, &Plugin::post_read_reply_body, *this, reply);
  if (!st.ok()) {
    reply.status = std::move(st);
    reply.body.clear();
    reply.body_codec = codec_id::kNone;
  }
  const auto cost = Clock::now() - pending->start;
  auto service_method = [&] { return pending->service_method.value_or(std::string()); };
  if (cfg_.count_time) {
    log_.info("call {} to {} took {} us: {}", service_method(), remote_addr(),
              duration_cast<microseconds>(cost).count(), reply.status.to_string());
  }
  if (cfg_.slow_call_threshold.count() > 0 && cost > cfg_.slow_call_threshold) {
    log_.warn("slow call {} to {}: {} us", service_method(), remote_addr(),
              duration_cast<microseconds>(cost).count());
    if (metrics_) metrics_->slow_calls.add();
    host_->record_slow_call({.at = std::chrono::system_clock::now(),
                             .service_method = service_method(),
                             .side = "caller",
                             .remote = remote_addr(),
                             .seconds = std::chrono::duration<double>(cost).count(),
                             .code = reply.status.code()});
  }
  if (pending->metrics) pending->metrics->completed(reply.status.code(), cost);
  pending->done(reply);
}

}  // namespace tp::detail
