#include "geminio/gowire/go_conn.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <cstring>

#include "geminio/complete_op.hpp"
#include "teleport/logging.hpp"

namespace tp::geminio::detail {
namespace asio = boost::asio;
using gowire::LinkEvent;
using Kind = gowire::LinkEvent::Kind;
using boost::system::error_code;

namespace {

constexpr std::size_t kMaxWriteFrame = 1 << 20;  // bytes of one STREAM frame we write
constexpr auto kCloseTimeout = std::chrono::seconds(3);
const char kNoAnswer[] = "geminio: the handler gave no answer";

void complete(Stream::Handler h, asio::io_context& io, error_code ec, std::size_t n) {
  ::tp::geminio::detail::complete_op(std::move(h), io.get_executor(), ec, n);
}

Status closed_status() {
  return Status::from_code(code::kConnClosed, "geminio: connection closed");
}

}  // namespace

void Answer::send(std::string value, std::string error) {
  std::call_once(answered, [&] {
    auto c = conn.lock();
    if (!c) return;
    const std::size_t held = data.size() + custom.size();
    if (c->on_io_thread()) {
      c->answer(request, stream, packet_id, method_or_topic, held, value, error);
      return;
    }
    c->post([request = request, stream = stream, packet_id = packet_id, m = method_or_topic, held,
             value = std::move(value), error = std::move(error)](GoConn& g) {
      g.answer(request, stream, packet_id, m, held, value, error);
    });
  });
}

Answer::~Answer() { send("", kNoAnswer); }

GoConn::GoConn(std::shared_ptr<void> owner, Socket socket, ::tp::detail::ReadBudget& budget,
               gowire::Link::Options link, gowire::WireConn::Limits limits, ConnOptions options,
               std::shared_ptr<GoCounters> counters)
    : owner_(std::move(owner)), options_(options), counters_(std::move(counters)) {
  wire_ = std::make_shared<gowire::WireConn>(std::move(socket), budget, std::move(link), limits,
                                             nullptr, nullptr);
  remote_ = wire_->remote_text();
}

void GoConn::start(std::function<gowire::Frame(gowire::Link&)> hello,
                   std::function<void(const Status&)> on_ready) {
  on_ready_ = std::move(on_ready);
  // The wire holds this connection through its handlers until it ends (then it lets go).
  wire_->set_handlers(
      [self = shared_from_this()](gowire::WireConn&, const LinkEvent& e) { self->on_event(e); },
      [self = shared_from_this()](gowire::WireConn&, const Status& why) { self->on_closed(why); });
  wire_->start();
  if (hello) wire_->send_with(std::move(hello));
}

bool GoConn::on_io_thread() const {
  return wire_->context().get_executor().running_in_this_thread();
}

void GoConn::post(std::function<void(GoConn&)> fn) {
  asio::post(wire_->context(), [self = shared_from_this(), fn = std::move(fn)] { fn(*self); });
}

bool GoConn::open() const {
  std::lock_guard lock(info_mutex_);
  return open_;
}

std::uint64_t GoConn::client_id() const {
  std::lock_guard lock(info_mutex_);
  return client_id_;
}

std::string GoConn::client_meta() const {
  std::lock_guard lock(info_mutex_);
  return client_meta_;
}

gowire::SessionData GoConn::stream_info(std::uint64_t stream) const {
  std::lock_guard lock(info_mutex_);
  const auto it = infos_.find(stream);
  return it == infos_.end() ? gowire::SessionData{} : it->second;
}

void GoConn::on_event(const LinkEvent& e) {
  switch (e.kind) {
    case Kind::kConnected: {
      {
        std::lock_guard lock(info_mutex_);
        client_id_ = e.id;
        client_meta_ = e.bytes;
      }
      counted_connected_ = true;
      GoCounters::bump(counters_->connections);
      GoCounters::bump(counters_->endpoints_connected);
      // Methods served before the handshake are announced now (Go drops frames before it).
      for (const auto& [method, handler] : streams_[gowire::kDefaultStream].methods)
        wire_->send(wire_->link().serve(gowire::kDefaultStream, method));
      if (auto ready = std::move(on_ready_)) ready(Status{});
      return;
    }
    case Kind::kRefused:
      return;  // the link's status closes the connection; on_closed reports it
    case Kind::kRegistered:
      streams_[e.stream].remote_methods.insert(e.method);
      return check_waiters();
    case Kind::kUnserved:
      GoCounters::bump(counters_->requests_received);
      GoCounters::bump(counters_->requests_failed);
      return;
    case Kind::kRequest:
    case Kind::kMessage:
      return e.kind == Kind::kRequest ? on_request(e) : on_message(e);
    case Kind::kResponse:
    case Kind::kMessageAcked:
      return settle(e.packet_id, &e, {});
    case Kind::kStreamOpened: {
      add_stream(e.stream, e.session);
      Stream s(shared_from_this(), e.stream);
      if (on_stream_) return on_stream_(std::move(s));
      held_streams_.push_back(std::move(s));
      return;
    }
    case Kind::kStreamAccepted:
      streams_[e.stream];
      return settle(e.packet_id, &e, {});
    case Kind::kStreamData:
      return on_data(e);
    case Kind::kStreamClosed:
      return on_stream_closed(e.stream);
    case Kind::kDisconnected:
      if (disconnect_done_) {  // the remote end answered our DISCONN
        disconnect_answered_ = true;
        return finish();
      }
      // The remote end started it: the link answered; the remote end closes next.
      return finish_after_close_timeout();
  }
}

std::shared_ptr<Answer> GoConn::new_answer(const LinkEvent& e, bool request, std::string name) {
  auto a = std::make_shared<Answer>();
  a->conn = weak_from_this();
  a->request = request;
  a->stream = e.stream;
  a->packet_id = e.packet_id;
  a->method_or_topic = std::move(name);
  a->data = e.data.value;
  a->custom = e.data.custom;
  hold(static_cast<std::ptrdiff_t>(a->data.size() + a->custom.size()), 1);  // until answered
  return a;
}

void GoConn::add_stream(std::uint64_t stream, const gowire::SessionData& info) {
  {
    std::lock_guard lock(info_mutex_);
    infos_[stream] = info;
  }
  auto& s = streams_[stream];
  s.info = info;
  if (s.counted_open) return;
  s.counted_open = true;
  GoCounters::bump(counters_->streams_opened);
  GoCounters::bump(counters_->streams_open);
}

void GoConn::on_request(const LinkEvent& e) {
  GoCounters::bump(counters_->requests_received);
  auto& s = streams_[e.stream];
  const auto method = s.methods.find(e.method);
  auto a = new_answer(e, true, e.method);
  // The link answers calls of methods not served itself (kUnserved); this only guards the lookup.
  if (method == s.methods.end()) return;  // ~Answer answers
  method->second(Request(std::move(a)));
}

void GoConn::on_message(const LinkEvent& e) {
  GoCounters::bump(counters_->messages_received);
  auto a = new_answer(e, false, e.data.topic);
  auto& s = streams_[e.stream];
  if (s.on_message) return s.on_message(Message(std::move(a)));
  s.held_messages.emplace_back(std::move(a));
}

void GoConn::answer(bool request, std::uint64_t stream, std::uint64_t packet_id,
                    const std::string& method, std::size_t held, const std::string& value,
                    const std::string& error) {
  hold(-static_cast<std::ptrdiff_t>(held), -1);
  if (!open_) return;
  if (request) {
    if (!error.empty()) GoCounters::bump(counters_->requests_failed);
  } else {
    GoCounters::bump(counters_->acks_sent);
    if (!error.empty()) GoCounters::bump(counters_->acks_sent_error);
  }
  auto& link = wire_->link();
  wire_->send(request ? link.respond(stream, packet_id, method, value, error)
                      : link.ack(stream, packet_id, error));
}

void GoConn::hold(std::ptrdiff_t bytes, int frames) {
  held_bytes_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(held_bytes_) + bytes);
  held_frames_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(held_frames_) + frames);
  const bool over =
      held_bytes_ > options_.max_held_bytes || held_frames_ > options_.max_held_frames;
  if (over && !paused_) {
    paused_ = true;
    GoCounters::bump(counters_->read_pauses);
    wire_->pause_reading();
  } else if (!over && paused_) {
    paused_ = false;
    wire_->resume_reading();
  }
}

