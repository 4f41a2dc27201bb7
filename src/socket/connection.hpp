// Connection: the bytes of one connection — a TCP, Unix, unixpacket or TLS socket, its read
// buffer and its coalesced writes. It knows nothing of frames: its owner parses input() and
// queues whole frames into out(). Everything here runs on the connection's I/O thread.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/shard.hpp"
#include "socket/deadline_sweeper.hpp"
#include "socket/read_budget.hpp"
#include "teleport/status.hpp"

namespace tp {
struct PeerConfig;
}

namespace tp::detail {

class WsStream;
struct WsAcceptOptions;

class Connection {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;
  using Clock = std::chrono::steady_clock;

  /// What the connection reports to its owner (a session), on the I/O thread.
  class Owner {
   public:
    /// Keeps the owner, and so the connection, alive while an operation is in flight.
    virtual std::shared_ptr<void> hold() = 0;
    /// New bytes are in input().
    virtual void on_input() = 0;
    /// A write has finished: out() may be flushed again.
    virtual void on_sent() = 0;
    /// Reading or writing failed, or the remote side closed (`by_remote`: it closed or reset
    /// the connection).
    virtual void on_broken(const Status& why, bool by_remote) = 0;

   protected:
    ~Owner() = default;
  };

  /// Takes a connected socket; a read buffer beyond the first chunk is charged to `budget`.
  Connection(Socket socket, ReadBudget& budget, Owner& owner);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Applies the peer's socket settings (TCP_NODELAY, keepalive, buffer sizes, control_fd).
  void apply_options(const PeerConfig& cfg);
  /// Adds the bytes read and written to these counters (of the connection's thread).
  void count_bytes(Counter* in, Counter* out) {
    bytes_in_ = in;
    bytes_out_ = out;
  }
  /// Uses the thread's coarse clock for activity stamps (after it, before the first read).
  void set_clock(const DeadlineSweeper* clock) { clock_ = clock; }
  /// The sweeper's coarse time when there is one, else the real time.
  [[nodiscard]] Clock::time_point now() const { return clock_ ? clock_->now() : Clock::now(); }
  /// The io_context the socket lives on.
  [[nodiscard]] boost::asio::io_context& context() const { return *ioc_; }
  /// The remote and local address texts ("ip:port" or a Unix path).
  [[nodiscard]] std::string remote_text() const;
  [[nodiscard]] std::string local_text() const;
  /// True when no read or write of an earlier socket is still to complete.
  [[nodiscard]] bool quiet() const { return !reading_ && !write_in_flight_; }

  /// Runs a TLS handshake as client (naming and, if `verify_name`, checking `server_name`) or as
  /// server; `done` runs unless the connection closes first. Reads and writes wait for it.
  void start_tls(boost::asio::ssl::context& ctx, bool client, const std::string& server_name,
                 bool verify_name, std::function<void(boost::system::error_code)> done);
  /// The length in front of a WebSocket message still arriving (see start_ws_client).
  static constexpr std::uint32_t kWsOpenFrame = 0xffffffff;
  /// Upgrades to WebSocket (after TLS, if any), asking `host` for `target`. From then on every
  /// WebSocket message reaches input() as a 4-byte big-endian length (kWsOpenFrame until the
  /// message is complete) and the message, and out() holds frames of that same shape, each
  /// written as one binary message. Messages past `max_message` close the connection with 1009.
  void start_ws_client(const std::string& host, const std::string& target, std::size_t max_message,
                       std::function<void(boost::system::error_code)> done);
  /// The server side of start_ws_client: answers the HTTP request as `options` say; the
  /// unconsumed input is taken as the request's first bytes.
  void start_ws_server(WsAcceptOptions options, std::size_t max_message,
                       std::function<void(boost::system::error_code)> done);
  /// True once start_ws_client or start_ws_server has begun.
  [[nodiscard]] bool is_websocket() const { return ws_ != nullptr; }
  /// Sends a WebSocket close frame (`code`, `reason`) and waits for the answer, bounded by the
  /// handshake timeout; `done` runs unless the connection closes first.
  void close_websocket(std::uint16_t code, std::string_view reason, std::function<void()> done);
  /// When close_websocket began, if it is waiting for the peer's answer.
  [[nodiscard]] std::optional<Clock::time_point> ws_closing_since() const {
    return ws_closing_since_;
  }
  /// Closes the socket (shutting it down first if `graceful`); completions still to come
  /// change nothing. Queued output stays in out().
  void close(bool graceful);
  /// Takes a new socket (a redial): reading and writing start over on it.
  void replace(Socket socket);

  /// Starts a read unless one is in flight, reading is paused or the connection is closed.
  void read_more();
  /// The bytes received and not yet consumed.
  [[nodiscard]] std::string_view input() const {
    return {in_.data() + in_start_, in_end_ - in_start_};
  }
  /// Drops `n` bytes from the front of input().
  void consume(std::size_t n) { in_start_ += n; }
  /// Stops reading until resume_reading() (the owner's backpressure).
  void pause_reading() { paused_ = Paused::kOwner; }
  /// Ends pause_reading().
  void resume_reading();
  /// True while pause_reading() holds.
  [[nodiscard]] bool paused_by_owner() const { return paused_ == Paused::kOwner; }
  /// True while a read waits for room in the read budget.
  [[nodiscard]] bool waiting_for_budget() const { return paused_ == Paused::kBudget; }
  /// Frees a read buffer that one big frame grew, and returns its budget, once it is empty.
  void release_big_buffers();

