// GoConn: what the public tp::geminio types stand on — one Go geminio connection (a WireConn)
// and the application's side of it: methods served and calls waiting, messages and their acks,
// streams with their unread bytes, and the backpressure that stops reading the socket when the
// application falls behind. Its state lives on the I/O thread; public calls post there.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "geminio/gowire/go_metrics.hpp"
#include "geminio/gowire/wire_conn.hpp"
#include "teleport/geminio.hpp"

namespace tp::geminio::detail {

/// A REQUEST or MESSAGE waiting for its answer; answering it sends the RESPONSE or MESSAGE_ACK.
struct Answer {
  std::weak_ptr<GoConn> conn;
  bool request = true;  // else a message
  std::uint64_t stream = 0;
  std::uint64_t packet_id = 0;
  std::string method_or_topic;
  std::string data;
  std::string custom;
  std::once_flag answered;
  /// Sends the answer once (any thread); later calls do nothing.
  void send(std::string value, std::string error);
  ~Answer();
};

class GoConn : public std::enable_shared_from_this<GoConn> {
 public:
  using Socket = gowire::WireConn::Socket;

  /// Over `socket`; start() begins reading (a client then sends CONN). `owner` (the I/O loop
  /// the socket and `budget` belong to) is kept alive as long as this connection; `counters`
  /// are its Server's or Client's.
  GoConn(std::shared_ptr<void> owner, Socket socket, ::tp::detail::ReadBudget& budget,
         gowire::Link::Options link, gowire::WireConn::Limits limits, ConnOptions options,
         std::shared_ptr<GoCounters> counters);
  /// Starts: `on_ready` runs once on the I/O thread when CONN_ACK is sent (server) or received
  /// (client), or with the reason the connection ended first. `hello` (a client's) builds the
  /// CONN to send first.
  void start(std::function<gowire::Frame(gowire::Link&)> hello,
             std::function<void(const Status&)> on_ready);

  // Everything below runs on the I/O thread.
  void serve(std::uint64_t stream, std::string method, MethodHandler handler);
  void wait_methods(std::uint64_t stream, std::vector<std::string> methods,
                    std::chrono::milliseconds timeout, std::function<void(Status)> done);
  void call(std::uint64_t stream, std::string method, std::string data,
            std::chrono::milliseconds timeout, std::function<void(Result<std::string>)> done);
  void set_message_handler(std::uint64_t stream, MessageHandler handler);
  void publish(std::uint64_t stream, OutMessage msg, std::function<void(Status)> done);
  void open_stream(gowire::SessionData data, std::chrono::milliseconds timeout,
                   std::function<void(Result<Stream>)> done);
  void set_stream_handler(std::function<void(Stream)> fn);
  void read(std::uint64_t stream, std::vector<boost::asio::mutable_buffer> buffers,
            Stream::Handler handler);
  /// The bytes of one write: `buffers`' first MiB (copied in the caller's thread, so a caller
  /// that lets its buffer go early loses nothing).
  static std::string take_write(const std::vector<boost::asio::const_buffer>& buffers);
  void write(std::uint64_t stream, std::string bytes, Stream::Handler handler);
  void dismiss(std::uint64_t stream);
  void disconnect(std::function<void(Status)> done);
  void add_closed_handler(std::function<void(const Status&)> fn);
  /// Sends the RESPONSE or MESSAGE_ACK of `a` and releases what it held.
  void answer(bool request, std::uint64_t stream, std::uint64_t packet_id,
              const std::string& method, std::size_t held, const std::string& value,
              const std::string& error);
  /// Closes the socket once everything queued is written.
  void finish();

