// What arrives on a session: frames decoded from the connection's bytes, the first-message hook,
// calls and pushes routed to their handlers, and the replies to those calls.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "message_path.hpp"
#include "session/session_impl.hpp"
#include "socket/web_front.hpp"
#include "support/threads.hpp"
#include "teleport/context.hpp"
#include "teleport/thread_loan.hpp"

namespace tp::detail {

namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::microseconds;

namespace {

// Per-session messages that one big frame grew past this are released after it.
constexpr std::size_t kKeepBelow = 64 * 1024;

// Runs a handler; an exception becomes a 500 status.
Status run_handler(const Handler& handler, Ctx& ctx) {
  const Ctx::Scope current(ctx);
  try {
    return handler(ctx);
  } catch (const std::exception& e) {
    return Status::from_code(code::kInternalServerError, e.what());
  } catch (...) {
    return Status::from_code(code::kInternalServerError, "unknown exception");
  }
}

// Clears a reply that carries an error: Go sends error replies without body or codec.
void make_error_reply(Message& reply, Status st) {
  reply.status = std::move(st);
  reply.body.clear();
  reply.body_codec = codec_id::kNone;
}

}  // namespace

/// A call or push whose handler runs on a worker or completes later: it owns the messages its
/// context refers to.
struct SessionImpl::CallJob {
  Message call;
  Message reply;
  std::unique_ptr<Ctx> ctx;
  const Route* route = nullptr;
  RouteCounters* metrics = nullptr;  // the route's handler side (null: metrics off)
  Clock::time_point start;
  std::shared_ptr<CancelSignal> cancel;            // fired when the caller gives up
  std::unique_ptr<boost::asio::steady_timer> age;  // the call's context age, when there is one
};

void SessionImpl::watch(CallJob& job) {
  job.cancel = std::make_shared<CancelSignal>();
  job.ctx->set_cancel_signal(job.cancel);
  running_.insert(job.cancel);
  const auto age = cfg_.default_context_age;
  if (job.call.type != MsgType::kCall || age.count() <= 0) return;
  job.age = std::make_unique<boost::asio::steady_timer>(*ioc_, age);
  job.age->async_wait([cancel = std::weak_ptr(job.cancel)](boost::system::error_code ec) {
    if (ec) return;
    if (auto signal = cancel.lock()) {
      signal->cancel(Status::from_code(code::kHandleTimeout, "the call outlived its context age"));
    }
  });
}

void SessionImpl::unwatch(CallJob& job) {
  running_.erase(job.cancel);
  if (job.age) job.age->cancel();
}

void SessionImpl::cancel_handlers(const Status& why) {
  auto running = std::move(running_);
  running_.clear();
  for (const auto& signal : running) signal->cancel(why);
}

void SessionImpl::on_input() { process_input(); }

/// Lends the I/O thread's FrameMessages to a session for one process_frames(), or the session's
/// own when the thread's are lent already.
class SessionImpl::FrameMessagesLease {
 public:
  explicit FrameMessagesLease(SessionImpl& session) : session_(session) {
    FrameMessages* pair = loan_.get();
    if (!pair) {
      if (!session.own_frame_) session.own_frame_ = std::make_unique<FrameMessages>();
      pair = session.own_frame_.get();
    }
    session.frame_ = pair;
  }
  ~FrameMessagesLease() { session_.frame_ = nullptr; }
  FrameMessagesLease(const FrameMessagesLease&) = delete;
  FrameMessagesLease& operator=(const FrameMessagesLease&) = delete;

