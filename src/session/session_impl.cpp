#include "session/session_impl.hpp"

#include <boost/asio/ssl/host_name_verification.hpp>

#include <netinet/tcp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstring>

#include "teleport/context.hpp"

namespace tp::detail {

namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::microseconds;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// A SOCK_SEQPACKET read returns one packet and drops what does not fit: every read of a
// unixpacket session has room for the largest packet a default socket can send (its send
// buffer, net.core.wmem_default = 208 KiB). Our writes are at most 64 KiB per packet (see
// write_some()).
constexpr std::size_t kPacketRoom = 256 * 1024;
// A frame larger than a chunk is read in pieces as large as what has already arrived (up to
// this): few reads for a big frame, and never more buffer than what arrived plus one read.
constexpr std::size_t kMaxReadRoom = 4 << 20;
// Buffers and per-session messages that one big frame grew past this are released after it.
constexpr std::size_t kKeepBelow = 64 * 1024;

bool is_seqpacket(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET;
}

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

// Clears a reply that carries an error: Go sends error replies without body or codec.
void make_error_reply(Message& reply, Status st) {
  reply.status = std::move(st);
  reply.body.clear();
  reply.body_codec = codec_id::kNone;
}

// The host part of "host:port" or "[v6]:port"; empty for a Unix socket path.
std::string host_of(const std::string& addr) {
  if (addr.empty() || addr.front() == '/') return {};
  if (addr.front() == '[') return addr.substr(1, addr.find(']') - 1);
  const auto colon = addr.rfind(':');
  return colon == std::string::npos ? std::string() : addr.substr(0, colon);
}

}  // namespace

/// A call handled on the worker pool: it owns the messages the context refers to.
struct SessionImpl::CallJob {
  Message call;
  Message reply;
  std::unique_ptr<Ctx> ctx;  // for handlers that complete later
  const Route* route = nullptr;
  Clock::time_point start;
};

SessionImpl::SessionImpl(std::shared_ptr<PeerCore> core, Socket socket,
                         std::optional<Endpoint> dialed_to)
    : core_(std::move(core)),
      pool_(core_->pool),
      socket_(std::move(socket)),
      ioc_(&static_cast<asio::io_context&>(socket_.get_executor().context())),
      dialed_to_(std::move(dialed_to)),
      proto_(core_->proto.get()),
      detect_proto_(!dialed_to_ && core_->config.detect_protocol) {
  boost::system::error_code ec;
  remote_ = endpoint_text(socket_.remote_endpoint(ec));
  local_ = endpoint_text(socket_.local_endpoint(ec));
  id_ = remote_;
  read_chunk_ = is_seqpacket(socket_.native_handle()) ? kPacketRoom : kReadChunk;
  apply_socket_options();
}

SessionImpl::~SessionImpl() = default;

void SessionImpl::apply_socket_options() {
  const auto& cfg = core_->config;
  const int fd = socket_.native_handle();
  boost::system::error_code ec;
  if (socket_.local_endpoint(ec).protocol().family() != AF_UNIX) {
    const int no_delay = cfg.no_delay ? 1 : 0;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay);
    if (cfg.keepalive_period.count() > 0) {
      const int one = 1;
      const int idle = static_cast<int>(cfg.keepalive_period.count());
      ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle);
    }
  }
  if (cfg.read_buffer_size > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cfg.read_buffer_size, sizeof(int));
  if (cfg.write_buffer_size > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cfg.write_buffer_size, sizeof(int));
  if (cfg.control_fd) cfg.control_fd(fd);
}

bool SessionImpl::on_io_thread() const { return ioc_->get_executor().running_in_this_thread(); }

void SessionImpl::start() {
  asio::post(*ioc_, [self = shared_from_this()] {
    if (self->pool_->stopped) {
      self->shutdown(Status::from_code(code::kConnClosed, "peer is closing"));
      return;
    }
    self->sweeper_ = &asio::use_service<DeadlineSweeper>(*self->ioc_);
    self->sweeper_->watch(self.get(), self->core_->deadline_period);
    self->started_at_ = self->active_at_ = self->coarse_now();
    const auto age = self->core_->config.default_session_age;
    if (age.count() > 0) {
      self->age_timer_ = std::make_unique<asio::steady_timer>(*self->ioc_, age);
      self->age_timer_->async_wait([weak = self->weak_from_this()](boost::system::error_code ec) {
        if (auto s = weak.lock(); s && !ec)
          s->shutdown(Status::from_code(code::kConnClosed, "session age expired"));
      });
    }
    if (self->tls_context()) {
      self->begin_tls();
      return;
    }
    self->ready({});
    self->read_more();
  });
}

void SessionImpl::ready(Status st) {
  if (auto fn = std::move(ready_fn_)) fn(std::move(st));
  ready_fn_ = nullptr;
}

void SessionImpl::begin_tls() {
  tls_handshake([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) {
      Status st = Status::from_code(code::kConnClosed, "tls handshake: " + ec.message());
      self->core_->logger->info("session {}: {}", self->remote_addr(), st.cause());
      self->ready(st);
      self->shutdown(st);
      return;
    }
    self->ready({});
    self->read_more();
    self->flush();
  });
}

