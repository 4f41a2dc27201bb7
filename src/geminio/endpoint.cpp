#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <cstring>

#include "geminio/mux.hpp"
#include "geminio/wire.hpp"

namespace tp::geminio::detail {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Completes an operation on its handler's executor (never inline: the caller holds a lock).
void complete(std::optional<Stream::Handler>& pending, const asio::any_io_executor& fallback,
              error_code ec, std::size_t n) {
  if (!pending) return;
  Stream::Handler h(std::move(*pending));
  pending.reset();
  // Through the fallback (never inline), then to the handler's own executor. (Not through
  // asio::append: Boost 1.81 re-wraps an any_completion_handler token without end.)
  asio::post(fallback, [h = std::move(h), ec, n]() mutable {
    auto ex = asio::get_associated_executor(h);
    asio::dispatch(ex, [h = std::move(h), ec, n]() mutable { std::move(h)(ec, n); });
  });
}

Meta stream_meta(std::uint64_t id) {
  Meta m;
  m.add(wire::kStreamKey, std::to_string(id));
  return m;
}

}  // namespace

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
}

void EndpointImpl::close(const std::string& why) {
  connection_lost(nullptr, why);
  Lock lock(mutex_);
  closed_ = true;
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

// ---- streams ----

std::pair<std::shared_ptr<StreamImpl>, Status> EndpointImpl::open_stream(Meta meta) {
  Lock lock(mutex_);
  if (closed_ || !session_) {
    return {nullptr, Status::from_code(code::kConnClosed, "not connected")};
  }
  if (streams_.size() >= mux->options.max_streams) {
    return {nullptr, Status(code::kInvalidOp, "too many streams",
                            "limit " + std::to_string(mux->options.max_streams))};
  }
  const std::uint64_t id = next_stream_id_;
  next_stream_id_ += 2;  // clients open odd ids, servers even ones: never the same id
  auto s = std::make_shared<StreamImpl>(weak_from_this(), id, meta, side, mux->options.window,
                                        remote_window_, executor);
  streams_[id] = s;
  send(wire::kOpen, stream_meta(id), meta.encode());
  return {s, {}};
}

std::shared_ptr<StreamImpl> EndpointImpl::accept_stream(std::chrono::milliseconds timeout) {
  Lock lock(mutex_);
  accept_cv_.wait_for(lock, timeout, [&] { return closed_ || !accept_queue_.empty(); });
  if (accept_queue_.empty()) return nullptr;
  auto s = accept_queue_.front();
  accept_queue_.pop_front();
  return s;
}

std::vector<std::shared_ptr<StreamImpl>> EndpointImpl::streams() const {
  Lock lock(mutex_);
  std::vector<std::shared_ptr<StreamImpl>> all{default_stream_};
  for (const auto& [id, s] : streams_) all.push_back(s);
  return all;
}

void EndpointImpl::on_open(std::uint64_t id, Meta meta) {
  Lock lock(mutex_);
  if (id == 0 || streams_.contains(id)) return;
  if (streams_.size() >= mux->options.max_streams) {
    Meta m = stream_meta(id);
    m.add(wire::kReasonKey, "too many streams");
    send(wire::kReset, std::move(m));
    return;
  }
  const Side opener = side == Side::kClient ? Side::kServer : Side::kClient;
  auto s = std::make_shared<StreamImpl>(weak_from_this(), id, std::move(meta), opener,
                                        mux->options.window, remote_window_, executor);
  streams_[id] = s;
  accept_queue_.push_back(s);
  accept_cv_.notify_one();
}

void EndpointImpl::on_data(std::uint64_t id, std::string_view bytes) {
  Lock lock(mutex_);
  auto s = find(id);
  if (!s || s->reset_reason) return;  // late bytes of a stream already gone
  if (s->remote_fin || s->buffered() + bytes.size() > s->window) {
    // The writer ignored the credit it was given: the stream cannot continue.
    const std::string why = s->remote_fin ? "data after fin" : "flow control window exceeded";
    Meta m = stream_meta(id);
    m.add(wire::kReasonKey, why);
    send(wire::kReset, std::move(m));
    fail_stream(s, why);
    forget_if_done(s);
    return;
  }
  if (s->read_from > 0 && s->read_from == s->received.size()) {
    s->received.clear();
    s->read_from = 0;
  }
  s->received.append(bytes);
  deliver(lock, s);
}

void EndpointImpl::deliver(Lock&, const std::shared_ptr<StreamImpl>& s) {
  if (!s->read_handler) return;
  if (s->buffered() == 0) {
    if (s->reset_reason) {
      complete(s->read_handler, s->executor, asio::error::connection_reset, 0);
    } else if (s->remote_fin) {
      complete(s->read_handler, s->executor, asio::error::eof, 0);
    }
    return;
  }
  std::size_t n = 0;
  for (const auto& b : s->read_buffers) {
    const std::size_t take = std::min(b.size(), s->buffered());
    std::memcpy(b.data(), s->received.data() + s->read_from, take);
    s->read_from += take;
    n += take;
    if (s->buffered() == 0) break;
  }
  s->read_buffers.clear();
  complete(s->read_handler, s->executor, {}, n);
  // Give the writer its credit back in batches of a quarter window.
  s->consumed += static_cast<std::uint32_t>(n);
  if (s->consumed >= s->window / 4 && !s->reset_reason) {
    Meta m = stream_meta(s->id);
    m.add(wire::kCountKey, std::to_string(s->consumed));
    s->consumed = 0;
    send(wire::kCredit, std::move(m));
  }
}

void EndpointImpl::read(const std::shared_ptr<StreamImpl>& s, std::vector<asio::mutable_buffer> b,
                        Stream::Handler h) {
  Lock lock(mutex_);
  std::optional<Stream::Handler> op;
  op.emplace(std::move(h));
  if (s->read_handler) {
    complete(op, s->executor, asio::error::in_progress, 0);
    return;
  }
  if (asio::buffer_size(b) == 0) {
    complete(op, s->executor, {}, 0);
    return;
  }
  s->read_buffers = std::move(b);
  s->read_handler.emplace(std::move(*op));
  if (s->buffered() == 0 && !s->remote_fin && !s->reset_reason) return;  // wait for data
  deliver(lock, s);
}

void EndpointImpl::write(const std::shared_ptr<StreamImpl>& s, std::vector<asio::const_buffer> b,
                         Stream::Handler h) {
  Lock lock(mutex_);
  std::optional<Stream::Handler> op;
  op.emplace(std::move(h));
  if (s->write_handler) {
    complete(op, s->executor, asio::error::in_progress, 0);
    return;
  }
  s->write_buffers = std::move(b);
  s->write_handler.emplace(std::move(*op));
  try_write(lock, s);
}

void EndpointImpl::try_write(Lock&, const std::shared_ptr<StreamImpl>& s) {
  if (!s->write_handler) return;
  if (s->reset_reason || !session_) {
    s->write_buffers.clear();
    complete(s->write_handler, s->executor, asio::error::connection_reset, 0);
    return;
  }
  if (s->local_fin) {
    s->write_buffers.clear();
    complete(s->write_handler, s->executor, asio::error::broken_pipe, 0);
    return;
  }
  const std::size_t total = asio::buffer_size(s->write_buffers);
  if (total == 0) {
    complete(s->write_handler, s->executor, {}, 0);
    return;
  }
  if (s->send_credit == 0) return;  // parked until the reader grants credit
  const std::size_t n = std::min({total, std::size_t{s->send_credit}, wire::kMaxChunk});
  std::string chunk(n, '\0');
  asio::buffer_copy(asio::buffer(chunk), s->write_buffers);
  s->send_credit -= static_cast<std::uint32_t>(n);
  s->write_buffers.clear();
  send(wire::kData, stream_meta(s->id), std::move(chunk));
  complete(s->write_handler, s->executor, {}, n);
}

void EndpointImpl::on_credit(std::uint64_t id, std::uint32_t n) {
  Lock lock(mutex_);
  auto s = find(id);
  if (!s) return;
  s->send_credit = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(std::uint64_t{s->send_credit} + n, UINT32_MAX));
  try_write(lock, s);
}

