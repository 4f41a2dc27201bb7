// A dialed session whose connection breaks dials again: calls that were waiting for a reply are
// re-sent once on the new connection, after post_dial (and the handshake it starts) has passed.
#include <spdlog/spdlog.h>

#include "session/session_impl.hpp"
#include "support/threads.hpp"

namespace tp::detail {

namespace asio = boost::asio;

void SessionImpl::on_broken(const Status& why, bool by_remote) {
  assert_in_loop(*ioc_);
  if (closed_ || redialing_) return;
  if (holding_) {
    redial_refused(why.cause());  // the new connection broke during its handshake: try again
    return;
  }
  // Nobody holds a session whose dial has not returned yet: it ends rather than redials.
  if (!dialed_to_ || cfg_.redial_times == 0 || host_->closing() || ready_fn_) {
    shutdown(why, by_remote ? CloseReason::Side::kRemote : CloseReason::Side::kLocal);
    return;
  }
  log_.info("session {} broke ({}); redialing", remote_addr(), why.cause());
  redialing_ = holding_ = true;
  healthy_ = false;
  partial_ = false;
  first_hook_ = nullptr;
  conn_.close(false);
  // Calls waiting for a reply are re-sent once after the redial (a second break fails them),
  // ahead of what was queued and not written yet.
  held_ = pending_.frames_to_resend(why.cause()) + conn_.out();
  conn_.discard_output();
  redial_attempt_ = 1;
  redial();
}

void SessionImpl::redial() {
  redial_timer_ = std::make_unique<asio::steady_timer>(*ioc_, cfg_.redial_interval);
  redial_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    if (!self->conn_.quiet()) {
      // The old socket's operations (aborted by its close) have not completed yet; they refer to
      // the socket and its TLS stream, which must not be replaced under them.
      self->redial();
      return;
    }
    auto socket = std::make_shared<Socket>(*self->ioc_);
    const auto& cfg = self->cfg_;
    if (Status st = open_for_dial(*socket, cfg.network, cfg.local_ip, *self->dialed_to_);
        !st.ok()) {
      self->shutdown(st);
      return;
    }
    socket->async_connect(*self->dialed_to_, [self, socket](boost::system::error_code cec) {
      if (self->closed_) return;
      if (cec) {
        self->retry_redial(cec.message());
        return;
      }
      self->conn_.replace(std::move(*socket));
      self->redial_connected();
    });
  });
}

void SessionImpl::redial_connected() {
  assert_in_loop(*ioc_);
  conn_.apply_options(cfg_);
  {
    std::lock_guard lock(id_mutex_);
    local_ = conn_.local_text();
  }
  redialing_ = false;  // connected; calls stay held until post_dial has passed
  handshake([this](boost::system::error_code ec) {
    if (ec) {
      redial_refused("handshake: " + ec.message());
      return;
    }
    conn_.read_more();  // post_dial may exchange messages (auth)
    greet(true);
  });
}

void SessionImpl::redial_refused(const std::string& why) {
  redialing_ = true;
  first_hook_ = nullptr;
  conn_.discard_output();  // the refused handshake's own messages: the next post_dial sends anew
  conn_.close(false);
  retry_redial(why);
}

void SessionImpl::retry_redial(const std::string& why) {
  const int limit = cfg_.redial_times;
  if (limit > 0 && redial_attempt_ >= limit) {
    shutdown(Status::from_code(code::kDialFailed, "redial failed: " + why));
    return;
  }
  ++redial_attempt_;
  redial();
}

void SessionImpl::redialed() {
  assert_in_loop(*ioc_);
  log_.info("session {} redialed (attempt {})", remote_addr(), redial_attempt_);
  if (metrics_) metrics_->redials.add();
  holding_ = false;
  healthy_ = true;
  conn_.out() += held_;  // after what post_dial sent (a handshake goes first)
  held_.clear();
  conn_.read_more();
  flush();
}

}  // namespace tp::detail
