// EndpointImpl's life: binding to a connection, losing it, closing, remote methods, and sending
// the layer's frames. Streams are in endpoint_streams.cpp, messages in endpoint_messages.cpp.
#include <boost/asio/post.hpp>

#include "geminio/teleport/mux.hpp"
#include "geminio/teleport/wire.hpp"

namespace tp::geminio::teleport::detail {
namespace asio = boost::asio;
using boost::system::error_code;

StreamImpl::StreamImpl(std::weak_ptr<EndpointImpl> ep, std::uint64_t id_, Meta meta_,
                       Side opened_by_, std::uint32_t window_, std::uint32_t remote_window,
                       asio::any_io_executor executor_)
    : endpoint(std::move(ep)),
      id(id_),
      meta(std::move(meta_)),
      opened_by(opened_by_),
      executor(std::move(executor_)),
      window(window_),
      send_credit(remote_window) {}

EndpointImpl::EndpointImpl(std::shared_ptr<Mux> m, Side s, std::uint64_t id, Meta meta,
                           asio::any_io_executor ex)
    : mux(std::move(m)),
      side(s),
      client_id(id),
      client_meta(std::move(meta)),
      executor(std::move(ex)),
      remote_window_(mux->options.window),
      next_stream_id_(s == Side::kClient ? 1 : 2) {
  default_stream_ = std::make_shared<StreamImpl>(std::weak_ptr<EndpointImpl>(), 0, Meta{}, side,
                                                 mux->options.window, remote_window_, executor);
  default_stream_->on_message = mux->options.on_message;
}

std::shared_ptr<EndpointImpl> EndpointImpl::create(std::shared_ptr<Mux> mux, Side side,
                                                   std::uint64_t client_id, Meta client_meta,
                                                   asio::any_io_executor executor) {
  auto ep = std::make_shared<EndpointImpl>(std::move(mux), side, client_id, std::move(client_meta),
                                           std::move(executor));
  ep->default_stream_->endpoint = ep;
  ep->mux->track(ep);
  return ep;
}

void EndpointImpl::bind(const std::shared_ptr<Session>& session, std::uint32_t remote_window) {
  Lock lock(mutex_);
  if (closed_) return;
  session_ = session;
  remote_window_ = remote_window;
  // The default stream lives as long as the endpoint; its bytes start afresh per connection.
  auto& d = *default_stream_;
  d.received.clear();
  d.read_from = 0;
  d.consumed = 0;
  d.send_credit = remote_window;
  d.local_fin = d.remote_fin = false;
  d.reset_reason.reset();
}

void EndpointImpl::connection_lost(const Session* session, const std::string& why) {
  Lock lock(mutex_);
  if (session && session_.get() != session) return;  // already bound to a newer connection
  session_.reset();
  fail_stream(default_stream_, why);
  for (auto& [id, s] : streams_) fail_stream(s, why);
  streams_.clear();
  accept_queue_.clear();
  // Messages that cannot be re-sent fail now: at-most-once ones, and those of dead streams.
  for (auto it = outbox_.begin(); it != outbox_.end();) {
    if (it->second.stream != 0 || it->second.msg.delivery == Delivery::kAtMostOnce) {
      if (it->second.timer) it->second.timer->cancel();
      auto done = std::move(it->second.done);
      it = outbox_.erase(it);
      asio::post(executor, [done = std::move(done), why] {
        if (done) done(Status::from_code(code::kConnClosed, why));
      });
    } else {
      ++it;
    }
  }
}

void EndpointImpl::resend_unacknowledged() {
  Lock lock(mutex_);
  if (!session_) return;
  for (const auto& [id, p] : outbox_) send_message(session_, id, p);
  EndpointCounters::bump(counts->resent, outbox_.size());
}

void EndpointImpl::add_gauges_to(GeminioMetrics& m) const {
  Lock lock(mutex_);
  if (closed_) return;
  ++(session_ ? m.endpoints_connected : m.endpoints_waiting);
  m.streams_open += streams_.size();
}

void EndpointImpl::close(const std::string& why) {
  connection_lost(nullptr, why);
  Lock lock(mutex_);
  if (!closed_) {
    gone_reason_ = Status::from_code(code::kConnClosed, why);
    for (auto& fn : gone_fns_)
      asio::post(executor, [fn = std::move(fn), why = gone_reason_] { fn(why); });
    gone_fns_.clear();
  }
  closed_ = true;
  stream_handler_ = nullptr;  // it often holds the endpoint
  for (auto& [id, p] : outbox_) {
    if (p.timer) p.timer->cancel();
    asio::post(executor, [done = std::move(p.done), why] {
      if (done) done(Status::from_code(code::kConnClosed, why));
    });
  }
  outbox_.clear();
  // Handlers often hold their endpoint (a chatroom's handler publishes back through it): drop
  // them so that the endpoint can be freed.
  default_stream_->on_message = nullptr;
  default_stream_->inbox.clear();
  default_stream_->inbox_cv.notify_all();
  accept_cv_.notify_all();
  methods_cv_.notify_all();
}

std::shared_ptr<Session> EndpointImpl::session() const {
  Lock lock(mutex_);
  return session_;
}

bool EndpointImpl::session_other_than(const Session* s) const {
  Lock lock(mutex_);
  return session_ && session_.get() != s;
}

std::vector<std::string> EndpointImpl::remote_methods() const {
  Lock lock(mutex_);
  return {remote_methods_.begin(), remote_methods_.end()};
}

void EndpointImpl::set_remote_methods(std::vector<std::string> methods) {
  Lock lock(mutex_);
  remote_methods_ = {methods.begin(), methods.end()};
  methods_cv_.notify_all();
}

bool EndpointImpl::wait_remote_methods(const std::vector<std::string>& methods,
                                       std::chrono::milliseconds timeout) {
  Lock lock(mutex_);
  return methods_cv_.wait_for(lock, timeout, [&] {
    for (const auto& m : methods) {
      if (!remote_methods_.contains(m)) return false;
    }
    return true;
  });
}

std::shared_ptr<StreamImpl> EndpointImpl::find(std::uint64_t id) const {
  if (id == 0) return default_stream_;
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

void EndpointImpl::send_to(const std::shared_ptr<Session>& s, std::string_view sm, Meta meta,
                           std::string body) {
  if (!s) return;
  CallOptions opts;
  opts.meta = std::move(meta);
  (void)s->push_raw(std::string(sm), codec_id::kPlain, std::move(body), std::move(opts));
}

void EndpointImpl::send(std::string_view sm, Meta meta, std::string body) {
  send_to(session_, sm, std::move(meta), std::move(body));
}

}  // namespace tp::geminio::teleport::detail