void SessionImpl::tls_handshake(std::function<void(boost::system::error_code)> done) {
  new_tls_stream();
  handshaking_ = true;
  tls_->async_handshake(
      dialed_to_ ? asio::ssl::stream_base::client : asio::ssl::stream_base::server,
      [self = shared_from_this(), done = std::move(done)](boost::system::error_code ec) {
        self->handshaking_ = false;
        if (!self->closed_) done(ec);
      });
}

boost::asio::ssl::context* SessionImpl::tls_context() const {
  return dialed_to_ ? core_->tls_client.get() : core_->tls_server.get();
}

std::string SessionImpl::id() const {
  std::lock_guard lock(id_mutex_);
  return id_;
}

std::string SessionImpl::remote_addr() const {
  std::lock_guard lock(id_mutex_);
  return remote_;
}

std::string SessionImpl::local_addr() const {
  std::lock_guard lock(id_mutex_);
  return local_;
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
  asio::post(*ioc_, [self = shared_from_this()] {
    self->shutdown(Status::from_code(code::kConnClosed, "closed by the local peer"));
  });
}

void SessionImpl::on_close(std::function<void()> fn) {
  if (pool_->joined) {
    fn();  // the peer closed every session before its threads ended
    return;
  }
  asio::post(*ioc_, [self = shared_from_this(), fn = std::move(fn)]() mutable {
    if (self->closed_) {
      fn();
    } else {
      self->close_fns_.push_back(std::move(fn));
    }
  });
}

Status SessionImpl::check_blocking_allowed() const {
  if (on_io_thread()) {
    return {code::kInvalidOp, "Invalid Operation",
            "a blocking call on the session's own I/O thread would deadlock"};
  }
  return {};
}

void SessionImpl::complete(ReplyCallback& done, Status st) {
  Message failed;
  failed.type = MsgType::kReply;
  failed.status = std::move(st);
  done(failed);
}

Message SessionImpl::build_request(MsgType type, std::string sm, std::uint8_t codec,
                                   std::string body, CallOptions& opts) const {
  Message m;
  m.type = type;
  m.service_method = std::move(sm);
  m.body_codec = codec;
  m.body = std::move(body);
  m.meta = std::move(opts.meta);
  if (opts.accept_body_codec)
    m.meta.set(kAcceptBodyCodecKey, std::to_string(*opts.accept_body_codec));
  if (!opts.real_ip.empty()) m.meta.set(kRealIpKey, opts.real_ip);
  m.xfer_pipe = std::move(opts.xfer_pipe);
  return m;
}

void SessionImpl::call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                           ReplyCallback done) {
  if (pool_->stopped || closed_) {
    complete(done, Status::from_code(code::kConnClosed, "session is closed"));
    return;
  }
  const auto timeout = opts.timeout.count() > 0 ? opts.timeout : core_->config.default_context_age;
  Message call = build_request(MsgType::kCall, std::move(sm), codec, std::move(body), opts);
  asio::post(*ioc_, [self = shared_from_this(), call = std::move(call), done = std::move(done),
                     timeout]() mutable { self->send_call(call, std::move(done), timeout); });
}

void SessionImpl::send_call(Message& call, ReplyCallback done, std::chrono::milliseconds timeout) {
  if (closed_) {
    complete(done, Status::from_code(code::kConnClosed, "session is closed"));
    return;
  }
  call.seq = ++seq_;
  if (Status st = run_hooks({&core_->plugins}, &Plugin::pre_write_call, *this, call); !st.ok()) {
    complete(done, std::move(st));
    return;
  }
  const std::size_t at = out_.size();
  if (Status st = proto_->encode(call, out_); !st.ok()) {
    complete(done, std::move(st));
    return;
  }
  if (core_->config.print_detail) log_message("send", call);
  Pending& pending = pending_[call.seq];
  pending.done = std::move(done);
  pending.start = Clock::now();
  if (core_->config.count_time || core_->config.slow_call_threshold.count() > 0)
    pending.service_method = call.service_method;
  if (dialed_to_ && core_->config.redial_times != 0)
    pending.frame.assign(out_, at, std::string::npos);
  if (timeout.count() > 0) {
    pending.timer = std::make_unique<asio::steady_timer>(*ioc_, timeout);
    pending.timer->async_wait(
        [weak = weak_from_this(), seq = call.seq](boost::system::error_code ec) {
          auto s = weak.lock();
          if (ec || !s) return;
          auto it = s->pending_.find(seq);
          if (it == s->pending_.end()) return;
          ReplyCallback cb = std::move(it->second.done);
          s->pending_.erase(it);
          complete(cb, Status::from_code(code::kHandleTimeout, "call timed out"));
        });
  }
  (void)run_hooks({&core_->plugins}, &Plugin::post_write_call, *this,
                  static_cast<const Message&>(call));
  if (!redialing_) flush();
}