void GoConn::on_data(const LinkEvent& e) {
  const auto it = streams_.find(e.stream);
  if (it == streams_.end() || e.bytes.empty()) return;
  hold(static_cast<std::ptrdiff_t>(e.bytes.size()), 0);
  it->second.unread.push_back(e.bytes);
  deliver_reads(it->second);
}

void GoConn::deliver_reads(StreamState& s) {
  if (!s.reader) return;
  if (s.unread.empty()) {
    if (!s.closed && open_) return;
    auto h = std::move(*s.reader);
    s.reader.reset();
    const error_code ec =
        s.closed ? error_code(asio::error::eof) : error_code(asio::error::connection_reset);
    complete(std::move(h), context(), ec, 0);
    return;
  }
  std::size_t n = 0;
  for (auto& b : s.read_buffers) {
    std::size_t at = 0;
    while (at < b.size() && !s.unread.empty()) {
      const std::string& front = s.unread.front();
      const std::size_t take = std::min(b.size() - at, front.size() - s.unread_at);
      std::memcpy(static_cast<char*>(b.data()) + at, front.data() + s.unread_at, take);
      at += take;
      s.unread_at += take;
      if (s.unread_at == front.size()) {
        s.unread.pop_front();
        s.unread_at = 0;
      }
    }
    n += at;
  }
  auto h = std::move(*s.reader);
  s.reader.reset();
  s.read_buffers.clear();
  hold(-static_cast<std::ptrdiff_t>(n), 0);
  complete(std::move(h), context(), {}, n);
}

