// SessionImpl: one connection, its read loop, its batched writes and its pending calls.
// Everything below `private:` runs on the session's I/O thread only.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "peer/peer_core.hpp"
#include "teleport/session.hpp"

namespace tp::detail {

class SessionImpl final : public Session, public std::enable_shared_from_this<SessionImpl> {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;

  /// Wraps a connected socket; call start() to begin reading.
  SessionImpl(std::shared_ptr<PeerCore> core, Socket socket);
  ~SessionImpl() override;

  /// Starts the read loop (any thread).
  void start();

  std::string id() const override;
  void set_id(std::string id) override;
  std::string remote_addr() const override { return remote_; }
  std::string local_addr() const override { return local_; }
  bool health() const override { return healthy_; }
  void close() override;
  void on_close(std::function<void()> fn) override;
  void call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts, ReplyCallback done) override;
  Status push_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts) override;
  std::uint8_t default_body_codec() const override { return core_->config.default_body_codec; }

 protected:
  Status check_blocking_allowed() const override;

 private:
  struct Pending {
    ReplyCallback done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  bool on_io_thread() const;
  void read_more();
  void process_input();
  void dispatch(Message& msg);
  void handle_call(Message& call);
  void handle_push(Message& push);
  void handle_reply(Message& reply);
  void send(Message& msg);
  void flush();
  void shutdown(const Status& why);
  static void complete(ReplyCallback& done, Status st);
  Message build_request(MsgType type, std::string sm, std::uint8_t codec, std::string body, CallOptions& opts);

  // Declared first so that it is destroyed last: the socket needs its io_context.
  std::shared_ptr<PeerCore> core_;
  std::shared_ptr<IoPool> pool_;
  Socket socket_;
  boost::asio::io_context* ioc_;  // the thread this session lives on
  std::string remote_;
  std::string local_;
  mutable std::mutex id_mutex_;
  std::string id_;
  std::atomic<bool> healthy_{true};

  std::string in_;              // bytes received, decoded from in_start_
  std::size_t in_start_ = 0;
  std::size_t in_end_ = 0;
  std::string out_;             // frames queued during this loop turn
  std::string writing_;         // frames being written
  bool write_in_flight_ = false;
  std::int32_t seq_ = 0;
  std::unordered_map<std::int32_t, Pending> pending_;
  std::vector<std::function<void()>> close_fns_;
  bool closed_ = false;
};

}  // namespace tp::detail
