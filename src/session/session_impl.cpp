#include "session/session_impl.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "socket/ws_stream.hpp"
#include "support/threads.hpp"

namespace tp::detail {

namespace asio = boost::asio;

namespace {

// The host part of "host:port" or "[v6]:port"; empty for a Unix socket path.
std::string host_of(const std::string& addr) {
  if (addr.empty() || addr.front() == '/') return {};
  if (addr.front() == '[') return addr.substr(1, addr.find(']') - 1);
  const auto colon = addr.rfind(':');
  return colon == std::string::npos ? std::string() : addr.substr(0, colon);
}

}  // namespace

SessionImpl::SessionImpl(std::shared_ptr<SessionHost> host, Socket socket,
                         std::optional<Endpoint> dialed_to)
    : host_(std::move(host)),
      cfg_(host_->config()),
      plugins_(host_->plugins()),
      routes_(host_->routes()),
      log_(host_->logger()),
      conn_(std::move(socket), host_->read_budget(), *this),
      ioc_(&conn_.context()),
      metrics_(host_->metrics(*ioc_)),
      proto_(&host_->proto()),
      detect_proto_(!dialed_to && cfg_.detect_protocol),
      dialed_to_(std::move(dialed_to)) {
  remote_ = conn_.remote_text();
  local_ = conn_.local_text();
  id_ = remote_;
  conn_.apply_options(cfg_);
  if (metrics_) conn_.count_bytes(&metrics_->bytes_in, &metrics_->bytes_out);
}

SessionImpl::~SessionImpl() = default;

void SessionImpl::start() {
  asio::post(*ioc_, [self = shared_from_this()] { self->begin(); });
}

void SessionImpl::begin() {
  assert_in_loop(*ioc_);
  if (host_->closing()) {
    shutdown(Status::from_code(code::kConnClosed, "peer is closing"));
    return;
  }
  if (metrics_) (dialed_to_ ? metrics_->dialed : metrics_->accepted).add();
  sweeper_ = &asio::use_service<DeadlineSweeper>(*ioc_);
  sweeper_->watch(this, host_->deadline_period());
  conn_.set_clock(sweeper_);
  started_at_ = sweeper_->now();
  const auto age = cfg_.default_session_age;
  if (age.count() > 0) {
    age_timer_ = std::make_unique<asio::steady_timer>(*ioc_, age);
    age_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto s = weak.lock(); s && !ec)
        s->shutdown(Status::from_code(code::kConnClosed, "session age expired"));
    });
  }
  if (dialed_to_) {
    begin_handshake([this] {
      conn_.read_more();  // a post_dial plugin may exchange messages (auth)
      greet(false);
    });
    return;
  }
  // An accepted connection: post_accept sees it before a byte is read from it.
  if (Status st = run_hooks({&plugins_}, &Plugin::post_accept, *this); !st.ok()) {
    log_.info("post_accept refused {}: {}", remote_addr(), st.to_string());
    ready(st);
    shutdown(st);
    return;
  }
  begin_handshake([this] {
    ready({});
    conn_.read_more();
  });
}

void SessionImpl::use_websocket(bool client, std::string host, std::string target,
                                const Proto& proto) {
  ws_ = WsSetup{client, std::move(host), std::move(target)};
  proto_ = &proto;
  protocol_known();
}

void SessionImpl::handshake(std::function<void(boost::system::error_code)> done) {
  if (ws_) {
    done = [this, then = std::move(done)](boost::system::error_code ec) mutable {
      if (ec) return then(ec);
      if (ws_->client) {
        conn_.start_ws_client(ws_->host, ws_->target, cfg_.message_size_limit, std::move(then));
      } else {
        conn_.start_ws_server(ws_accept_options(), cfg_.message_size_limit, std::move(then));
      }
    };
  }
  asio::ssl::context* tls = host_->tls_context(dialed_to_.has_value());
  if (!tls) {
    done({});
    return;
  }
  const auto& settings = *cfg_.tls;
  const std::string name =
      settings.server_name.empty() ? host_of(remote_addr()) : settings.server_name;
  conn_.start_tls(*tls, dialed_to_.has_value(), name, settings.verify_peer, std::move(done));
}

detail::WsAcceptOptions SessionImpl::ws_accept_options() {
  return {.path = cfg_.websocket_path,
          .web_root = cfg_.web_root,
          .already_read = {},
          .remote = remote_addr(),
          .check = [this](const WsHandshake& request) {
            Status st = run_hooks({&plugins_}, &Plugin::pre_websocket_handshake, request);
            if (!st.ok())
              log_.info("session {}: websocket upgrade refused: {}", remote_addr(), st.to_string());
            return st;
          }};
}