void GoConn::read(std::uint64_t stream, std::vector<asio::mutable_buffer> buffers,
                  Stream::Handler handler) {
  const auto it = streams_.find(stream);
  if (it == streams_.end()) return complete(std::move(handler), context(), asio::error::eof, 0);
  auto& s = it->second;
  if (s.reader) return complete(std::move(handler), context(), asio::error::in_progress, 0);
  if (asio::buffer_size(buffers) == 0) return complete(std::move(handler), context(), {}, 0);
  s.read_buffers = std::move(buffers);
  s.reader.emplace(std::move(handler));
  deliver_reads(s);
}

std::string GoConn::take_write(const std::vector<asio::const_buffer>& buffers) {
  std::string bytes;
  for (const auto& b : buffers) {
    const std::size_t take = std::min(b.size(), kMaxWriteFrame - bytes.size());
    bytes.append(static_cast<const char*>(b.data()), take);
    if (bytes.size() == kMaxWriteFrame) break;
  }
  return bytes;
}

void GoConn::write(std::uint64_t stream, std::string bytes, Stream::Handler handler) {
  if (!open_) return complete(std::move(handler), context(), asio::error::connection_reset, 0);
  const auto it = streams_.find(stream);
  if (it == streams_.end() || it->second.closed || !wire_->link().streams().contains(stream))
    return complete(std::move(handler), context(), asio::error::broken_pipe, 0);
  if (bytes.empty()) return complete(std::move(handler), context(), {}, 0);
  const std::size_t n = bytes.size();
  wire_->send(wire_->link().data(stream, std::move(bytes)));
  auto h = std::make_shared<Stream::Handler>(std::move(handler));
  wire_->when_drained([self = shared_from_this(), h, n] {
    const bool ok = self->open_;
    complete(std::move(*h), self->context(),
             ok ? error_code{} : error_code(asio::error::connection_reset), ok ? n : 0);
  });
}

void GoConn::on_stream_closed(std::uint64_t stream) {
  const auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  it->second.closed = true;
  if (std::exchange(it->second.counted_open, false)) GoCounters::drop(counters_->streams_open);
  deliver_reads(it->second);
}

void GoConn::dismiss(std::uint64_t stream) {
  if (!open_ || stream == gowire::kDefaultStream || !wire_->link().streams().contains(stream))
    return;
  wire_->send(wire_->link().dismiss(stream));
}

