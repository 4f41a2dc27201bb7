#include "session/session_impl.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "peer/address.hpp"
#include "proto/byte_reader.hpp"
#include "teleport/context.hpp"

namespace tp::detail {

namespace asio = boost::asio;

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
}  // namespace

SessionImpl::SessionImpl(std::shared_ptr<PeerCore> core, Socket socket)
    : core_(std::move(core)), pool_(core_->pool),
      socket_(std::move(socket)),
      ioc_(&static_cast<asio::io_context&>(socket_.get_executor().context())) {
  boost::system::error_code ec;
  remote_ = endpoint_text(socket_.remote_endpoint(ec));
  local_ = endpoint_text(socket_.local_endpoint(ec));
  id_ = remote_;
  if (socket_.local_endpoint(ec).protocol().family() != AF_UNIX) {
    const int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

SessionImpl::~SessionImpl() = default;

bool SessionImpl::on_io_thread() const {
  return ioc_->get_executor().running_in_this_thread();
}

void SessionImpl::start() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->pool_->stopped) {
      self->shutdown(Status::from_code(code::kConnClosed, "peer is closing"));
      return;
    }
    self->read_more();
  });
}

std::string SessionImpl::id() const {
  std::lock_guard lock(id_mutex_);
  return id_;
}

void SessionImpl::set_id(std::string id) {
  std::string old;
  {
    std::lock_guard lock(id_mutex_);
    old = std::exchange(id_, id);
  }
  core_->rename_session(old, id, this);
}

void SessionImpl::close() {
  if (pool_->joined) return;  // the peer closed every session before its threads ended
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->shutdown(Status::from_code(code::kConnClosed, "closed by the local peer"));
  });
}

void SessionImpl::on_close(std::function<void()> fn) {
  if (pool_->joined) {
    fn();  // the peer closed every session before its threads ended
    return;
  }
  asio::post(socket_.get_executor(), [self = shared_from_this(), fn = std::move(fn)]() mutable {
    if (self->closed_) {
      fn();
    } else {
      self->close_fns_.push_back(std::move(fn));
    }
  });
}

Status SessionImpl::check_blocking_allowed() const {
  if (on_io_thread()) {
    return {code::kInvalidOp, "Invalid Operation", "a blocking call on the session's own I/O thread would deadlock"};
  }
  return {};
}

void SessionImpl::complete(ReplyCallback& done, Status st) {
  Message failed;
  failed.type = MsgType::kReply;
  failed.status = std::move(st);
  done(failed);
}

Message SessionImpl::build_request(MsgType type, std::string sm, std::uint8_t codec, std::string body,
                                   CallOptions& opts) {
  Message m;
  m.type = type;
  m.service_method = std::move(sm);
  m.body_codec = codec;
  m.body = std::move(body);
  m.meta = std::move(opts.meta);
  if (opts.accept_body_codec) m.meta.set(kAcceptBodyCodecKey, std::to_string(*opts.accept_body_codec));
  if (!opts.real_ip.empty()) m.meta.set(kRealIpKey, opts.real_ip);
  m.xfer_pipe = std::move(opts.xfer_pipe);
  return m;
}

void SessionImpl::call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                           ReplyCallback done) {
  if (pool_->stopped || !healthy_) {
    complete(done, Status::from_code(code::kConnClosed, "session is closed"));
    return;
  }
  asio::post(socket_.get_executor(), [self = shared_from_this(), sm = std::move(sm), codec, body = std::move(body),
                                      opts = std::move(opts), done = std::move(done)]() mutable {
    if (self->closed_) {
      complete(done, Status::from_code(code::kConnClosed, "session is closed"));
      return;
    }
    const auto timeout = opts.timeout.count() > 0 ? opts.timeout : self->core_->config.default_context_age;
    Message call = self->build_request(MsgType::kCall, std::move(sm), codec, std::move(body), opts);
    call.seq = ++self->seq_;
    if (Status st = self->core_->proto.encode(call, self->out_); !st.ok()) {
      complete(done, std::move(st));
      return;
    }
    Pending& pending = self->pending_[call.seq];
    pending.done = std::move(done);
    if (timeout.count() > 0) {
      pending.timer = std::make_unique<asio::steady_timer>(self->socket_.get_executor(), timeout);
      pending.timer->async_wait([weak = self->weak_from_this(), seq = call.seq](boost::system::error_code ec) {
        auto s = weak.lock();
        if (ec || !s) return;
        auto it = s->pending_.find(seq);
        if (it == s->pending_.end()) return;
        ReplyCallback cb = std::move(it->second.done);
        s->pending_.erase(it);
        complete(cb, Status::from_code(code::kHandleTimeout, "call timed out"));
      });
    }
    self->flush();
  });
}

Status SessionImpl::push_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts) {
  if (pool_->stopped || !healthy_) return Status::from_code(code::kConnClosed, "session is closed");
  asio::post(socket_.get_executor(), [self = shared_from_this(), sm = std::move(sm), codec, body = std::move(body),
                                      opts = std::move(opts)]() mutable {
    if (self->closed_) return;
    Message push = self->build_request(MsgType::kPush, std::move(sm), codec, std::move(body), opts);
    push.seq = ++self->seq_;
    if (self->core_->proto.encode(push, self->out_).ok()) self->flush();
  });
  return {};
}