Status SessionImpl::push_raw(std::string sm, std::uint8_t codec, std::string body,
                             CallOptions opts) {
  if (pool_->stopped || closed_) return Status::from_code(code::kConnClosed, "session is closed");
  Message push = build_request(MsgType::kPush, std::move(sm), codec, std::move(body), opts);
  // Runs here, on the caller's thread, so that a refusal reaches the caller (seq is set later).
  if (Status st = run_hooks({&core_->plugins}, &Plugin::pre_write_push, *this, push); !st.ok())
    return st;
  asio::post(*ioc_, [self = shared_from_this(), push = std::move(push)]() mutable {
    if (self->closed_) return;
    push.seq = ++self->seq_;
    if (!self->proto_->encode(push, self->out_).ok()) return;
    if (self->core_->config.print_detail) self->log_message("send", push);
    (void)run_hooks({&self->core_->plugins}, &Plugin::post_write_push, *self,
                    static_cast<const Message&>(push));
    if (!self->redialing_) self->flush();
  });
  return {};
}

void SessionImpl::read_more() {
  if (closed_ || redialing_ || reading_ || paused_ != Paused::kNo) return;
  if (in_.empty() && !tls_) {
    read_when_readable();  // an idle session holds no read buffer
    return;
  }
  if (!make_room()) {
    wait_for_budget();
    return;
  }
  reading_ = true;
  auto on_read = [self = shared_from_this(), conn = connection_](boost::system::error_code ec,
                                                                 std::size_t n) {
    self->reading_ = false;
    if (conn == self->connection_) self->on_read(ec, n);
  };
  const auto room = asio::buffer(in_.data() + in_end_, in_.size() - in_end_);
  if (tls_) {
    tls_->async_read_some(room, std::move(on_read));
  } else {
    socket_.async_read_some(room, std::move(on_read));
  }
}

void SessionImpl::read_when_readable() {
  reading_ = true;
  socket_.async_wait(Socket::wait_read,
                     [self = shared_from_this(), conn = connection_](boost::system::error_code ec) {
                       self->reading_ = false;
                       if (conn != self->connection_) return;
                       if (ec) {
                         self->on_broken(Status::from_code(code::kConnClosed, ec.message()));
                         return;
                       }
                       self->in_.resize(self->read_chunk_);
                       self->socket_.non_blocking(true, ec);
                       const std::size_t n = self->socket_.read_some(asio::buffer(self->in_), ec);
                       if (ec == asio::error::would_block) {
                         self->read_more();
                         return;
                       }
                       self->on_read(ec, n);
                     });
}

bool SessionImpl::make_room() {
  if (in_.empty()) in_.resize(read_chunk_);  // TLS may hold decrypted bytes: just read
  if (in_start_ == in_end_) in_start_ = in_end_ = 0;
  // A packet socket needs room for a whole packet; a stream is fine with a quarter chunk.
  const bool packets = read_chunk_ != kReadChunk;
  const std::size_t min_room = packets ? read_chunk_ : kReadChunk / 4;
  if (in_.size() - in_end_ >= min_room) return true;
  if (in_start_ > 0) {
    std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
    in_end_ -= in_start_;
    in_start_ = 0;
    if (in_.size() - in_end_ >= min_room) return true;
  }
  // The buffer grows with the bytes that arrived, never with a length the remote side declares:
  // a header claiming a gigabyte costs nothing until the gigabyte comes.
  const std::size_t room = packets ? read_chunk_ : std::clamp(in_end_, kReadChunk, kMaxReadRoom);
  const std::size_t size = in_end_ + room;
  const std::size_t charge = size - read_chunk_;  // a session's first chunk is not counted
  if (charge > budget_taken_) {
    if (!core_->read_budget.try_take(charge - budget_taken_)) return false;
    budget_taken_ = charge;
  }
  in_.resize(size);
  return true;
}

void SessionImpl::wait_for_budget() {
  // Other sessions hold the peer's read budget: try again shortly. The read timeout still runs,
  // so a frame that can never fit ends with the connection.
  paused_ = Paused::kBudget;
  if (!budget_timer_) budget_timer_ = std::make_unique<asio::steady_timer>(*ioc_);
  budget_timer_->expires_after(std::chrono::milliseconds(10));
  budget_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->paused_ != Paused::kBudget) return;
    self->paused_ = Paused::kNo;
    self->read_more();
  });
}

void SessionImpl::on_read(boost::system::error_code ec, std::size_t n) {
  if (ec) {
    on_broken(Status::from_code(code::kConnClosed, ec.message()));
    return;
  }
  in_end_ += n;
  active_at_ = coarse_now();
  process_input();
  read_more();
}

void SessionImpl::release_big_buffers() {
  if (in_start_ == in_end_ && in_.size() > read_chunk_) {
    std::string().swap(in_);
    in_start_ = in_end_ = 0;
  }
  if (budget_taken_ > 0 && in_.size() <= read_chunk_) {
    core_->read_budget.give_back(budget_taken_);
    budget_taken_ = 0;
  }
  if (out_.empty() && out_.capacity() > kKeepBelow) std::string().swap(out_);
}

