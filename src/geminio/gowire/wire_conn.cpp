#include "geminio/gowire/wire_conn.hpp"

#include <boost/asio/post.hpp>

namespace tp::geminio::gowire {

WireConn::WireConn(Socket socket, detail::ReadBudget& budget, Link::Options options,
                   std::size_t max_payload, EventHandler on_event, ClosedHandler on_closed)
    : conn_(std::move(socket), budget, *this),
      link_(std::move(options)),
      max_payload_(max_payload),
      on_event_(std::move(on_event)),
      on_closed_(std::move(on_closed)) {}

void WireConn::start() {
  boost::asio::post(conn_.context(), [self = shared_from_this()] { self->conn_.read_more(); });
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
    const auto r = decode_frame(conn_.input(), max_payload_, f);
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
  conn_.close(true);
  if (on_closed_) on_closed_(*this, why);
}

}  // namespace tp::geminio::gowire