void GoConn::serve(std::uint64_t stream, std::string method, MethodHandler handler) {
  streams_[stream].methods[method] = std::move(handler);
  if (open_ && wire_->link().connected()) wire_->send(wire_->link().serve(stream, method));
}

void GoConn::set_message_handler(std::uint64_t stream, MessageHandler handler) {
  auto& s = streams_[stream];
  s.on_message = std::move(handler);
  auto held = std::move(s.held_messages);
  s.held_messages.clear();
  for (auto& m : held) s.on_message(std::move(m));
}

void GoConn::set_stream_handler(std::function<void(Stream)> fn) {
  on_stream_ = std::move(fn);
  auto held = std::move(held_streams_);
  held_streams_.clear();
  for (auto& s : held) on_stream_(std::move(s));
}

void GoConn::expect(std::uint64_t packet_id, std::chrono::milliseconds timeout,
                    std::function<void(const LinkEvent*, Status)> done) {
  auto& p = pending_[packet_id];
  p.done = std::move(done);
  p.timer = std::make_unique<asio::steady_timer>(context(), timeout);
  p.timer->async_wait([self = shared_from_this(), packet_id](error_code ec) {
    if (ec) return;
    if (packet_id != 0) GoCounters::bump(self->counters_->timed_out);  // 0: the close's timer
    self->settle(packet_id, nullptr,
                 Status::from_code(code::kHandleTimeout, "geminio: no answer in time"));
  });
}

void GoConn::settle(std::uint64_t packet_id, const LinkEvent* e, Status st) {
  const auto it = pending_.find(packet_id);
  if (it == pending_.end()) return;  // late, or not ours
  auto done = std::move(it->second.done);
  it->second.timer->cancel();
  pending_.erase(it);
  done(e, std::move(st));
}

void GoConn::call(std::uint64_t stream, std::string method, std::string data,
                  std::chrono::milliseconds timeout,
                  std::function<void(Result<std::string>)> done) {
  if (!open_) return done(closed_status());
  if (!wire_->link().streams().contains(stream))
    return done(Status::from_code(code::kConnClosed, "geminio: stream closed"));
  const auto deadline = gowire::GoTime::at(
      std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()) +
      timeout);
  gowire::Frame f = wire_->link().request(stream, method, std::move(data), deadline);
  GoCounters::bump(counters_->calls_sent);
  expect(
      f.packet_id, timeout, [c = counters_, done = std::move(done)](const LinkEvent* e, Status st) {
        if (e && e->data.error.empty()) return done(e->data.value);
        GoCounters::bump(c->calls_failed);
        if (!e) return done(std::move(st));
        const std::string& err = e->data.error;
        done(Status::from_code(
            err.starts_with("no such rpc: ") ? code::kNotFound : code::kInternalServerError, err));
      });
  wire_->send(std::move(f));
}

void GoConn::publish(std::uint64_t stream, OutMessage msg, std::function<void(Status)> done) {
  if (!open_) return done(closed_status());
  if (!wire_->link().streams().contains(stream))
    return done(Status::from_code(code::kConnClosed, "geminio: stream closed"));
  gowire::MessageData d;
  d.topic = std::move(msg.topic);
  d.value = std::move(msg.data);
  d.custom = std::move(msg.custom);
  d.context_deadline = gowire::GoTime::at(
      std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()) +
      msg.timeout);
  gowire::Frame f = wire_->link().message(stream, std::move(d));
  GoCounters::bump(counters_->messages_published);
  expect(f.packet_id, msg.timeout,
         [c = counters_, done = std::move(done)](const LinkEvent* e, Status st) {
           if (!e) return done(std::move(st));
           GoCounters::bump(c->acks_received);
           if (!e->data.error.empty()) GoCounters::bump(c->acks_received_error);
           done(e->data.error.empty()
                    ? Status{}
                    : Status::from_code(code::kInternalServerError, e->data.error));
         });
  wire_->send(std::move(f));
}