void SessionImpl::resume_reading() {
  paused_ = Paused::kNo;
  process_input();  // frames already buffered first
  read_more();
}

void SessionImpl::check_deadlines(Clock::time_point now) {
  if (closed_ || redialing_) return;
  const auto& cfg = core_->config;
  auto past = [&](std::chrono::milliseconds limit, Clock::time_point since) {
    return limit.count() > 0 && now - since >= limit;
  };
  const char* why = nullptr;
  if (!dialed_to_ && !first_frame_ && past(cfg.handshake_timeout, started_at_)) {
    why = "handshake timeout: no complete first frame";
  } else if (write_in_flight_ && past(cfg.write_timeout, write_since_)) {
    why = "write timeout: the remote side is not reading";
  } else if (partial_ && paused_ != Paused::kUnsent && past(cfg.read_timeout, frame_since_)) {
    why = paused_ == Paused::kBudget
              ? "read timeout: the peer's read budget had no room for the frame being read"
              : "read timeout: a frame begun was not finished";
  } else if (past(cfg.idle_timeout, active_at_)) {
    core_->logger->info("session {}: idle timeout; closing", remote_addr());
    shutdown(Status::from_code(code::kConnClosed, "idle timeout"));  // closed, not redialed
    return;
  }
  if (!why) return;
  core_->logger->info("session {}: {}; closing", remote_addr(), why);
  on_broken(Status::from_code(code::kConnClosed, why));  // a dialed session redials
}

void SessionImpl::process_input() {
  const std::size_t max_unsent = core_->config.max_unsent_bytes;
  while (!closed_ && !redialing_ && in_start_ < in_end_) {
    if (max_unsent > 0 && unsent_replies() > max_unsent) {
      // The remote side is not taking our replies: stop reading until it does (TCP backpressure).
      paused_ = Paused::kUnsent;
      break;
    }
    if (Status st = run_hooks({&core_->plugins}, &Plugin::pre_read_header, *this); !st.ok()) {
      shutdown(st);
      return;
    }
    if (detect_proto_) {
      const std::string_view first(in_.data() + in_start_, in_end_ - in_start_);
      const Proto* detected = core_->detect(first);
      if (!detected) {
        // Too few bytes to tell, unless they are already wrong for the configured protocol.
        if (core_->proto->decode(first, in_msg_).kind != DecodeResult::Kind::kError) break;
        detected = core_->proto.get();
      }
      proto_ = detected;
      detect_proto_ = false;
    }
    // Decoded into a per-session Message so that its buffers are reused frame after frame.
    Message& msg = in_msg_;
    // Decompression may use what is left of the peer's read budget, no more.
    const DecodeResult r =
        proto_->decode_within(std::string_view(in_.data() + in_start_, in_end_ - in_start_), msg,
                              core_->read_budget.available());
    if (r.kind == DecodeResult::Kind::kNeedMore) break;
    if (r.kind == DecodeResult::Kind::kError) {
      core_->logger->warn("{}: closing: {}", remote_addr(), r.status.to_string());
      // The stream cannot be resynchronised: close without a reply, as Go does (a dialed session
      // that may redial starts afresh on a new connection; its unanswered calls are re-sent).
      on_broken(r.status);
      return;
    }
    in_start_ += r.consumed;
    first_frame_ = true;
    partial_ = false;
    if (core_->config.print_detail) log_message("recv", msg);
    // A decompressed body counts against the budget while it is handled.
    const std::size_t unpacked = msg.xfer_pipe.empty() ? 0 : msg.body.size();
    if (!core_->read_budget.try_take(unpacked)) {
      core_->logger->warn("{}: closing: read budget spent by a {}-byte body", remote_addr(),
                          unpacked);
      shutdown(Status::bad_message("read budget spent"));
      return;
    }
    dispatch(msg);
    core_->read_budget.give_back(unpacked);
    if (r.consumed > kKeepBelow || msg.body.capacity() > kKeepBelow) {
      in_msg_ = Message();  // one big frame must not keep its size for the session's life
      reply_msg_ = Message();
    }
  }
  if (in_start_ < in_end_) {
    if (!partial_) frame_since_ = coarse_now();  // the read timeout starts with a frame
    partial_ = true;
  }
  release_big_buffers();
  flush();
}