void SessionImpl::read_more() {
  if (in_start_ == in_end_) in_start_ = in_end_ = 0;
  // Room for the frame being read: its declared size (already checked against the limit by the
  // decoder) or a chunk, whichever is larger.
  std::size_t want = kReadChunk;
  if (in_end_ - in_start_ >= 4) want = std::max<std::size_t>(want, load_be32(in_.data() + in_start_));
  if (in_start_ > 0 && in_.size() - in_start_ < want + kReadChunk / 4) {
    std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
    in_end_ -= in_start_;
    in_start_ = 0;
  }
  if (in_.size() < in_start_ + want || in_.size() - in_end_ < kReadChunk / 4) {
    in_.resize(std::max(in_start_ + want, in_end_ + kReadChunk));
  }
  socket_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (ec) {
                              self->shutdown(Status::from_code(code::kConnClosed, ec.message()));
                              return;
                            }
                            self->in_end_ += n;
                            self->process_input();
                            if (!self->closed_) self->read_more();
                          });
}

void SessionImpl::process_input() {
  while (!closed_ && in_start_ < in_end_) {
    Message msg;
    const DecodeResult r = core_->proto.decode(std::string_view(in_.data() + in_start_, in_end_ - in_start_), msg);
    if (r.kind == DecodeResult::Kind::kNeedMore) break;
    if (r.kind == DecodeResult::Kind::kError) {
      shutdown(r.status);  // the stream cannot be resynchronised: close without a reply, as Go does
      return;
    }
    in_start_ += r.consumed;
    dispatch(msg);
  }
  flush();
}

void SessionImpl::dispatch(Message& msg) {
  switch (msg.type) {
    case MsgType::kCall: handle_call(msg); break;
    case MsgType::kPush: handle_push(msg); break;
    case MsgType::kReply: handle_reply(msg); break;
    case MsgType::kAuthCall:
    case MsgType::kAuthReply:
      shutdown(Status::bad_message("unexpected " + std::string(msg_type_name(msg.type)) + " (no auth plugin)"));
      break;
  }
}

namespace {

// Runs a handler; an exception becomes a 500 status.
Status run_handler(const Handler& handler, Ctx& ctx) {
  try {
    return handler(ctx);
  } catch (const std::exception& e) {
    return Status::from_code(code::kInternalServerError, e.what());
  } catch (...) {
    return Status::from_code(code::kInternalServerError, "unknown exception");
  }
}

}  // namespace

void SessionImpl::handle_call(Message& call) {
  if (call.body_codec == codec_id::kNone && !call.body.empty()) {
    shutdown(Status::bad_message("call with a body but no body codec"));  // Go closes here too
    return;
  }
  Message reply;
  reply.seq = call.seq;
  reply.type = MsgType::kReply;
  reply.xfer_pipe = call.xfer_pipe;
  Ctx ctx(*this, call, reply);
  Status st;
  if (call.service_method.empty()) {
    st = Status::bad_message("invalid service method for message");
  } else {
    const std::string path = call.path();
    if (const Handler* handler = core_->router.find_call(path)) {
      st = run_handler(*handler, ctx);
      if (st.ok() && reply.body.empty()) reply.body_codec = ctx.reply_body_codec();
    } else {
      st = Status::from_code(core_->router.is_push_only(path) ? code::kMtypeNotAllowed : code::kNotFound, "");
    }
  }
  if (!st.ok()) {
    reply.status = std::move(st);
    reply.body.clear();
    reply.body_codec = codec_id::kNone;
  }
  send(reply);
}

void SessionImpl::handle_push(Message& push) {
  Message unused;
  Ctx ctx(*this, push, unused);
  if (const Handler* handler = core_->router.find_push(push.path())) run_handler(*handler, ctx);
  // A push to an unknown route (404) or a call-only route (405) is dropped: there is no reply.
}

void SessionImpl::handle_reply(Message& reply) {
  auto it = pending_.find(reply.seq);
  if (it == pending_.end()) return;  // late or unknown: dropped, as Go does
  ReplyCallback done = std::move(it->second.done);
  if (it->second.timer) it->second.timer->cancel();
  pending_.erase(it);
  done(reply);
}

void SessionImpl::send(Message& msg) {
  Status st = core_->proto.encode(msg, out_);
  if (!st.ok() && msg.type == MsgType::kReply) {
    // The reply cannot be written (e.g. oversize): tell the caller instead of leaving it waiting.
    msg.status = Status::from_code(code::kInternalServerError, st.cause());
    msg.body.clear();
    msg.body_codec = codec_id::kNone;
    msg.meta.clear();
    (void)core_->proto.encode(msg, out_);
  }
}

void SessionImpl::flush() {
  if (write_in_flight_ || out_.empty() || closed_) return;
  writing_.swap(out_);
  out_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    self->write_in_flight_ = false;
    self->writing_.clear();
    if (ec) {
      self->shutdown(Status::from_code(code::kWriteFailed, ec.message()));
      return;
    }
    self->flush();
  });
}

void SessionImpl::shutdown(const Status& why) {
  if (closed_) return;
  closed_ = true;
  healthy_ = false;
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [seq, p] : pending) {
    if (p.timer) p.timer->cancel();
    complete(p.done, Status::from_code(code::kConnClosed, why.cause()));
  }
  core_->remove_session(id(), this);
  auto fns = std::move(close_fns_);
  for (auto& fn : fns) fn();
}

}  // namespace tp::detail