  // Any thread.
  [[nodiscard]] boost::asio::io_context& context() const { return wire_->context(); }
  /// True when the caller runs on this connection's I/O thread.
  [[nodiscard]] bool on_io_thread() const;
  /// Runs `fn(*this)` on the I/O thread.
  void post(std::function<void(GoConn&)> fn);
  [[nodiscard]] bool open() const;
  [[nodiscard]] std::uint64_t client_id() const;
  [[nodiscard]] std::string client_meta() const;
  [[nodiscard]] std::string remote_address() const { return remote_; }
  [[nodiscard]] gowire::SessionData stream_info(std::uint64_t stream) const;
  /// The counts this connection adds to.
  [[nodiscard]] GoCounters& counters() const { return *counters_; }

 private:
  struct StreamState {
    gowire::SessionData info;
    std::map<std::string, MethodHandler> methods;
    std::set<std::string> remote_methods;
    MessageHandler on_message;
    std::deque<Message> held_messages;  // until on_message
    std::deque<std::string> unread;     // raw bytes not read yet, in frames
    std::size_t unread_at = 0;          // bytes of unread.front() already read
    bool closed = false;                // eof once unread is empty
    bool counted_open = false;          // in counters_->streams_open
    std::vector<boost::asio::mutable_buffer> read_buffers;
    std::optional<Stream::Handler> reader;
  };
  struct Pending {  // a call, publish or open waiting for its answer
    std::function<void(const gowire::LinkEvent*, Status)> done;  // null event: failed with status
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  struct MethodWaiter {
    std::uint64_t stream;
    std::vector<std::string> methods;
    std::function<void(Status)> done;
    std::shared_ptr<boost::asio::steady_timer> timer;
  };

  void on_event(const gowire::LinkEvent& e);
  void on_closed(const Status& why);
  // The answer a REQUEST or MESSAGE (`request` or not) named `name` waits for; it holds the
  // frame's bytes against the backpressure limits until answered.
  std::shared_ptr<Answer> new_answer(const gowire::LinkEvent& e, bool request, std::string name);
  // Closes the socket after the close timeout, unless the 4-way close ends it first.
  void finish_after_close_timeout();
  void on_request(const gowire::LinkEvent& e);
  void on_message(const gowire::LinkEvent& e);
  void on_data(const gowire::LinkEvent& e);
  void on_stream_closed(std::uint64_t stream);
  // A stream either end opened: counted and its meta kept.
  void add_stream(std::uint64_t stream, const gowire::SessionData& info);
  void settle(std::uint64_t packet_id, const gowire::LinkEvent* e, Status st);
  void expect(std::uint64_t packet_id, std::chrono::milliseconds timeout,
              std::function<void(const gowire::LinkEvent*, Status)> done);
  void check_waiters();
  void deliver_reads(StreamState& s);
  // Backpressure: held bytes and frames went up or down; reading pauses past the limits.
  void hold(std::ptrdiff_t bytes, int frames);

  std::shared_ptr<void> owner_;  // first: it goes last, after the socket
  std::shared_ptr<gowire::WireConn> wire_;
  ConnOptions options_;
  std::shared_ptr<GoCounters> counters_;
  bool counted_connected_ = false;  // in counters_->endpoints_connected
  std::string remote_;
  mutable std::mutex info_mutex_;  // guards what other threads read: the fields up to infos_
  std::uint64_t client_id_ = 0;
  std::string client_meta_;
  bool open_ = true;
  std::map<std::uint64_t, gowire::SessionData> infos_;
  Status end_status_{};  // why it closed
  std::function<void(const Status&)> on_ready_;
  std::map<std::uint64_t, StreamState> streams_;
  std::map<std::uint64_t, Pending> pending_;
  std::vector<MethodWaiter> method_waiters_;
  std::function<void(Stream)> on_stream_;
  std::deque<Stream> held_streams_;
  std::vector<std::function<void(const Status&)>> closed_handlers_;
  std::function<void(Status)> disconnect_done_;  // we sent DISCONN
  bool disconnect_answered_ = false;             // and the remote end's DISCONN came
  std::size_t held_bytes_ = 0;
  std::size_t held_frames_ = 0;
  bool paused_ = false;
};

}  // namespace tp::geminio::detail