void SessionImpl::dispatch(Message& msg) {
  if (close_after_flush_) return;  // a refused session reads nothing more
  if (auth_check_) {
    handle_auth(msg);
    return;
  }
  if (msg.type == MsgType::kAuthReply && auth_done_) {
    ReplyCallback done = std::move(auth_done_);
    auth_done_ = nullptr;
    done(msg);
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

void SessionImpl::handle_call(Message& in) {
  if (in.body_codec == codec_id::kNone && !in.body.empty()) {
    shutdown(Status::bad_message("call with a body but no body codec"));  // Go closes here too
    return;
  }
  const Clock::time_point start = core_->timed ? Clock::now() : Clock::time_point();
  // The reply is built in a per-session Message whose buffers are reused call after call.
  Message& reply = reply_msg_;
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
    st = run_hooks({&core_->plugins}, &Plugin::post_read_call_header,
                   ctx);  // may reset the service method
  }
  const Route* route = nullptr;
  if (st.ok()) {
    const std::string path = in.path();
    route = core_->router.table().find(MsgType::kCall, path);
    if (!route) {
      st = Status::from_code(core_->router.table().routed_as_other_type(MsgType::kCall, path)
                                 ? code::kMtypeNotAllowed
                                 : code::kNotFound,
                             "");
    } else {
      st = run_hooks({&route->plugins}, &Plugin::post_read_call_header, ctx);
    }
  }
  if (!st.ok()) {
    make_error_reply(reply, std::move(st));
    finish_call(reply, start, in.service_method, nullptr);
    return;
  }
  if (route->async) {
    run_async_call(in, reply, *route, start);
    return;
  }
  if (route->blocking || core_->config.blocking_handlers) {
    // The worker needs messages of its own: the per-session ones serve the next frame.
    auto job = std::make_shared<CallJob>();
    job->call = std::move(in);
    job->reply = reply;
    job->route = route;
    job->start = start;
    handler_started();
    asio::post(core_->workers(), [self = shared_from_this(), job] {
      self->run_call_body(job->call, job->reply, *job->route);
      asio::post(*self->ioc_, [self, job] {
        self->handler_finished();
        if (!self->closed_)
          self->finish_call(job->reply, job->start, job->call.service_method, &job->route->plugins);
        self->update_busy();
      });
    });
    return;
  }
  run_call_body(in, reply, *route);
  finish_call(reply, start, in.service_method, &route->plugins);
}

void SessionImpl::run_async_call(Message& in, Message& reply, const Route& route,
                                 Clock::time_point start) {
  // The handler completes later: the call, its reply and its context must outlive this frame.
  auto job = std::make_shared<CallJob>();
  job->call = std::move(in);
  job->reply = reply;
  job->route = &route;
  job->start = start;
  job->ctx = std::make_unique<Ctx>(*this, job->call, job->reply);
  const Plugins* peer_plugins = &core_->plugins;
  Status st = run_hooks({peer_plugins, &route.plugins}, &Plugin::pre_read_call_body, *job->ctx);
  if (st.ok())
    st = run_hooks({peer_plugins, &route.plugins}, &Plugin::post_read_call_body, *job->ctx);
  if (!st.ok()) {
    make_error_reply(job->reply, std::move(st));
    finish_call(job->reply, start, job->call.service_method, &route.plugins);
    return;
  }
  handler_started();
  auto done = [self = shared_from_this(), job](Status result) {
    asio::post(*self->ioc_, [self, job, result = std::move(result)]() mutable {
      self->handler_finished();
      if (result.ok() && job->reply.body.empty())
        job->reply.body_codec = job->ctx->reply_body_codec();
      if (!result.ok()) make_error_reply(job->reply, std::move(result));
      if (!self->closed_) {
        self->finish_call(job->reply, job->start, job->call.service_method, &job->route->plugins);
      }
      self->update_busy();
    });
  };
  try {
    route.async(*job->ctx, done);
  } catch (const std::exception& e) {
    done(Status::from_code(code::kInternalServerError,
                           e.what()));  // a throwing handler never calls done
  }
}

void SessionImpl::run_call_body(Message& in, Message& reply, const Route& route) {
  Ctx ctx(*this, in, reply);
  const Plugins* peer_plugins = &core_->plugins;
  Status st = run_hooks({peer_plugins, &route.plugins}, &Plugin::pre_read_call_body, ctx);
  if (st.ok()) st = run_hooks({peer_plugins, &route.plugins}, &Plugin::post_read_call_body, ctx);
  if (st.ok()) st = run_handler(route.handler, ctx);
  if (st.ok() && reply.body.empty()) reply.body_codec = ctx.reply_body_codec();
  if (!st.ok()) make_error_reply(reply, std::move(st));
}

void SessionImpl::finish_call(Message& reply, Clock::time_point start, const std::string& sm,
                              const Plugins* route_plugins) {
  const auto& cfg = core_->config;
  const auto cost = core_->timed ? Clock::now() - start : Clock::duration();
  if (cfg.default_context_age.count() > 0 && cost > cfg.default_context_age) {
    make_error_reply(reply,
                     Status::from_code(code::kHandleTimeout, "handler exceeded the context age"));
  }
  if (cfg.count_time) {
    core_->logger->info("handled {} from {} in {} us: {}", sm, remote_addr(),
                        duration_cast<microseconds>(cost).count(), reply.status.to_string());
  }
  if (cfg.slow_call_threshold.count() > 0 && cost > cfg.slow_call_threshold) {
    core_->logger->warn("slow call {} from {}: {} us", sm, remote_addr(),
                        duration_cast<microseconds>(cost).count());
  }
  send_reply(reply, route_plugins);
  flush();
}

void SessionImpl::send_reply(Message& reply, const Plugins* route_plugins) {
  if (Status st =
          run_hooks({&core_->plugins, route_plugins}, &Plugin::pre_write_reply, *this, reply);
      !st.ok()) {
    make_error_reply(reply, std::move(st));
  }
  const std::size_t at = out_.size();
  if (Status st = proto_->encode(reply, out_); !st.ok()) {
    // The reply cannot be written (e.g. oversize): tell the caller instead of leaving it waiting.
    make_error_reply(reply, Status::from_code(code::kInternalServerError, st.cause()));
    reply.meta.clear();
    (void)proto_->encode(reply, out_);
  }
  replies_out_ += out_.size() - at;
  if (core_->config.print_detail) log_message("send", reply);
  (void)run_hooks({&core_->plugins, route_plugins}, &Plugin::post_write_reply, *this,
                  static_cast<const Message&>(reply));
}

void SessionImpl::handle_push(Message& push) {
  Message unused;
  Ctx ctx(*this, push, unused);
  if (!run_hooks({&core_->plugins}, &Plugin::post_read_push_header, ctx).ok()) return;
  const std::string path = push.path();
  const Route* route = core_->router.table().find(MsgType::kPush, path);
  if (!route) {
    // No reply exists for a push: an unknown route (404) or a call-only route (405) is logged.
    const bool call_only = core_->router.table().routed_as_other_type(MsgType::kPush, path);
    core_->logger->debug("push {} from {} dropped: {}", push.service_method, remote_addr(),
                         call_only ? "405 Message Type Not Allowed" : "404 Not Found");
    return;
  }
  const Plugins* lists[] = {&core_->plugins, &route->plugins};
  Status st = run_hooks({&route->plugins}, &Plugin::post_read_push_header, ctx);
  if (st.ok()) st = run_hooks({lists[0], lists[1]}, &Plugin::pre_read_push_body, ctx);
  if (st.ok()) st = run_hooks({lists[0], lists[1]}, &Plugin::post_read_push_body, ctx);
  if (!st.ok()) return;
  if (route->blocking || core_->config.blocking_handlers) {
    auto job = std::make_shared<CallJob>();
    job->call = std::move(push);
    job->route = route;
    // Counted like a call: a graceful shutdown waits for it and for what it sends.
    handler_started();
    asio::post(core_->workers(), [self = shared_from_this(), job] {
      Ctx ctx(*self, job->call, job->reply);
      (void)run_handler(job->route->handler, ctx);
      asio::post(*self->ioc_, [self] {
        self->handler_finished();
        self->update_busy();
      });
    });
    return;
  }
  if (Status hst = run_handler(route->handler, ctx); !hst.ok()) {
    core_->logger->debug("push {} handler: {}", push.service_method, hst.to_string());
  }
}

void SessionImpl::handle_reply(Message& reply) {
  auto it = pending_.find(reply.seq);
  if (it == pending_.end()) return;  // late or unknown: dropped, as Go does
  Pending pending = std::move(it->second);
  pending_.erase(it);
  if (pending.timer) pending.timer->cancel();
  Status st = run_hooks({&core_->plugins}, &Plugin::post_read_reply_header, *this, reply);
  if (st.ok()) st = run_hooks({&core_->plugins}, &Plugin::pre_read_reply_body, *this, reply);
  if (st.ok()) st = run_hooks({&core_->plugins}, &Plugin::post_read_reply_body, *this, reply);
  if (!st.ok()) make_error_reply(reply, std::move(st));
  const auto cost = Clock::now() - pending.start;
  const auto& cfg = core_->config;
  if (cfg.count_time) {
    core_->logger->info("call {} to {} took {} us: {}", pending.service_method, remote_addr(),
                        duration_cast<microseconds>(cost).count(), reply.status.to_string());
  }
  if (cfg.slow_call_threshold.count() > 0 && cost > cfg.slow_call_threshold) {
    core_->logger->warn("slow call {} to {}: {} us", pending.service_method, remote_addr(),
                        duration_cast<microseconds>(cost).count());
  }
  pending.done(reply);
}

void SessionImpl::auth_call_raw(std::uint8_t codec, std::string body, ReplyCallback done) {
  if (pool_->stopped || closed_) {
    complete(done, Status::from_code(code::kConnClosed, "session is closed"));
    return;
  }
  asio::post(*ioc_, [self = shared_from_this(), codec, body = std::move(body),
                     done = std::move(done)]() mutable {
    if (self->closed_) {
      complete(done, Status::from_code(code::kConnClosed, "session is closed"));
      return;
    }
    Message auth;
    auth.seq = ++self->seq_;
    auth.type = MsgType::kAuthCall;
    auth.body_codec = codec;
    auth.body = std::move(body);
    if (Status st = self->proto_->encode(auth, self->out_); !st.ok()) {
      complete(done, std::move(st));
      return;
    }
    self->auth_done_ = std::move(done);
    self->flush();
  });
}

void SessionImpl::require_auth(AuthCheck check) {
  asio::post(*ioc_, [self = shared_from_this(), check = std::move(check)]() mutable {
    self->auth_check_ = std::move(check);
  });
}

void SessionImpl::handle_auth(Message& first) {
  AuthCheck check = std::move(auth_check_);
  auth_check_ = nullptr;
  Message reply;
  reply.seq = ++seq_;  // an AUTH_REPLY takes the replier's own seq, not the call's
  reply.type = MsgType::kAuthReply;
  reply.body_codec =
      first.body_codec != codec_id::kNone ? first.body_codec : core_->config.default_body_codec;
  Status st;
  if (first.type != MsgType::kAuthCall) {
    st = Status::from_code(code::kUnauthorized,
                           "auth message(1st) expect: AUTH_CALL, but received: " +
                               std::string(msg_type_name(first.type)));
  } else {
    try {
      st = check(*this, first, reply);
    } catch (const std::exception& e) {
      st = Status::from_code(code::kUnauthorized, e.what());
    }
  }
  if (!st.ok()) {
    reply.status = std::move(st);
    reply.body.clear();
    close_after_flush_ = true;  // answer, then close, as Go's checker does
  }
  (void)proto_->encode(reply, out_);
  flush();
}

void SessionImpl::flush() {
  if (write_in_flight_ || out_.empty() || closed_ || redialing_ || handshaking_) {
    update_busy();
    if (close_after_flush_ && !write_in_flight_ && out_.empty()) {
      shutdown(Status::from_code(code::kUnauthorized, "authentication refused"));
    }
    return;
  }
  writing_.swap(out_);
  out_.clear();
  written_ = 0;
  replies_writing_ = std::exchange(replies_out_, 0);
  write_in_flight_ = true;
  write_since_ = coarse_now();
  update_busy();
  write_some();
}

void SessionImpl::write_some() {
  // Piece by piece (at most 64 KiB, as asio::async_write would: one packet on unixpacket), so that
  // the write timeout measures the time without progress, not the time a big batch takes.
  constexpr std::size_t kMaxPiece = 64 * 1024;
  const auto piece =
      asio::buffer(writing_.data() + written_, std::min(kMaxPiece, writing_.size() - written_));
  auto on_written = [self = shared_from_this(), conn = connection_](boost::system::error_code ec,
                                                                    std::size_t n) {
    self->on_written(ec, n, conn);
  };
  if (tls_) {
    tls_->async_write_some(piece, std::move(on_written));
  } else {
    socket_.async_write_some(piece, std::move(on_written));
  }
}

void SessionImpl::on_written(boost::system::error_code ec, std::size_t n, unsigned conn) {
  written_ += n;
  if (!ec && conn == connection_ && written_ < writing_.size()) {
    write_since_ = active_at_ = coarse_now();
    write_some();
    return;
  }
  write_in_flight_ = false;
  writing_.clear();
  replies_writing_ = 0;
  if (writing_.capacity() > kKeepBelow) std::string().swap(writing_);
  if (conn != connection_) return;  // an earlier connection's write: the redial re-sends calls
  if (ec) {
    on_broken(Status::from_code(code::kWriteFailed, ec.message()));
    return;
  }
  active_at_ = coarse_now();
  flush();
  const std::size_t max_unsent = core_->config.max_unsent_bytes;
  if (paused_ == Paused::kUnsent && unsent_replies() <= max_unsent / 2) resume_reading();
}

void SessionImpl::handler_started() {
  ++handlers_running_;
  ++core_->inflight_calls;
  update_busy();
}

void SessionImpl::handler_finished() {
  // The caller queues what the handler produced, then updates busy_: it must not read idle first.
  --handlers_running_;
  --core_->inflight_calls;
}

void SessionImpl::update_busy() {
  busy_.store(write_in_flight_ || !out_.empty() || handlers_running_ > 0,
              std::memory_order_relaxed);
}

void SessionImpl::on_broken(const Status& why) {
  if (closed_ || redialing_) return;
  if (!dialed_to_ || core_->config.redial_times == 0 || pool_->stopped) {
    shutdown(why);
    return;
  }
  core_->logger->info("session {} broke ({}); redialing", remote_addr(), why.cause());
  redialing_ = true;
  healthy_ = false;
  ++connection_;  // completions still to come from the old connection change nothing
  boost::system::error_code ignored;
  socket_.close(ignored);
  in_start_ = in_end_ = 0;
  paused_ = Paused::kNo;
  partial_ = false;
  if (budget_timer_) budget_timer_->cancel();
  // Calls that were waiting for a reply are re-sent once after the redial; a second break fails
  // them.
  std::string resend;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.resent || it->second.frame.empty()) {
      if (it->second.timer) it->second.timer->cancel();
      complete(it->second.done, Status::from_code(code::kConnClosed, why.cause()));
      it = pending_.erase(it);
      continue;
    }
    it->second.resent = true;
    resend += it->second.frame;
    ++it;
  }
  out_.insert(0, resend);
  redial(1);
}

