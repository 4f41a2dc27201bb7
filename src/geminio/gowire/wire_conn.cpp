#include "geminio/gowire/wire_conn.hpp"

#include <boost/asio/post.hpp>

namespace tp::geminio::gowire {

WireConn::WireConn(Socket socket, ::tp::detail::ReadBudget& budget, Link::Options options,
                   Limits limits, EventHandler on_event, ClosedHandler on_closed)
    : conn_(std::move(socket), budget, *this),
      link_(std::move(options)),
      limits_(limits),
      timer_(conn_.context()),
      on_event_(std::move(on_event)),
      on_closed_(std::move(on_closed)) {}

void WireConn::start() {
  boost::asio::post(conn_.context(), [self = shared_from_this()] {
    self->conn_.read_more();
    // A client's first heartbeat is due before the handshake timeout may be.
    self->watch(self->link_.is_server()
                    ? self->limits_.handshake_timeout
                    : std::min<std::chrono::milliseconds>(self->limits_.handshake_timeout,
                                                          self->limits_.heartbeat));
  });
}

void WireConn::watch(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->ended_) return;
    const bool server = self->link_.is_server();
    if (!self->link_.connected()) {
      return self->end(Status::from_code(
          code::kConnClosed, server ? "geminio: no CONN in time" : "geminio: no CONN_ACK in time"));
    }
    if (!server) {
      self->queue(self->link_.heartbeat());
      self->conn_.flush();
      return self->watch(self->limits_.heartbeat);
    }
    if (self->link_.heartbeat_missed(self->conn_.now()))
      return self->end(Status::from_code(code::kConnClosed, "geminio: heartbeats missed"));
    self->watch(std::chrono::milliseconds(1000));
  });
}

void WireConn::send(Frame f) {
  if (conn_.context().get_executor().running_in_this_thread()) {
    if (ended_) return;
    queue(f);
    if (!in_input_) conn_.flush();
    return;
  }
  boost::asio::post(conn_.context(), [self = shared_from_this(), f = std::move(f)] {
    if (self->ended_) return;
    self->queue(f);
    self->conn_.flush();
  });
}

void WireConn::send_with(std::function<Frame(Link&)> make) {
  boost::asio::post(conn_.context(), [self = shared_from_this(), make = std::move(make)] {
    if (self->ended_) return;
    self->queue(make(self->link_));
    self->conn_.flush();
  });
}

void WireConn::close() {
  boost::asio::post(conn_.context(), [self = shared_from_this()] {
    self->end(Status::from_code(code::kConnClosed, "closed by this side"));
  });
}

void WireConn::close_when_written() {
  if (ended_) return;
  closing_ = true;
  conn_.flush();
  if (!conn_.writing()) end(Status::from_code(code::kConnClosed, "closed by this side"));
}

void WireConn::when_drained(std::function<void()> fn) {
  if (ended_ || conn_.out().size() <= limits_.write_backlog) return fn();
  drained_.push_back(std::move(fn));
}

void WireConn::on_sent() {
  conn_.flush();
  if (closing_ && !conn_.writing()) {
    return end(Status::from_code(code::kConnClosed, "closed by this side"));
  }
  if (conn_.out().size() > limits_.write_backlog) return;
  auto waiting = std::move(drained_);
  drained_.clear();
  for (auto& fn : waiting) fn();
}

void WireConn::queue(const Frame& f) {
  // Never a type a Go peer cannot decode: it would drop the connection.
  if (f.type == Type::kRequestCancel) return;
  encode_frame(f, conn_.out());
}

void WireConn::on_input() {
  in_input_ = true;
  while (!ended_) {
    Frame f;
    const auto r = decode_frame(conn_.input(), limits_.max_payload, f);
    if (r.kind == DecodeOutcome::Kind::kNeedMore) break;
    if (r.kind == DecodeOutcome::Kind::kError) {
      in_input_ = false;
      return end(r.error);
    }
    conn_.consume(r.consumed);
    out_.clear();
    events_.clear();
    const Status st = link_.receive(f, conn_.now(), out_, events_);
    for (const auto& answer : out_) queue(answer);
    if (!st.ok()) {
      in_input_ = false;
      conn_.flush();
      return end(st);
    }
    for (const auto& e : events_) {
      if (ended_) break;  // a handler closed the connection
      on_event_(*this, e);
    }
  }
  in_input_ = false;
  conn_.flush();
  conn_.release_big_buffers();
}

void WireConn::on_broken(const Status& why, bool /*by_remote*/) { end(why); }

void WireConn::end(const Status& why) {
  if (ended_) return;
  ended_ = true;
  timer_.cancel();
  conn_.close(true);
  auto waiting = std::move(drained_);  // writers learn of the end from the closed handler
  drained_.clear();
  // The handlers may hold their owner, which holds this: let go of them.
  auto closed = std::move(on_closed_);
  on_event_ = nullptr;
  if (closed) closed(*this, why);
  for (auto& fn : waiting) fn();
}

}  // namespace tp::geminio::gowire
