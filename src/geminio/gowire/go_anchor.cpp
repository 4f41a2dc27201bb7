#include "geminio/gowire/go_anchor.hpp"

namespace tp::geminio::detail {

Anchor::Anchor(std::shared_ptr<GoConn> conn, bool resend)
    : conn_(std::move(conn)), resend_(resend) {}

std::shared_ptr<GoConn> Anchor::conn() const {
  std::lock_guard lock(mutex_);
  return conn_;
}

bool Anchor::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void Anchor::replace(std::shared_ptr<GoConn> conn) {
  std::lock_guard lock(mutex_);
  conn_ = std::move(conn);
}

void Anchor::resend() {
  std::vector<std::uint64_t> waiting;
  for (const auto& [seq, out] : outbox_) waiting.push_back(seq);
  for (const auto seq : waiting) send(seq, true);
}

void Anchor::close() {
  std::shared_ptr<GoConn> c;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    c = conn_;
  }
  // Messages still waiting for a connection fail now; those in flight fail with it.
  c->post([self = shared_from_this()](GoConn& now) {
    std::vector<std::uint64_t> seqs;
    for (const auto& [seq, out] : self->outbox_)
      if (!now.open()) seqs.push_back(seq);
    for (const auto seq : seqs)
      self->settle(seq, Status::from_code(code::kConnClosed, "geminio: endpoint closed"));
  });
}

void Anchor::publish(OutMessage msg, std::function<void(Status)> done) {
  conn()->post(
      [self = shared_from_this(), msg = std::move(msg), done = std::move(done)](GoConn&) mutable {
        const std::uint64_t seq = self->next_seq_++;
        auto& out = self->outbox_[seq];
        out.deadline = Clock::now() + msg.timeout;
        out.msg = std::move(msg);
        out.done = std::move(done);
        self->send(seq, false);
      });
}

void Anchor::send(std::uint64_t seq, bool again) {
  const auto it = outbox_.find(seq);
  if (it == outbox_.end()) return;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(it->second.deadline - Clock::now());
  if (left.count() <= 0) {
    return give_up(seq);
  }
  if (again) GoCounters::bump(conn()->counters().resent);
  OutMessage attempt = it->second.msg;
  attempt.timeout = left;
  conn()->publish(
      gowire::kDefaultStream, std::move(attempt), [self = shared_from_this(), seq](Status st) {
        // Lost with its connection: kept for the next one, until the deadline.
        const bool lost = st.code() == code::kConnClosed;
        if (!lost || !self->resend_ || self->closed()) return self->settle(seq, st);
        auto& out = self->outbox_.at(seq);
        if (out.timer) return;
        out.timer =
            std::make_unique<boost::asio::steady_timer>(self->conn()->context(), out.deadline);
        out.timer->async_wait([self, seq](boost::system::error_code ec) {
          if (!ec) self->give_up(seq);
        });
      });
}

void Anchor::give_up(std::uint64_t seq) {
  GoCounters::bump(conn()->counters().timed_out);
  settle(seq, Status::from_code(code::kHandleTimeout, "geminio: no ack in time"));
}

void Anchor::settle(std::uint64_t seq, Status st) {
  const auto it = outbox_.find(seq);
  if (it == outbox_.end()) return;
  auto done = std::move(it->second.done);
  if (it->second.timer) it->second.timer->cancel();
  outbox_.erase(it);
  done(std::move(st));
}

}  // namespace tp::geminio::detail