void EndpointImpl::close_stream(const std::shared_ptr<StreamImpl>& s) {
  Lock lock(mutex_);
  if (s->local_fin || s->reset_reason) return;
  s->local_fin = true;
  send(wire::kFin, stream_meta(s->id));
  forget_if_done(s);
}

void EndpointImpl::on_fin(std::uint64_t id) {
  Lock lock(mutex_);
  auto s = find(id);
  if (!s) return;
  s->remote_fin = true;
  deliver(lock, s);
  forget_if_done(s);
}

void EndpointImpl::reset_stream(const std::shared_ptr<StreamImpl>& s, std::string reason) {
  Lock lock(mutex_);
  if (s->reset_reason) return;
  Meta m = stream_meta(s->id);
  m.add(wire::kReasonKey, reason);
  send(wire::kReset, std::move(m));
  fail_stream(s, reason);
  forget_if_done(s);
}

void EndpointImpl::on_reset(std::uint64_t id, std::string reason) {
  Lock lock(mutex_);
  auto s = find(id);
  if (!s) return;
  fail_stream(s, reason);
  forget_if_done(s);
}

void EndpointImpl::fail_stream(const std::shared_ptr<StreamImpl>& s, const std::string& reason) {
  if (!s->reset_reason) s->reset_reason = reason;
  s->received.clear();
  s->read_from = 0;
  s->read_buffers.clear();
  s->write_buffers.clear();
  complete(s->read_handler, s->executor, asio::error::connection_reset, 0);
  complete(s->write_handler, s->executor, asio::error::connection_reset, 0);
  s->inbox_cv.notify_all();
}

