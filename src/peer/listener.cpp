#include "peer/listener.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>
#include <algorithm>
#include <boost/asio/post.hpp>

#include "session/session_impl.hpp"
#include "socket/address.hpp"
#include "support/run_in_loop.hpp"

namespace tp::detail {

namespace asio = boost::asio;

Listener::Listener(std::shared_ptr<PeerCore> core, std::unique_ptr<Acceptor> acceptor)
    : core_(std::move(core)), acceptor_(std::move(acceptor)) {}

void Listener::start() {
  asio::post(acceptor_->get_executor(), [this] { accept_next(); });
}

void Listener::close() {
  // Asio objects are not thread-safe: the acceptor closes on its own thread.
  run_in_loop(loop(), [this] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    if (retry_timer_) retry_timer_->cancel();
  });
}

asio::io_context& Listener::loop() const {
  return static_cast<asio::io_context&>(acceptor_->get_executor().context());
}

void Listener::accept_next() {
  // Accepted on the acceptor's own loop: a socket is registered and closed only on the thread
  // that runs its loop (hand_over moves it to another).
  acceptor_->async_accept(loop(), [this](boost::system::error_code ec, SessionImpl::Socket socket) {
    if (ec == asio::error::operation_aborted || core_->pool->stopped) return;
    if (ec) {
      back_off(ec);
      return;
    }
    if (errors_ > 0) {
      core_->logger().warn("accept: recovered after {} failed attempts", errors_);
      errors_ = 0;
      backoff_ = {};
    }
    adopt(std::move(socket));
    accept_next();
  });
}

void Listener::back_off(boost::system::error_code ec) {
  // Accept errors (EMFILE, ENFILE, ENOBUFS, ...) persist until something is released: retrying at
  // once would spin. Wait 10 ms, doubling to 1 s, and log once per burst.
  if (errors_++ == 0)
    core_->logger().warn("accept: {}; retrying with backoff until it succeeds", ec.message());
  backoff_ =
      std::clamp(backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  if (!retry_timer_) retry_timer_ = std::make_unique<asio::steady_timer>(acceptor_->get_executor());
  retry_timer_->expires_after(backoff_);
  retry_timer_->async_wait([this](boost::system::error_code tec) {
    if (!tec && !core_->pool->stopped && acceptor_->is_open()) accept_next();
  });
}

void Listener::adopt(asio::generic::stream_protocol::socket socket) {
  const std::size_t limit = core_->config().max_connections;
  if (limit > 0 && core_->count_sessions() + core_->handing_over >= limit) {
    if (refused_over_limit_++ % 1000 == 0) {
      core_->logger().warn("connection limit {} reached: refused {} connection(s) so far", limit,
                           refused_over_limit_);
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  asio::io_context& target = core_->pool->pick();
  if (&target == &loop()) {
    start_session(core_, std::move(socket));
    return;
  }
  hand_over(target, std::move(socket));
}

void Listener::hand_over(asio::io_context& target, SessionImpl::Socket socket) {
  // Out of this loop's reactor, into the target's on the target's own thread.
  boost::system::error_code ec;
  const auto protocol = stream_protocol_of(socket.local_endpoint(ec).protocol().family());
  const int fd = socket.release(ec);
  if (ec) {
    core_->logger().warn("accept: cannot hand a connection to its I/O thread: {}", ec.message());
    return;
  }
  ++core_->handing_over;  // counted against the connection limit until its session is
  asio::post(target, [core = core_, &target, protocol, fd] {
    SessionImpl::Socket moved(target);
    boost::system::error_code aec;
    moved.assign(protocol, fd, aec);
    if (aec) {
      ::close(fd);
      core->logger().warn("accept: cannot register a connection: {}", aec.message());
    } else {
      start_session(core, std::move(moved));
    }
    --core->handing_over;
  });
}

void Listener::start_session(const std::shared_ptr<PeerCore>& core, SessionImpl::Socket socket) {
  auto session = std::make_shared<SessionImpl>(core, std::move(socket));
  if (const auto& cfg = core->config(); !cfg.websocket_path.empty() && !cfg.detect_protocol) {
    session->use_websocket(false, "", cfg.websocket_path, *core->ws_framed_);
  }
  core->add_session(session);
  session->start();  // post_accept runs first, on the session's thread
}

}  // namespace tp::detail