void SessionImpl::redial(int attempt) {
  redial_timer_ = std::make_unique<asio::steady_timer>(*ioc_, core_->config.redial_interval);
  redial_timer_->async_wait([self = shared_from_this(), attempt](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    if (self->write_in_flight_ || self->reading_) {
      // The old connection's operations (aborted by its close) have not completed yet; they
      // refer to socket_ and tls_, which must not be replaced under them.
      self->redial(attempt);
      return;
    }
    auto socket = std::make_shared<Socket>(*self->ioc_);
    if (Status st = open_for_dial(*socket, self->core_->config, *self->dialed_to_); !st.ok()) {
      self->shutdown(st);
      return;
    }
    socket->async_connect(*self->dialed_to_,
                          [self, socket, attempt](boost::system::error_code cec) {
                            if (self->closed_) return;
                            if (cec) {
                              self->retry_redial(attempt, cec.message());
                              return;
                            }
                            self->tls_.reset();  // it wraps the old connection
                            self->socket_ = std::move(*socket);
                            self->apply_socket_options();
                            {
                              boost::system::error_code ignored;
                              std::lock_guard lock(self->id_mutex_);
                              self->local_ = endpoint_text(self->socket_.local_endpoint(ignored));
                            }
                            if (self->tls_context()) {
                              self->redial_tls(attempt);
                            } else {
                              self->redialed(attempt);
                            }
                          });
  });
}