void GoConn::open_stream(gowire::SessionData data, std::chrono::milliseconds timeout,
                         std::function<void(Result<Stream>)> done) {
  if (!open_) return done(closed_status());
  gowire::Frame f = wire_->link().open_stream(data);
  expect(f.packet_id, timeout,
         [self = shared_from_this(), data, done = std::move(done)](const LinkEvent* e, Status st) {
           if (!e) return done(std::move(st));
           self->add_stream(e->stream, data);
           done(Stream(self, e->stream));
         });
  wire_->send(std::move(f));
}

void GoConn::wait_methods(std::uint64_t stream, std::vector<std::string> methods,
                          std::chrono::milliseconds timeout, std::function<void(Status)> done) {
  auto timer = std::make_shared<asio::steady_timer>(context(), timeout);
  method_waiters_.push_back({stream, std::move(methods), std::move(done), timer});
  timer->async_wait([self = shared_from_this(), t = timer.get()](error_code ec) {
    if (ec) return;
    auto& ws = self->method_waiters_;
    for (auto it = ws.begin(); it != ws.end(); ++it) {
      if (it->timer.get() != t) continue;
      auto fn = std::move(it->done);
      ws.erase(it);
      return fn(Status::from_code(code::kHandleTimeout, "geminio: methods not registered in time"));
    }
  });
  check_waiters();
}

void GoConn::check_waiters() {
  for (auto it = method_waiters_.begin(); it != method_waiters_.end();) {
    const auto& remote = streams_[it->stream].remote_methods;
    bool all = open_;
    for (const auto& m : it->methods) all = all && remote.contains(m);
    if (!all && open_) {
      ++it;
      continue;
    }
    auto fn = std::move(it->done);
    it->timer->cancel();
    it = method_waiters_.erase(it);
    fn(all ? Status{} : closed_status());
  }
}

void GoConn::disconnect(std::function<void(Status)> done) {
  if (!open_ || disconnect_done_) {
    if (done) done(open_ ? Status{} : closed_status());
    return;
  }
  if (!done) done = [](const Status&) {};
  disconnect_done_ = std::move(done);
  wire_->send(wire_->link().disconnect());
  finish_after_close_timeout();
}

void GoConn::finish() { wire_->close_when_written(); }

void GoConn::finish_after_close_timeout() {
  // Packet ID 0 is never one of ours: the entry is only the close's timer.
  expect(0, std::chrono::duration_cast<std::chrono::milliseconds>(kCloseTimeout),
         [self = shared_from_this()](const LinkEvent*, const Status&) { self->finish(); });
}

void GoConn::add_closed_handler(std::function<void(const Status&)> fn) {
  if (!open_) return fn(end_status_);
  closed_handlers_.push_back(std::move(fn));
}

void GoConn::on_closed(const Status& why) {
  if (why.code() == code::kBadMessage) {
    GoCounters::bump(counters_->bad_input_closes);
    default_logger()->warn("geminio: closing the connection with {}: {}", remote_, why.to_string());
  }
  {
    std::lock_guard lock(info_mutex_);
    open_ = false;
  }
  end_status_ = why;
  if (std::exchange(counted_connected_, false)) GoCounters::drop(counters_->endpoints_connected);
  for (auto& [id, s] : streams_) {
    if (std::exchange(s.counted_open, false)) GoCounters::drop(counters_->streams_open);
  }
  if (auto ready = std::move(on_ready_)) ready(why);
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    p.timer->cancel();
    p.done(nullptr, closed_status());
  }
  check_waiters();  // they fail: the connection is gone
  for (auto& [id, s] : streams_) deliver_reads(s);
  if (auto done = std::move(disconnect_done_)) {
    // Our DISCONN was answered when the remote end's DISCONN came (we then closed).
    done(disconnect_answered_ ? Status{} : why);
  }
  auto handlers = std::move(closed_handlers_);
  closed_handlers_.clear();
  for (auto& fn : handlers) fn(why);
  on_stream_ = nullptr;  // user handlers may hold endpoints that hold this
  for (auto& [id, s] : streams_) {
    s.methods.clear();
    s.on_message = nullptr;
  }
}

}  // namespace tp::geminio::detail
