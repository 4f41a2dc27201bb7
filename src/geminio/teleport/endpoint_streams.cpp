// EndpointImpl's streams: opening and accepting them, bytes with per-stream flow control, close
// (FIN) and reset.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <cstring>

#include "geminio/complete_op.hpp"
#include "geminio/teleport/mux.hpp"
#include "geminio/teleport/wire.hpp"

namespace tp::geminio::teleport::detail {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Completes a pending operation, if any (never inline: the caller holds a lock).
void complete(std::optional<Stream::Handler>& pending, const asio::any_io_executor& fallback,
              error_code ec, std::size_t n) {
  if (!pending) return;
  Stream::Handler h(std::move(*pending));
  pending.reset();
  geminio::detail::complete_op(std::move(h), fallback, ec, n);
}

}  // namespace

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
  EndpointCounters::bump(counts->streams_opened);
  send(wire::kOpen, wire::stream_meta(id), meta.encode());
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
    Meta m = wire::stream_meta(id);
    m.add(wire::kReasonKey, "too many streams");
    send(wire::kReset, std::move(m));
    return;
  }
  const Side opener = side == Side::kClient ? Side::kServer : Side::kClient;
  auto s = std::make_shared<StreamImpl>(weak_from_this(), id, std::move(meta), opener,
                                        mux->options.window, remote_window_, executor);
  streams_[id] = s;
  EndpointCounters::bump(counts->streams_opened);
  if (stream_handler_) {
    asio::post(executor, [fn = stream_handler_, s] { fn(Stream(s)); });
    return;
  }
  accept_queue_.push_back(s);
  accept_cv_.notify_one();
}

void EndpointImpl::set_stream_handler(std::function<void(Stream)> fn) {
  Lock lock(mutex_);
  if (closed_) return;
  stream_handler_ = std::move(fn);
  for (auto& s : accept_queue_) asio::post(executor, [fn = stream_handler_, s] { fn(Stream(s)); });
  accept_queue_.clear();
}

void EndpointImpl::on_gone(std::function<void(const Status&)> fn) {
  Lock lock(mutex_);
  if (closed_) {
    asio::post(executor, [fn = std::move(fn), why = gone_reason_] { fn(why); });
    return;
  }
  gone_fns_.push_back(std::move(fn));
}

void EndpointImpl::on_data(std::uint64_t id, std::string_view bytes) {
  Lock lock(mutex_);
  auto s = find(id);
  if (!s || s->reset_reason) return;  // late bytes of a stream already gone
  if (s->remote_fin || s->buffered() + bytes.size() > s->window) {
    // The writer ignored the credit it was given: the stream cannot continue.
    const std::string why = s->remote_fin ? "data after fin" : "flow control window exceeded";
    Meta m = wire::stream_meta(id);
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
    Meta m = wire::stream_meta(s->id);
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
  send(wire::kData, wire::stream_meta(s->id), std::move(chunk));
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
  send(wire::kFin, wire::stream_meta(s->id));
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
  Meta m = wire::stream_meta(s->id);
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
  if (!s->reset_reason) {
    s->reset_reason = reason;
    if (s->id != 0) EndpointCounters::bump(counts->streams_reset);
  }
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

}  // namespace tp::geminio::teleport::detail