void SessionImpl::new_tls_stream() {
  tls_ = std::make_unique<asio::ssl::stream<Socket&>>(socket_, *tls_context());
  if (!dialed_to_) return;
  // The dialing side names the server (SNI) and checks the certificate is for that name.
  const auto& tls = *core_->config.tls;
  const std::string name = tls.server_name.empty() ? host_of(remote_addr()) : tls.server_name;
  if (name.empty()) return;  // a Unix path names no host: the chain is still verified
  SSL_set_tlsext_host_name(tls_->native_handle(), name.c_str());
  if (tls.verify_peer) tls_->set_verify_callback(asio::ssl::host_name_verification(name));
}

void SessionImpl::redial_tls(int attempt) {
  tls_handshake([self = shared_from_this(), attempt](boost::system::error_code ec) {
    if (ec) {
      boost::system::error_code ignored;
      self->socket_.close(ignored);
      self->retry_redial(attempt, "tls handshake: " + ec.message());
      return;
    }
    self->redialed(attempt);
  });
}

void SessionImpl::retry_redial(int attempt, const std::string& why) {
  const int limit = core_->config.redial_times;
  if (limit > 0 && attempt >= limit) {
    shutdown(Status::from_code(code::kDialFailed, "redial failed: " + why));
  } else {
    redial(attempt + 1);
  }
}

