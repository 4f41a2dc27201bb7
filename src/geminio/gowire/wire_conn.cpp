#include "geminio/gowire/wire_conn.hpp"

#include <boost/asio/post.hpp>

namespace tp::geminio::gowire {

WireConn::WireConn(Socket socket, detail::ReadBudget& budget, Link::Options options, Limits limits,
                   EventHandler on_event, ClosedHandler on_closed)
    : conn_(std::move(socket), budget, *this),
      link_(std::move(options)),
      limits_(limits),
      timer_(conn_.context()),
      on_event_(std::move(on_event)),
      on_closed_(std::move(on_closed)) {}

void WireConn::start() {
  boost::asio::post(conn_.context(), [self = shared_from_this()] {
    self->conn_.read_more();
    if (self->link_.is_server()) self->watch(self->limits_.handshake_timeout);
  });
}

void WireConn::watch(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->ended_) return;
    if (!self->link_.connected())
      return self->end(Status::from_code(code::kConnClosed, "geminio: no CONN in time"));
    if (self->link_.heartbeat_missed(self->conn_.now()))
      return self->end(Status::from_code(code::kConnClosed, "geminio: heartbeats missed"));
    self->watch(std::chrono::milliseconds(1000));
  });
}

void WireConn::send(Frame f) {
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

void WireConn::queue(const Frame& f) {
  // Never a type a Go peer cannot decode: it would drop the connection.
  if (f.type == Type::kRequestCancel) return;
  encode_frame(f, conn_.out());
}

void WireConn::on_input() {
  while (!ended_) {
    Frame f;
    const auto r = decode_frame(conn_.input(), limits_.max_payload, f);
    if (r.kind == DecodeOutcome::Kind::kNeedMore) break;
    if (r.kind == DecodeOutcome::Kind::kError) return end(r.error);
    conn_.consume(r.consumed);
    out_.clear();
    events_.clear();
    const Status st = link_.receive(f, conn_.now(), out_, events_);
    for (const auto& answer : out_) queue(answer);
    if (!st.ok()) {
      conn_.flush();
      return end(st);
    }
    for (const auto& e : events_) {
      on_event_(*this, e);
      if (e.kind == LinkEvent::Kind::kDisconnected && !ended_) {
        conn_.flush();  // the DISCONN_ACK (and ours) go out, then the peer closes
      }
    }
  }
  conn_.flush();
  conn_.release_big_buffers();
}

void WireConn::on_broken(const Status& why, bool /*by_remote*/) { end(why); }

void WireConn::end(const Status& why) {
  if (ended_) return;
  ended_ = true;
  timer_.cancel();
  conn_.close(true);
  if (on_closed_) on_closed_(*this, why);
}

}  // namespace tp::geminio::gowire