  /// Frames queued during this loop turn; flush() writes them.
  [[nodiscard]] std::string& out() { return *out_; }
  /// While out() is empty, makes `shared` (the I/O thread's buffer; null: none) out() until
  /// return_out(), so that connections whose output the socket takes at once share one buffer
  /// (kept in cache) instead of each touching its own.
  void borrow_out(std::string* shared);
  /// Ends borrow_out(): an empty out() goes back to its lender; output the socket has not taken
  /// yet stays with the connection (the lender keeps the connection's empty buffer instead).
  void return_out();
  /// Counts `n` bytes just queued in out() as replies (see unsent_replies()).
  void count_replies(std::size_t n) { replies_out_ += n; }
  /// Reply bytes queued or being written: the remote side has not taken them yet.
  [[nodiscard]] std::size_t unsent_replies() const { return replies_out_ + replies_writing_; }
  /// Starts writing out() unless a write is in flight, a handshake runs or it is closed. With
  /// `at_once`, a plain socket is first written straight away: when it takes all of out(), no
  /// operation is queued and no on_sent() follows (writing() is false).
  void flush(bool at_once = false);
  /// Drops out() (the connection is closing for good).
  void discard_output();
  /// True while bytes are being written.
  [[nodiscard]] bool writing() const { return write_in_flight_; }
  /// When the write in flight started or last made progress.
  [[nodiscard]] Clock::time_point write_since() const { return write_since_; }
  /// The last byte in or out.
  [[nodiscard]] Clock::time_point active_at() const { return active_at_; }
  /// Bytes read and written on this connection so far (any thread).
  [[nodiscard]] std::uint64_t bytes_read() const { return read_total_.get(); }
  [[nodiscard]] std::uint64_t bytes_written() const { return written_total_.get(); }

 private:
  // Why reading stopped: the owner asked (unsent replies), or the read budget has no room.
  enum class Paused { kNo, kOwner, kBudget };

  void read_when_readable();
  bool make_room();
  void wait_for_budget();
  void on_read(boost::system::error_code ec, std::size_t n);
  void write_some();
  // Writes `bytes` (their first piece) without waiting; the count the socket took (0 when it
  // would block or failed: the asynchronous write then reports the failure).
  std::size_t write_at_once(const std::string& bytes);
  void count_out(std::size_t n);  // n more bytes taken by the socket, in the counters
  void end_write();               // writing_ is done with (taken, or given up)
  // Marks a WebSocket handshake in progress; the returned completion ends it, then runs `done`
  // unless the connection was closed or replaced meanwhile.
  std::function<void(boost::system::error_code)> ws_handshake_done(
      std::function<void(boost::system::error_code)> done);
  std::optional<Clock::time_point> ws_closing_since_;
  void read_ws();
  void write_ws();
  void store_length(std::size_t at, std::uint32_t n);  // big-endian, at in_[at]
  void on_written(boost::system::error_code ec, std::size_t n, unsigned generation);

  Socket socket_;
  Counter* bytes_in_ = nullptr;  // metrics (null: off)
  Counter* bytes_out_ = nullptr;
  Counter read_total_, written_total_;  // this connection's own (the admin page shows them)
  // TLS over socket_ (declared after it: destroyed first). Null without TLS; new per socket.
  std::unique_ptr<boost::asio::ssl::stream<Socket&>> tls_;
  // WebSocket over socket_ or tls_ (declared after both: destroyed first). Null without it.
  std::unique_ptr<WsStream> ws_;
  std::size_t ws_frame_at_ = 0;  // where the length of the message being read sits in in_
  bool ws_frame_open_ = false;   // that message is not complete yet
  boost::asio::io_context* ioc_;
  ReadBudget& budget_;
  Owner& owner_;
  const DeadlineSweeper* clock_ = nullptr;
  // Each socket (the first, then each replace()) has a number: completions of reads and writes
  // on an earlier one change nothing.
  unsigned generation_ = 0;
  bool open_ = true;
  bool handshaking_ = false;

  std::string in_;              // bytes received, unread from in_start_
  std::size_t read_chunk_ = 0;  // bytes of room per read (a whole packet on unixpacket)
  std::size_t in_start_ = 0;
  std::size_t in_end_ = 0;
  std::size_t budget_taken_ = 0;  // of the read budget: in_'s bytes beyond read_chunk_
  bool filled_ = false;           // the last read filled in_: the socket likely holds more
  Paused paused_ = Paused::kNo;
  bool reading_ = false;  // a read (or wait for readability) is in flight
  std::unique_ptr<boost::asio::steady_timer> budget_timer_;

  std::string own_out_;              // frames queued during this loop turn, unless borrowed
  std::string* out_ = &own_out_;     // own_out_, or the buffer borrow_out() lent
  std::string writing_;              // frames being written
  std::size_t written_ = 0;          // bytes of writing_ the socket has taken
  std::size_t replies_out_ = 0;      // bytes of out_ that are replies
  std::size_t replies_writing_ = 0;  // bytes of writing_ that are replies
  bool write_in_flight_ = false;
  bool non_blocking_ = false;  // the socket is in non-blocking mode for our own direct I/O
  Clock::time_point write_since_{};
  Clock::time_point active_at_{};
};

}  // namespace tp::detail