void SessionImpl::redialed(int attempt) {
  // A plugin's refusal does not end redialing (eRPC#86): the next attempt comes anyway.
  if (Status st = run_hooks({&core_->plugins}, &Plugin::post_dial, *this, true); !st.ok()) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    retry_redial(attempt, st.to_string());
    return;
  }
  core_->logger->info("session {} redialed (attempt {})", remote_addr(), attempt);
  redialing_ = false;
  healthy_ = true;
  read_more();
  flush();
}

void SessionImpl::shutdown(const Status& why) {
  if (closed_) return;
  closed_ = true;
  if (sweeper_) sweeper_->unwatch(this);
  if (budget_timer_) budget_timer_->cancel();
  core_->read_budget.give_back(budget_taken_);
  budget_taken_ = 0;
  ready(Status::from_code(code::kConnClosed, why.cause()));
  redialing_ = false;
  healthy_ = false;
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (age_timer_) age_timer_->cancel();
  if (redial_timer_) redial_timer_->cancel();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [seq, p] : pending) {
    if (p.timer) p.timer->cancel();
    complete(p.done, Status::from_code(code::kConnClosed, why.cause()));
  }
  out_.clear();
  replies_out_ = 0;
  update_busy();
  if (auth_done_) complete(auth_done_, Status::from_code(code::kConnClosed, why.cause()));
  auth_done_ = nullptr;
  core_->remove_session(id(), this);
  (void)run_hooks({&core_->plugins}, &Plugin::post_disconnect, *this);
  auto fns = std::move(close_fns_);
  for (auto& fn : fns) fn();
}

void SessionImpl::log_message(const char* direction, const Message& msg) const {
  core_->logger->info("{} {} {} seq={} {} status={} meta={} codec={} body={}", direction,
                      remote_addr(), msg_type_name(msg.type), msg.seq, msg.service_method,
                      msg.status.to_query(), msg.meta.encode(), static_cast<int>(msg.body_codec),
                      msg.body.size() > 256 ? msg.body.substr(0, 256) + "..." : msg.body);
}

}  // namespace tp::detail

namespace tp {

boost::asio::any_io_executor io_executor(Session& session) {
  return static_cast<detail::SessionImpl&>(session).executor();
}

}  // namespace tp
