// Listener: a peer's accept loop — a session for each accepted connection, the connection limit,
// and a backoff while accepting fails (EMFILE and the like). It runs on the acceptor's I/O thread.
#pragma once

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "peer/peer_core.hpp"

namespace tp::detail {

class Listener {
 public:
  using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;

  /// Takes a listening acceptor; sessions are created for `core`.
  Listener(std::shared_ptr<PeerCore> core, std::unique_ptr<Acceptor> acceptor);
  /// Starts accepting (from any thread).
  void start();
  /// Stops accepting: closes the acceptor on its own thread and waits for that.
  void close();
  /// The listening descriptor (handed to a restarted copy).
  [[nodiscard]] int native_handle() { return acceptor_->native_handle(); }

 private:
  void accept_next();
  void back_off(boost::system::error_code ec);
  void adopt(boost::asio::generic::stream_protocol::socket socket);
  // Moves an accepted socket to `target`'s loop, where its session starts.
  void hand_over(boost::asio::io_context& target,
                 boost::asio::generic::stream_protocol::socket socket);
  // Starts a session on `socket` (on the socket's own loop).
  static void start_session(const std::shared_ptr<PeerCore>& core,
                            boost::asio::generic::stream_protocol::socket socket);
  // The acceptor's io_context.
  [[nodiscard]] boost::asio::io_context& loop() const;

  std::shared_ptr<PeerCore> core_;
  std::unique_ptr<Acceptor> acceptor_;
  std::unique_ptr<boost::asio::steady_timer> retry_timer_;
  std::chrono::milliseconds backoff_{0};
  std::size_t errors_ = 0;              // failed accepts in the current burst
  std::size_t refused_over_limit_ = 0;  // connections closed at once: the limit was reached
};

}  // namespace tp::detail
