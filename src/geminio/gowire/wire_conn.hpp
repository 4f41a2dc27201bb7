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

class WireConn final : public detail::Connection::Owner,
                       public std::enable_shared_from_this<WireConn> {
 public:
  using Socket = detail::Connection::Socket;
  /// Sees every event of the link, on the I/O thread.
  using EventHandler = std::function<void(WireConn&, const LinkEvent&)>;
  /// Sees the connection end (once), on the I/O thread.
  using ClosedHandler = std::function<void(WireConn&, const Status&)>;

  /// Limits of one connection.
  struct Limits {
    std::size_t max_payload = 64 << 20;  ///< frames with a bigger payload close the connection
    /// (server) CONN must arrive within this, as Go's server waits 10 s.
    std::chrono::milliseconds handshake_timeout{10000};
  };

  /// Over `socket`, reading into `budget`.
  WireConn(Socket socket, detail::ReadBudget& budget, Link::Options options, Limits limits,
           EventHandler on_event, ClosedHandler on_closed);

  /// Starts reading (from any thread).
  void start();
  /// Sends `f` (from any thread).
  void send(Frame f);
  /// Builds a frame with the link and sends it, on the I/O thread (from any thread): `make`
  /// gets the link, so that IDs and stream state stay on one thread.
  void send_with(std::function<Frame(Link&)> make);
  /// Closes the socket now (from any thread); the closed handler runs.
  void close();
  /// The protocol state (on the I/O thread only).
  [[nodiscard]] Link& link() { return link_; }

  // Connection::Owner
  std::shared_ptr<void> hold() override { return shared_from_this(); }
  void on_input() override;
  void on_sent() override { conn_.flush(); }
  void on_broken(const Status& why, bool by_remote) override;

 private:
  void queue(const Frame& f);
  void end(const Status& why);
  // (server) Closes when CONN does not come in time, then when two heartbeat periods pass
  // without a HEARTBEAT (Go's server sends a DISCONN then; we close).
  void watch(std::chrono::milliseconds after);

  detail::Connection conn_;
  Link link_;
  Limits limits_;
  boost::asio::steady_timer timer_;
  EventHandler on_event_;
  ClosedHandler on_closed_;
  bool ended_ = false;
  std::vector<Frame> out_;  // scratch for the link's answers
  std::vector<LinkEvent> events_;
};

}  // namespace tp::geminio::gowire
