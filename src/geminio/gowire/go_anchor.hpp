// Anchor: what an Endpoint and its default stream hold — the endpoint's current connection and,
// on a reconnecting client, the at-least-once outbox that outlives connections: a message on the
// default stream stays in it until acknowledged, is sent again on the next connection after a
// loss, and fails only at its timeout or when the endpoint closes.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <mutex>

#include "geminio/gowire/go_conn.hpp"

namespace tp::geminio::detail {

class Anchor : public std::enable_shared_from_this<Anchor> {
 public:
  /// On `conn`; `resend` when connections are replaced after a loss (a client's).
  Anchor(std::shared_ptr<GoConn> conn, bool resend);

  /// The current connection (any thread).
  [[nodiscard]] std::shared_ptr<GoConn> conn() const;
  /// Moves to `conn` (a reconnect's, before its handshake).
  void replace(std::shared_ptr<GoConn> conn);
  /// Sends what the outbox holds on the current connection (after its handshake; I/O thread).
  void resend();
  /// True once close() ran: no more reconnects (any thread).
  [[nodiscard]] bool closed() const;
  /// Stops reconnecting; what the outbox holds fails with 102 (any thread).
  void close();
  /// Publishes on the default stream; `done` runs once, on the I/O thread (any thread).
  void publish(OutMessage msg, std::function<void(Status)> done);

 private:
  using Clock = std::chrono::steady_clock;
  struct Outgoing {
    OutMessage msg;
    std::function<void(Status)> done;
    Clock::time_point deadline;
    std::unique_ptr<boost::asio::steady_timer> timer;  // fails it at the deadline
  };
  // Sends outbox entry `seq` on the current connection, `again` after a reconnect (I/O thread).
  void send(std::uint64_t seq, bool again);
  void settle(std::uint64_t seq, Status st);
  // Fails entry `seq` at its deadline, counted as timed out.
  void give_up(std::uint64_t seq);

  mutable std::mutex mutex_;  // guards conn_ and closed_
  std::shared_ptr<GoConn> conn_;
  bool closed_ = false;
  const bool resend_;
  // I/O thread:
  std::map<std::uint64_t, Outgoing> outbox_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace tp::geminio::detail