void SessionImpl::begin_handshake(std::function<void()> then) {
  handshake([this, then = std::move(then)](boost::system::error_code ec) {
    if (ec) {
      handshake_failed(ec);
      return;
    }
    then();
    flush();
  });
}

void SessionImpl::handshake_failed(boost::system::error_code ec) {
  Status st = Status::from_code(
      code::kConnClosed, std::string(ws_ ? "websocket" : "tls") + " handshake: " + ec.message());
  if (ec == detail::make_error_code(detail::WsFront::kServedFile)) {
    log_.debug("session {}: {}", remote_addr(), st.cause());
  } else {
    log_.info("session {}: {}", remote_addr(), st.cause());
  }
  shutdown(st);
}

void SessionImpl::upgrade_to_websocket() {
  use_websocket(false, "", cfg_.websocket_path, *host_->websocket_proto());
  conn_.start_ws_server(ws_accept_options(), cfg_.message_size_limit,
                        [this](boost::system::error_code ec) {
                          if (ec) return handshake_failed(ec);
                          conn_.read_more();
                        });
}

void SessionImpl::greet(bool again) {
  assert_in_loop(*ioc_);
  // post_dial runs here, on the session's thread, after a dial and after a redial alike.
  if (Status st = run_hooks({&plugins_}, &Plugin::post_dial, *this, again); !st.ok()) {
    if (again) {
      // A plugin's refusal does not end redialing (eRPC#86): the next attempt comes anyway.
      redial_refused(st.to_string());
      return;
    }
    ready(st);
    shutdown(st);
    return;
  }
  if (again) {
    redialed();
    return;
  }
  if (first_hook_) {
    ready_after_first_ = true;  // the dial returns with the hook's verdict
    return;
  }
  ready({});
}

void SessionImpl::ready(Status st) {
  if (auto fn = std::move(ready_fn_)) fn(std::move(st));
  ready_fn_ = nullptr;
}