 private:
  ThreadLoan<FrameMessages> loan_;
  SessionImpl& session_;
};

void SessionImpl::process_input() {
  assert_in_loop(*ioc_);
  in_input_ = true;
  // Connections whose output the socket takes at once share the thread's output buffer.
  ThreadLoan<std::string, Connection> thread_out;
  conn_.borrow_out(thread_out.get());
  process_frames();
  in_input_ = false;
  if (!closed_) flush_input_batch();
  conn_.return_out();
}

void SessionImpl::process_frames() {
  const FrameMessagesLease lease(*this);
  const std::size_t max_unsent = cfg_.max_unsent_bytes;
  ReadBudget& budget = host_->read_budget();
  while (!closed_ && !redialing_ && !conn_.input().empty()) {
    if (max_unsent > 0 && conn_.unsent_replies() > max_unsent) {
      // The remote side is not taking our replies: stop reading until it does (TCP backpressure).
      conn_.pause_reading();
      break;
    }
    if (Status st = run_hooks({&plugins_}, &Plugin::pre_read_header, *this); !st.ok()) {
      shutdown(st);
      return;
    }
    const std::string_view bytes = conn_.input();
    if (detect_proto_ && !cfg_.websocket_path.empty()) {
      const auto web = detail::classify_web_request(bytes, cfg_.websocket_path, cfg_.web_root);
      if (web == detail::WebRequest::kNeedMore) break;
      if (web != detail::WebRequest::kNotOurs) {
        upgrade_to_websocket();
        return;
      }
    }
    if (detect_proto_) {
      const Proto* detected = host_->detect(bytes);
      if (!detected) break;  // too few bytes to tell
      proto_ = detected;
      protocol_known();
    }
    // Decoded into a Message whose buffers are reused frame after frame.
    Message& msg = frame_->in;
    // Decompression may use what is left of the peer's read budget, no more.
    const DecodeResult r = proto_->decode_within(bytes, msg, budget.available());
    if (r.kind == DecodeResult::Kind::kNeedMore) break;
    if (r.kind == DecodeResult::Kind::kError) {
      log_.warn("{}: closing: {}", remote_addr(), r.status.to_string());
      if (metrics_) metrics_->malformed.add();
      // The stream cannot be resynchronised: close without a reply, as Go does (a dialed session
      // that may redial starts afresh on a new connection; its unanswered calls are re-sent).
      // A WebSocket peer (a browser) is told why in the close frame: 1007, "400 Bad Message…".
      if (conn_.is_websocket()) {
        conn_.close_websocket(1007, r.status.to_string(),
                              [this, st = r.status] { on_broken(st, false); });
        return;
      }
      on_broken(r.status, false);
      return;
    }
    conn_.consume(r.consumed);
    first_frame_ = true;
    partial_ = false;
    if (cfg_.print_detail) log_message("recv", msg);
    // A decompressed body counts against the budget while it is handled.
    const std::size_t unpacked = msg.xfer_pipe.empty() ? 0 : msg.body.size();
    if (!budget.try_take(unpacked)) {
      log_.warn("{}: closing: read budget spent by a {}-byte body", remote_addr(), unpacked);
      shutdown(Status::bad_message("read budget spent"));
      return;
    }
    dispatch(msg);
    budget.give_back(unpacked);
    if (r.consumed > kKeepBelow || msg.body.capacity() > kKeepBelow ||
        frame_->reply.body.capacity() > kKeepBelow) {
      renew(*frame_);  // one big frame must not keep its size for the thread's life
    }
  }
  if (!conn_.input().empty()) {
    if (!partial_) frame_since_ = conn_.now();  // the read timeout starts with a frame
    partial_ = true;
  }
  conn_.release_big_buffers();
}

void SessionImpl::dispatch(Message& msg) {
  if (close_after_flush_) return;  // a refused session reads nothing more
  if (first_hook_) {
    handle_first_message(msg);
    return;
  }
  switch (msg.type) {
    case MsgType::kCall:
      handle_call(msg);
      break;
    case MsgType::kPush:
      handle_push(msg);
      break;
    case MsgType::kReply:
      handle_reply(msg);
      break;
    case MsgType::kAuthCall:
    case MsgType::kAuthReply:
      shutdown(Status::bad_message("unexpected " + std::string(msg_type_name(msg.type)) +
                                   " (no auth plugin)"));
      break;
  }
}

void SessionImpl::expect_first_message(FirstMessageHook hook, std::chrono::milliseconds timeout) {
  assert_in_loop(*ioc_);
  first_hook_ = std::move(hook);
  first_by_ = timeout.count() > 0 ? conn_.now() + timeout : Clock::time_point::max();
}

void SessionImpl::handle_first_message(Message& first) {
  assert_in_loop(*ioc_);
  FirstMessageHook hook = std::move(first_hook_);
  first_hook_ = nullptr;
  std::optional<Message> answer;
  Status st;
  try {
    st = hook(*this, first, answer);
  } catch (const std::exception& e) {
    st = Status::from_code(code::kInternalServerError, e.what());
  } catch (...) {
    st = Status::from_code(code::kInternalServerError, "unknown exception");
  }
  if (answer) queue_raw(*answer);
  if (ready_after_first_) {
    ready_after_first_ = false;
    ready(st);
  }
  if (!st.ok()) {
    close_after_flush_ = true;  // answer, then close, as Go's auth checker does
    flush();
  }
}

void SessionImpl::handle_call(Message& in) {
  if (in.body_codec == codec_id::kNone && !in.body.empty()) {
    shutdown(Status::bad_message("call with a body but no body codec"));  // Go closes here too
    return;
  }
  const Clock::time_point start = host_->timed() ? Clock::now() : Clock::time_point();
  // The reply is built in a Message whose buffers are reused call after call.
  Message& reply = frame_->reply;
  reply.seq = in.seq;
  reply.type = MsgType::kReply;
  reply.service_method.clear();
  reply.status = Status();
  reply.meta.clear();
  reply.body_codec = codec_id::kNone;
  reply.body.clear();
  reply.xfer_pipe = in.xfer_pipe;
  Ctx ctx(*this, in, reply);
  Status st;
  if (in.service_method.empty()) {
    st = Status::bad_message("invalid service method for message");
  } else {
    st = run_hooks({&plugins_}, &Plugin::post_read_call_header, ctx);  // may reset the method
  }
  const Route* route = nullptr;
  RouteCounters* metrics = nullptr;
  if (st.ok()) {
    std::string decoded;
    const std::string_view path = path_of(in, decoded);
    route = routes_.find(MsgType::kCall, path);
    // Calls to no route count under route "" (a caller cannot add labels at will).
    if (metrics_) metrics = &metrics_->handler(route, path);
    if (!route) {
      st = Status::from_code(routes_.routed_as_other_type(MsgType::kCall, path)
                                 ? code::kMtypeNotAllowed
                                 : code::kNotFound,
                             "");
    } else {
      st = run_hooks({&route->plugins}, &Plugin::post_read_call_header, ctx);
    }
  }
  if (!metrics && metrics_) metrics = &metrics_->handler(nullptr, "");
  if (metrics) metrics->started.add();
  if (!st.ok()) {
    make_error_reply(reply, std::move(st));
    finish_call(reply, start, in, route ? &route->plugins : nullptr, metrics);
    return;
  }
  if (route->async || route->blocking || cfg_.blocking_handlers) {
    // The handler needs messages of its own: the per-session ones serve the next frame.
    auto job = std::make_shared<CallJob>();
    job->call = std::move(in);
    job->reply = reply;
    job->route = route;
    job->metrics = metrics;
    job->start = start;
    job->ctx = std::make_unique<Ctx>(*this, job->call, job->reply);
    watch(*job);
    // Body hooks run here, on the I/O thread, whichever thread runs the handler.
    if (Status hst = run_body_hooks(*job->ctx, *route); !hst.ok()) {
      unwatch(*job);
      make_error_reply(job->reply, std::move(hst));
      finish_call(job->reply, start, job->call, &route->plugins, metrics);
    } else if (route->async) {
      run_async_call(std::move(job));
    } else {
      run_on_worker(std::move(job));
    }
    return;
  }
  st = run_body_hooks(ctx, *route);
  if (st.ok()) st = run_handler(route->handler, ctx);
  if (st.ok() && reply.body.empty()) reply.body_codec = ctx.reply_body_codec();
  if (!st.ok()) make_error_reply(reply, std::move(st));
  finish_call(reply, start, in, &route->plugins, metrics);
}

Status SessionImpl::run_body_hooks(Ctx& ctx, const Route& route) {
  Status st = run_hooks({&plugins_, &route.plugins}, &Plugin::pre_read_call_body, ctx);
  if (st.ok()) st = run_hooks({&plugins_, &route.plugins}, &Plugin::post_read_call_body, ctx);
  return st;
}

void SessionImpl::run_on_worker(std::shared_ptr<CallJob> job) {
  handler_started();
  asio::post(host_->workers(), [self = shared_from_this(), job = std::move(job)] {
    const Status st = run_handler(job->route->handler, *job->ctx);
    asio::post(*self->ioc_, [self, job, st]() mutable {
      self->handler_finished();
      self->unwatch(*job);
      if (job->call.type == MsgType::kCall && !self->closed_) {
        if (st.ok() && job->reply.body.empty())
          job->reply.body_codec = job->ctx->reply_body_codec();
        if (!st.ok()) make_error_reply(job->reply, std::move(st));
        self->finish_call(job->reply, job->start, job->call, &job->route->plugins, job->metrics);
      } else if (job->call.type == MsgType::kCall) {
        if (job->metrics) job->metrics->completed(code::kConnClosed, Clock::now() - job->start);
      } else if (!st.ok()) {
        self->log_.debug("push {} handler: {}", job->call.service_method, st.to_string());
      }
      self->update_busy();
    });
  });
}

void SessionImpl::run_async_call(std::shared_ptr<CallJob> job) {
  handler_started();
  auto done = [self = shared_from_this(), job](Status result) {
    asio::post(*self->ioc_, [self, job, result = std::move(result)]() mutable {
      self->handler_finished();
      self->unwatch(*job);
      if (result.ok() && job->reply.body.empty())
        job->reply.body_codec = job->ctx->reply_body_codec();
      if (!result.ok()) make_error_reply(job->reply, std::move(result));
      if (!self->closed_) {
        self->finish_call(job->reply, job->start, job->call, &job->route->plugins, job->metrics);
      } else if (job->metrics) {
        job->metrics->completed(code::kConnClosed, Clock::now() - job->start);
      }
      self->update_busy();
    });
  };
  try {
    const Ctx::Scope current(*job->ctx);
    job->route->async(*job->ctx, done);
  } catch (const std::exception& e) {
    // A throwing handler never calls done.
    done(Status::from_code(code::kInternalServerError, e.what()));
  } catch (...) {
    done(Status::from_code(code::kInternalServerError, "unknown exception"));
  }
}

void SessionImpl::finish_call(Message& reply, Clock::time_point start, const Message& call,
                              const Plugins* route_plugins, RouteCounters* metrics) {
  const std::string& sm = call.service_method;
  assert_in_loop(*ioc_);
  const auto cost = host_->timed() ? Clock::now() - start : Clock::duration();
  if (cfg_.default_context_age.count() > 0 && cost > cfg_.default_context_age) {
    make_error_reply(reply,
                     Status::from_code(code::kHandleTimeout, "handler exceeded the context age"));
  }
  if (cfg_.count_time) {
    log_.info("handled {} from {} in {} us: {}", sm, remote_addr(),
              duration_cast<microseconds>(cost).count(), reply.status.to_string());
  }
  if (cfg_.slow_call_threshold.count() > 0 && cost > cfg_.slow_call_threshold) {
    log_.warn("slow call {} from {}: {} us", sm, remote_addr(),
              duration_cast<microseconds>(cost).count());
    if (metrics_) metrics_->slow_calls.add();
    SlowCall slow{.at = std::chrono::system_clock::now(),
                  .service_method = sm,
                  .side = "handler",
                  .remote = remote_addr(),
                  .seconds = std::chrono::duration<double>(cost).count(),
                  .code = reply.status.code()};
    call.meta.visit([&](std::string_view k, std::string_view v) { slow.meta.emplace_back(k, v); });
    host_->record_slow_call(std::move(slow));
  }
  if (metrics) metrics->completed(reply.status.code(), cost);
  send_reply(reply, route_plugins);
  flush();
}

void SessionImpl::send_reply(Message& reply, const Plugins* route_plugins) {
  assert_in_loop(*ioc_);
  if (Status st = run_hooks({&plugins_, route_plugins}, &Plugin::pre_write_reply, *this, reply);
      !st.ok()) {
    make_error_reply(reply, std::move(st));
  }
  std::string& queue = out();
  const std::size_t at = queue.size();
  if (Status st = proto_->encode(reply, queue); !st.ok()) {
    // The reply cannot be written (e.g. oversize): tell the caller instead of leaving it waiting.
    make_error_reply(reply, Status::from_code(code::kInternalServerError, st.cause()));
    reply.meta.clear();
    (void)proto_->encode(reply, queue);
  }
  if (!holding_) conn_.count_replies(queue.size() - at);
  if (cfg_.print_detail) log_message("send", reply);
  (void)run_hooks({&plugins_, route_plugins}, &Plugin::post_write_reply, *this,
                  static_cast<const Message&>(reply));
}

void SessionImpl::handle_push(Message& push) {
  Message unused;
  Ctx ctx(*this, push, unused);
  if (!run_hooks({&plugins_}, &Plugin::post_read_push_header, ctx).ok()) return;
  std::string decoded;
  const std::string_view path = path_of(push, decoded);
  const Route* route = routes_.find(MsgType::kPush, path);
  if (!route) {
    // No reply exists for a push: an unknown route (404) or a call-only route (405) is logged.
    const bool call_only = routes_.routed_as_other_type(MsgType::kPush, path);
    log_.debug("push {} from {} dropped: {}", push.service_method, remote_addr(),
               call_only ? "405 Message Type Not Allowed" : "404 Not Found");
    return;
  }
  if (metrics_) metrics_->handler(route, path).pushes.add();
  Status st = run_hooks({&route->plugins}, &Plugin::post_read_push_header, ctx);
  if (st.ok()) st = run_hooks({&plugins_, &route->plugins}, &Plugin::pre_read_push_body, ctx);
  if (st.ok()) st = run_hooks({&plugins_, &route->plugins}, &Plugin::post_read_push_body, ctx);
  if (!st.ok()) return;
  if (route->blocking || cfg_.blocking_handlers) {
    auto job = std::make_shared<CallJob>();
    job->call = std::move(push);
    job->route = route;
    job->ctx = std::make_unique<Ctx>(*this, job->call, job->reply);
    watch(*job);
    // Counted like a call: a graceful shutdown waits for it and for what it sends.
    run_on_worker(std::move(job));
    return;
  }
  if (Status hst = run_handler(route->handler, ctx); !hst.ok()) {
    log_.debug("push {} handler: {}", push.service_method, hst.to_string());
  }
}

void SessionImpl::handler_started() {
  handlers_running_.store(handlers_running_.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
  host_->handler_started();
  update_busy();
}

void SessionImpl::handler_finished() {
  // The caller queues what the handler produced, then updates busy_: it must not read idle first.
  handlers_running_.store(handlers_running_.load(std::memory_order_relaxed) - 1,
                          std::memory_order_relaxed);
  host_->handler_finished();
}

}  // namespace tp::detail