void EndpointImpl::forget_if_done(const std::shared_ptr<StreamImpl>& s) {
  if (s->id == 0) return;
  if (s->reset_reason || (s->local_fin && s->remote_fin && s->buffered() == 0)) {
    streams_.erase(s->id);
  }
}

// ---- messages ----

void EndpointImpl::publish(std::uint64_t stream, OutMessage msg, std::function<void(Status)> done) {
  Lock lock(mutex_);
  if (closed_) {
    asio::post(executor, [done = std::move(done)] {
      done(Status::from_code(code::kConnClosed, "endpoint closed"));
    });
    return;
  }
  auto s = find(stream);
  // The default stream's bytes reset with a lost connection; its messages wait for the next.
  if (!s || (stream != 0 && s->reset_reason)) {
    asio::post(executor, [done = std::move(done)] {
      done(Status::from_code(code::kConnClosed, "stream closed"));
    });
    return;
  }
  const std::uint64_t id = ++next_message_id_;
  Pending& p = outbox_[id];
  p.stream = stream;
  p.msg = std::move(msg);
  p.done = std::move(done);
  if (p.msg.timeout.count() > 0) {
    p.timer = std::make_unique<asio::steady_timer>(executor, p.msg.timeout);
    p.timer->async_wait([weak = weak_from_this(), id](error_code ec) {
      if (auto self = weak.lock(); self && !ec) {
        self->finish_pending(id,
                             Status::from_code(code::kHandleTimeout, "not acknowledged in time"));
      }
    });
  }
  if (session_) {
    send_message(session_, id, p);
  } else if (p.msg.delivery == Delivery::kAtMostOnce || stream != 0) {
    lock.unlock();
    finish_pending(id, Status::from_code(code::kConnClosed, "not connected"));
  }  // else: kept, and sent when the client is back
}

