// WireConn: one Go geminio connection over a socket — the socket layer's Connection (read
// buffer charged to a read budget, coalesced writes) carrying frames through a Link. Everything
// runs on the socket's I/O thread; send() and close() may be called from any thread.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "geminio/gowire/link.hpp"
#include "socket/connection.hpp"

namespace tp::geminio::gowire {

class WireConn final : public ::tp::detail::Connection::Owner,
                       public std::enable_shared_from_this<WireConn> {
 public:
  using Socket = ::tp::detail::Connection::Socket;
  /// Sees every event of the link, on the I/O thread.
  using EventHandler = std::function<void(WireConn&, const LinkEvent&)>;
  /// Sees the connection end (once), on the I/O thread.
  using ClosedHandler = std::function<void(WireConn&, const Status&)>;

  /// Limits of one connection.
  struct Limits {
    std::size_t max_payload = 64 << 20;  ///< frames with a bigger payload close the connection
    /// (server) CONN must arrive within this, as Go's server waits 10 s; (client) CONN_ACK.
    std::chrono::milliseconds handshake_timeout{10000};
    /// (client) How often HEARTBEAT is sent (the period its CONN announced).
    std::chrono::seconds heartbeat{20};
    /// Output queued past this while a write is in flight holds up when_drained().
    std::size_t write_backlog = 1 << 20;
  };

  /// Over `socket`, reading into `budget`.
  WireConn(Socket socket, ::tp::detail::ReadBudget& budget, Link::Options options, Limits limits,
           EventHandler on_event, ClosedHandler on_closed);

  /// Replaces the handlers (before start()).
  void set_handlers(EventHandler on_event, ClosedHandler on_closed) {
    on_event_ = std::move(on_event);
    on_closed_ = std::move(on_closed);
  }
  /// Starts reading (from any thread).
  void start();
  /// Sends `f` (from any thread; on the I/O thread at once, in order with the link's answers).
  void send(Frame f);
  /// Builds a frame with the link and sends it, on the I/O thread (from any thread): `make`
  /// gets the link, so that IDs and stream state stay on one thread.
  void send_with(std::function<Frame(Link&)> make);
  /// Closes the socket now (from any thread); the closed handler runs.
  void close();
  /// Closes the socket once the queued output is written (I/O thread); the closed handler runs.
  void close_when_written();
  /// Runs `fn` on the I/O thread once the queued output is under Limits::write_backlog (at once
  /// if it is): writers wait for the socket instead of queueing without bound.
  void when_drained(std::function<void()> fn);
  /// Stops reading the socket until resume_reading() (I/O thread): TCP backpressure.
  void pause_reading() { conn_.pause_reading(); }
  /// Ends pause_reading() (I/O thread).
  void resume_reading() {
    conn_.resume_reading();
    if (!ended_) conn_.read_more();
  }
  /// The io_context everything runs on.
  [[nodiscard]] boost::asio::io_context& context() const { return conn_.context(); }
  /// The remote address ("ip:port").
  [[nodiscard]] std::string remote_text() const { return conn_.remote_text(); }
  /// The protocol state (on the I/O thread only).
  [[nodiscard]] Link& link() { return link_; }

  // Connection::Owner
  std::shared_ptr<void> hold() override { return shared_from_this(); }
  void on_input() override;
  void on_sent() override;
  void on_broken(const Status& why, bool by_remote) override;

 private:
  void queue(const Frame& f);
  void end(const Status& why);
  // (server) Closes when CONN does not come in time, then when two heartbeat periods pass
  // without a HEARTBEAT (Go's server sends a DISCONN then; we close). (client) Closes when
  // CONN_ACK does not come in time, then sends a HEARTBEAT every period.
  void watch(std::chrono::milliseconds after);

  ::tp::detail::Connection conn_;
  Link link_;
  Limits limits_;
  boost::asio::steady_timer timer_;
  EventHandler on_event_;
  ClosedHandler on_closed_;
  bool ended_ = false;
  bool closing_ = false;                        // close_when_written() waits for the output
  bool in_input_ = false;                       // on_input() runs: it flushes once at its end
  std::vector<std::function<void()>> drained_;  // when_drained() callers waiting
  std::vector<Frame> out_;                      // scratch for the link's answers
  std::vector<LinkEvent> events_;
};

}  // namespace tp::geminio::gowire
