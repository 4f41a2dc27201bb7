#include "peer/listener.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>

#include "session/session_impl.hpp"

namespace tp::detail {

namespace asio = boost::asio;

Listener::Listener(std::shared_ptr<PeerCore> core, std::unique_ptr<Acceptor> acceptor)
    : core_(std::move(core)), acceptor_(std::move(acceptor)) {}

void Listener::start() {
  asio::post(acceptor_->get_executor(), [this] { accept_next(); });
}

void Listener::close() {
  // Asio objects are not thread-safe: the acceptor closes on its own thread.
  std::promise<void> done;
  asio::post(acceptor_->get_executor(), [&] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    if (retry_timer_) retry_timer_->cancel();
    done.set_value();
  });
  done.get_future().wait();
}

void Listener::accept_next() {
  acceptor_->async_accept(
      core_->pool->pick(), [this](boost::system::error_code ec, SessionImpl::Socket socket) {
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
  if (limit > 0 && core_->count_sessions() >= limit) {
    if (refused_over_limit_++ % 1000 == 0) {
      core_->logger().warn("connection limit {} reached: refused {} connection(s) so far", limit,
                           refused_over_limit_);
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto session = std::make_shared<SessionImpl>(core_, std::move(socket));
  if (const auto& cfg = core_->config(); !cfg.websocket_path.empty() && !cfg.detect_protocol) {
    session->use_websocket(false, "", cfg.websocket_path, *core_->ws_framed_);
  }
  core_->add_session(session);
  session->start();  // post_accept runs first, on the session's thread
}

}  // namespace tp::detail