void EndpointImpl::send_message(const std::shared_ptr<Session>& session, std::uint64_t id,
                                const Pending& p) {
  Meta m = stream_meta(p.stream);
  m.add(wire::kIdKey, std::to_string(id));
  if (!p.msg.topic.empty()) m.add(wire::kTopicKey, p.msg.topic);
  if (!p.msg.custom.empty()) m.add(wire::kCustomKey, p.msg.custom);
  m.add(wire::kDeliveryKey, std::to_string(static_cast<int>(p.msg.delivery)));
  send_to(session, wire::kMessage, std::move(m), p.msg.payload);
}

void EndpointImpl::finish_pending(std::uint64_t id, Status st) {
  Lock lock(mutex_);
  auto it = outbox_.find(id);
  if (it == outbox_.end()) return;
  Pending p = std::move(it->second);
  outbox_.erase(it);
  lock.unlock();
  if (p.timer) p.timer->cancel();
  if (p.done) p.done(std::move(st));
}

void EndpointImpl::on_ack(std::uint64_t id, std::optional<std::string> error) {
  finish_pending(id,
                 error ? Status(code::kInternalServerError, "message rejected", *error) : Status());
}

void EndpointImpl::on_message(std::uint64_t stream, std::uint64_t id, std::string topic,
                              std::string payload, std::string custom, Delivery delivery) {
  if (delivery == Delivery::kEffectivelyOnce) {
    std::optional<std::string> verdict;
    if (!mux->options.dedup->first_sight(client_id, id, verdict)) {
      // A duplicate: answered with the verdict it got, or not at all while it is still pending.
      if (verdict) {
        InboundState again;
        again.stream = stream;
        again.id = id;
        acknowledge(again, verdict->empty() ? std::nullopt : verdict);
      }
      return;
    }
  }
  auto state = std::make_shared<InboundState>();
  state->endpoint = weak_from_this();
  state->stream = stream;
  state->id = id;
  state->topic = std::move(topic);
  state->payload = std::move(payload);
  state->custom = std::move(custom);
  state->delivery = delivery;
  Lock lock(mutex_);
  auto s = find(stream);
  if (!s || (stream != 0 && s->reset_reason))
    return;  // its stream is gone: the publisher sees that
  if (s->on_message) {
    MessageHandler handler = s->on_message;
    lock.unlock();
    handler(Inbound(state));
    return;
  }
  s->inbox.emplace_back(state);
  s->inbox_cv.notify_one();
}

void EndpointImpl::acknowledge(const InboundState& in, std::optional<std::string> error) {
  if (in.delivery == Delivery::kEffectivelyOnce) {
    mux->options.dedup->record(client_id, in.id, error.value_or(""));
  }
  Meta m = stream_meta(in.stream);
  m.add(wire::kIdKey, std::to_string(in.id));
  if (error) m.add(wire::kErrorKey, *error);
  Lock lock(mutex_);
  send(wire::kAck, std::move(m));  // lost with the connection: the publisher re-sends
}

std::optional<Inbound> EndpointImpl::receive(const std::shared_ptr<StreamImpl>& s,
                                             std::chrono::milliseconds timeout) {
  Lock lock(mutex_);
  s->inbox_cv.wait_for(lock, timeout, [&] {
    return closed_ || (s->id != 0 && s->reset_reason) || !s->inbox.empty();
  });
  if (s->inbox.empty()) return std::nullopt;
  Inbound in = std::move(s->inbox.front());
  s->inbox.pop_front();
  return in;
}

void EndpointImpl::set_message_handler(const std::shared_ptr<StreamImpl>& s,
                                       MessageHandler handler) {
  Lock lock(mutex_);
  s->on_message = std::move(handler);
  // Messages that were already queued go to the handler too.
  auto queued = std::move(s->inbox);
  s->inbox.clear();
  MessageHandler h = s->on_message;
  lock.unlock();
  for (auto& in : queued) h(std::move(in));
}

}  // namespace tp::geminio::detail