SessionInfo SessionImpl::info() const {
  SessionInfo i;
  {
    std::lock_guard lock(id_mutex_);
    i.id = id_;
    i.remote = remote_;
    i.local = local_;
  }
  i.dialed = dialed_to_.has_value();
  i.age_seconds = std::chrono::duration<double>(Clock::now() - opened_).count();
  i.calls_waiting = pending_.waiting();
  i.handlers_running =
      static_cast<std::uint64_t>(std::max(0, handlers_running_.load(std::memory_order_relaxed)));
  i.bytes_in = conn_.bytes_read();
  i.bytes_out = conn_.bytes_written();
  return i;
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

Status SessionImpl::set_id(std::string id) {
  // The hub decides under its lock; two sessions renamed to one id at once: one wins.
  if (Status st = host_->session_renamed(this->id(), id, this); !st.ok()) return st;
  std::lock_guard lock(id_mutex_);
  id_ = std::move(id);
  return {};
}

void SessionImpl::close() {
  if (host_->threads_gone()) return;  // the peer closed every session before its threads ended
  asio::post(*ioc_, [self = shared_from_this()] {
    self->shutdown(Status::from_code(code::kConnClosed, "closed by the local peer"));
  });
}

void SessionImpl::on_close(std::function<void(const CloseReason&)> fn) {
  if (host_->threads_gone()) {
    fn(close_reason_);  // the peer closed every session before its threads ended
    return;
  }
  asio::post(*ioc_, [self = shared_from_this(), fn = std::move(fn)]() mutable {
    if (self->closed_) {
      fn(self->close_reason_);
    } else {
      self->close_fns_.push_back(std::move(fn));
    }
  });
}

Status SessionImpl::check_blocking_allowed() const {
  if (on_io_thread()) {
    return {code::kInvalidOp, "Invalid Operation",
            "a blocking call on an I/O thread would stall its loop (use async_call or co_await)"};
  }
  return {};
}

const char* SessionImpl::deadline_passed(Clock::time_point now) const {
  auto past = [&](std::chrono::milliseconds limit, Clock::time_point since) {
    return limit.count() > 0 && now - since >= limit;
  };
  if (!dialed_to_ && !first_frame_ && past(cfg_.handshake_timeout, started_at_))
    return "handshake timeout: no complete first frame";
  if (first_hook_ && now >= first_by_) return "handshake timeout: no first message";
  if (auto since = conn_.ws_closing_since(); since && past(cfg_.handshake_timeout, *since))
    return "handshake timeout: no answer to the WebSocket close frame";
  if (conn_.writing() && past(cfg_.write_timeout, conn_.write_since()))
    return "write timeout: the remote side is not reading";
  if (partial_ && !conn_.paused_by_owner() && past(cfg_.read_timeout, frame_since_)) {
    return conn_.waiting_for_budget()
               ? "read timeout: the peer's read budget had no room for the frame being read"
               : "read timeout: a frame begun was not finished";
  }
  return nullptr;
}

void SessionImpl::check_deadlines(Clock::time_point now) {
  assert_in_loop(*ioc_);
  if (closed_ || redialing_) return;
  if (const char* why = deadline_passed(now)) {
    log_.info("session {}: {}; closing", remote_addr(), why);
    on_broken(Status::from_code(code::kConnClosed, why), false);  // a dialed session redials
    return;
  }
  const auto idle = cfg_.idle_timeout;
  if (idle.count() > 0 && now - conn_.active_at() >= idle) {
    log_.info("session {}: idle timeout; closing", remote_addr());
    shutdown(Status::from_code(code::kConnClosed, "idle timeout"));  // closed, not redialed
  }
}

void SessionImpl::flush() {
  assert_in_loop(*ioc_);
  if (in_input_) return;  // process_input() writes what its frames produced when it ends
  conn_.flush();
  after_flush();
}

void SessionImpl::flush_input_batch() {
  // All that one read's frames produced (replies, calls from reply callbacks) in one write,
  // straight to the socket when it takes it: no operation queued, no completion to wait for.
  conn_.flush(true);
  if (!closed_ && conn_.paused_by_owner() && !conn_.writing() &&
      conn_.unsent_replies() <= cfg_.max_unsent_bytes / 2) {
    // Written at once, so no on_sent() will come to resume reading: resume from the queue, as a
    // completion would (not here: process_input() must not run inside itself).
    asio::post(*ioc_, [self = shared_from_this()] { self->on_sent(); });
  }
  after_flush();
}

void SessionImpl::after_flush() {
  update_busy();
  if (close_after_flush_ && !conn_.writing() && conn_.out().empty())
    shutdown(Status::from_code(code::kUnauthorized, "handshake refused"));
}

void SessionImpl::on_sent() {
  assert_in_loop(*ioc_);
  flush();
  const std::size_t max_unsent = cfg_.max_unsent_bytes;
  if (conn_.paused_by_owner() && conn_.unsent_replies() <= max_unsent / 2) {
    conn_.resume_reading();
    process_input();  // frames already buffered first
    conn_.read_more();
  }
}

void SessionImpl::update_busy() {
  busy_.store(conn_.writing() || !conn_.out().empty() || !held_.empty() || handlers_running_ > 0,
              std::memory_order_relaxed);
}

void SessionImpl::shutdown(const Status& why, CloseReason::Side side) {
  if (closed_) return;
  assert_in_loop(*ioc_);
  auto keep = shared_from_this();  // the hub may hold the last other reference
  close_reason_ = {side, why};
  // Unhealthy before closed: a caller on another thread that finds the session closed must not
  // still see it healthy and pick it again (a channel's retry would spend its budget on it).
  healthy_ = false;
  closed_ = true;
  if (metrics_) {
    (side == CloseReason::Side::kRemote ? metrics_->closed_remote : metrics_->closed_local).add();
  }
  // Out of the hub before the socket closes: whoever sees the close sees the session gone.
  host_->session_closed(id(), this);
  if (sweeper_) sweeper_->unwatch(this);
  ready(Status::from_code(code::kConnClosed, why.cause()));
  redialing_ = holding_ = false;
  conn_.close(true);
  conn_.discard_output();
  held_.clear();
  first_hook_ = nullptr;
  if (age_timer_) age_timer_->cancel();
  if (redial_timer_) redial_timer_->cancel();
  pending_.fail_all(why.cause());
  for (EarlyMessage& early : std::exchange(early_, {})) {
    if (early.done)
      PendingCalls::fail(early.done, Status::from_code(code::kConnClosed, why.cause()));
  }
  update_busy();
  (void)run_hooks({&plugins_}, &Plugin::post_disconnect, *this);
  cancel_handlers(Status::from_code(code::kConnClosed, "the session closed: " + why.cause()));
  auto fns = std::move(close_fns_);
  for (auto& fn : fns) fn(close_reason_);
}

void SessionImpl::log_message(const char* direction, const Message& msg) const {
  log_.info("{} {} {} seq={} {} status={} meta={} codec={} body={}", direction, remote_addr(),
            msg_type_name(msg.type), msg.seq, msg.service_method, msg.status.to_query(),
            msg.meta.encode(), static_cast<int>(msg.body_codec),
            msg.body.size() > 256 ? msg.body.substr(0, 256) + "..." : msg.body);
}

}  // namespace tp::detail

namespace tp {

boost::asio::any_io_executor io_executor(Session& session) {
  return static_cast<detail::SessionImpl&>(session).executor();
}

}  // namespace tp
