#include "socket/connection.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include <netinet/tcp.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "socket/address.hpp"
#include "socket/ws_stream.hpp"
#include "support/threads.hpp"
#include "teleport/peer.hpp"

namespace tp::detail {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// A stream's first read buffer: a typical RPC request or reply fits, so thousands of sessions with
// one call in flight each hold 2 KiB rather than a chunk (less memory, fewer pages touched per
// call). A read that fills it doubles it, up to a chunk, so a connection that receives bursts
// (pipelined pushes) still takes them in large reads.
constexpr std::size_t kFirstRead = 2 * 1024;
// A SOCK_SEQPACKET read returns one packet and drops what does not fit: every read of a
// unixpacket connection has room for the largest packet a default socket can send (its send
// buffer, net.core.wmem_default = 208 KiB). Our writes are at most 64 KiB per packet (see
// write_some()).
constexpr std::size_t kPacketRoom = 256 * 1024;
// A frame larger than a chunk is read in pieces as large as what has already arrived (up to
// this): few reads for a big frame, and never more buffer than what arrived plus one read.
constexpr std::size_t kMaxReadRoom = 4 << 20;
// Writes go piece by piece (at most 64 KiB, as asio::async_write would: one packet on
// unixpacket), so that the write timeout measures the time without progress, not the time a big
// batch takes.
constexpr std::size_t kMaxWritePiece = 64 * 1024;
// Write buffers that one big batch grew past this are released after it.
constexpr std::size_t kKeepBelow = 64 * 1024;

bool is_seqpacket(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET;
}

// The size of a connection's fresh read buffer: kFirstRead for a stream, a whole packet's room
// (`read_chunk`) for a packet socket.
std::size_t fresh_buffer_size(std::size_t read_chunk) {
  return read_chunk == kReadChunk ? kFirstRead : read_chunk;
}

// The remote side ended the connection: it closed (eof, a TLS stream cut short) or reset it.
bool closed_by_remote(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

Status broken_by(const boost::system::error_code& ec, std::int32_t code) {
  if (closed_by_remote(ec))
    return Status::from_code(code, "closed by the remote peer (" + ec.message() + ")");
  return Status::from_code(code, ec.message());
}

}  // namespace

Connection::Connection(Socket socket, ReadBudget& budget, Owner& owner)
    : socket_(std::move(socket)),
      ioc_(&static_cast<asio::io_context&>(socket_.get_executor().context())),
      budget_(budget),
      owner_(owner) {
  read_chunk_ = is_seqpacket(socket_.native_handle()) ? kPacketRoom : kReadChunk;
}

Connection::~Connection() = default;

void Connection::apply_options(const PeerConfig& cfg) {
  const int fd = socket_.native_handle();
  boost::system::error_code ec;
  if (socket_.local_endpoint(ec).protocol().family() != AF_UNIX) {
    const int no_delay = cfg.no_delay ? 1 : 0;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay);
    if (cfg.keepalive_period.count() > 0) {
      const int one = 1;
      const int idle = static_cast<int>(cfg.keepalive_period.count());
      ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle);
    }
  }
  if (cfg.read_buffer_size > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cfg.read_buffer_size, sizeof(int));
  if (cfg.write_buffer_size > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cfg.write_buffer_size, sizeof(int));
  if (cfg.control_fd) cfg.control_fd(fd);
}

std::string Connection::remote_text() const {
  boost::system::error_code ec;
  return endpoint_text(socket_.remote_endpoint(ec));
}

std::string Connection::local_text() const {
  boost::system::error_code ec;
  return endpoint_text(socket_.local_endpoint(ec));
}

void Connection::start_tls(asio::ssl::context& ctx, bool client, const std::string& server_name,
                           bool verify_name, std::function<void(boost::system::error_code)> done) {
  assert_in_loop(*ioc_);
  tls_ = std::make_unique<asio::ssl::stream<Socket&>>(socket_, ctx);
  if (client && !server_name.empty()) {
    // The dialing side names the server (SNI) and checks the certificate is for that name.
    SSL_set_tlsext_host_name(tls_->native_handle(), server_name.c_str());
    if (verify_name) tls_->set_verify_callback(asio::ssl::host_name_verification(server_name));
  }
  handshaking_ = true;
  tls_->async_handshake(client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server,
                        [this, hold = owner_.hold(), generation = generation_,
                         done = std::move(done)](boost::system::error_code ec) {
                          handshaking_ = false;
                          if (generation == generation_) done(ec);
                        });
}

void Connection::start_ws_client(const std::string& host, const std::string& target,
                                 std::size_t max_message,
                                 std::function<void(boost::system::error_code)> done) {
  assert_in_loop(*ioc_);
  ws_ = std::make_unique<WsStream>(socket_, tls_.get(), max_message);
  ws_->handshake(host, target, ws_handshake_done(std::move(done)));
}

void Connection::start_ws_server(WsAcceptOptions options, std::size_t max_message,
                                 std::function<void(boost::system::error_code)> done) {
  assert_in_loop(*ioc_);
  ws_ = std::make_unique<WsStream>(socket_, tls_.get(), max_message);
  options.already_read.assign(input());
  consume(input().size());
  ws_->accept(std::move(options), ws_handshake_done(std::move(done)));
}

void Connection::close_websocket(std::uint16_t code, std::string_view reason,
                                 std::function<void()> done) {
  assert_in_loop(*ioc_);
  ws_closing_since_ = now();
  ws_->close(code, reason,
             ws_handshake_done([this, done = std::move(done)](boost::system::error_code) {
               ws_closing_since_.reset();
               done();
             }));
}

std::function<void(boost::system::error_code)> Connection::ws_handshake_done(
    std::function<void(boost::system::error_code)> done) {
  handshaking_ = true;
  return [this, hold = owner_.hold(), generation = generation_,
          done = std::move(done)](boost::system::error_code ec) {
    handshaking_ = false;
    if (generation == generation_) done(ec);
  };
}

void Connection::close(bool graceful) {
  assert_in_loop(*ioc_);
  ++generation_;
  open_ = false;
  boost::system::error_code ignored;
  if (graceful) socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  in_start_ = in_end_ = 0;
  ws_frame_open_ = false;
  paused_ = Paused::kNo;
  if (budget_timer_) budget_timer_->cancel();
  budget_.give_back(budget_taken_);
  budget_taken_ = 0;
}

void Connection::replace(Socket socket) {
  assert_in_loop(*ioc_);
  ws_.reset();  // it wraps the old socket (a redial upgrades the new one again)
  ws_closing_since_.reset();
  tls_.reset();  // it wraps the old socket
  socket_ = std::move(socket);
  non_blocking_ = false;
  std::string().swap(in_);  // no operation of the old socket refers to it any more
  filled_ = false;
  open_ = true;
}

void Connection::read_more() {
  assert_in_loop(*ioc_);
  if (!open_ || reading_ || handshaking_ || paused_ != Paused::kNo) return;
  if (ws_) {
    read_ws();
    return;
  }
  if (in_.empty() && !tls_) {
    read_when_readable();  // an idle connection holds no read buffer
    return;
  }
  if (!make_room()) {
    wait_for_budget();
    return;
  }
  reading_ = true;
  auto on_read = [this, hold = owner_.hold(), generation = generation_](
                     boost::system::error_code ec, std::size_t n) {
    reading_ = false;
    if (generation == generation_) this->on_read(ec, n);
  };
  const auto room = asio::buffer(in_.data() + in_end_, in_.size() - in_end_);
  if (tls_) {
    tls_->async_read_some(room, std::move(on_read));
  } else {
    socket_.async_read_some(room, std::move(on_read));
  }
}

void Connection::read_ws() {
  // Message bytes go into the input as TCP bytes do (charged to the read budget); each message
  // is preceded by its 4-byte length, open (kWsOpenFrame) until the message is complete.
  const std::size_t frame_offset = ws_frame_open_ ? ws_frame_at_ - in_start_ : 0;
  if (!make_room()) {
    wait_for_budget();
    return;
  }
  if (ws_frame_open_) {
    ws_frame_at_ = in_start_ + frame_offset;  // make_room may have moved the input to the front
  } else {
    ws_frame_at_ = in_end_;
    store_length(ws_frame_at_, kWsOpenFrame);
    in_end_ += 4;
    ws_frame_open_ = true;
  }
  reading_ = true;
  ws_->read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                 [this, hold = owner_.hold(), generation = generation_](
                     boost::system::error_code ec, std::size_t n, bool message_done) {
                   reading_ = false;
                   if (generation != generation_) return;
                   if (!ec && message_done) {
                     store_length(ws_frame_at_,
                                  static_cast<std::uint32_t>(in_end_ + n - ws_frame_at_ - 4));
                     ws_frame_open_ = false;
                   }
                   on_read(ec, n);
                 });
}

void Connection::store_length(std::size_t at, std::uint32_t n) {
  const unsigned char length[4] = {
      static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
      static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  std::memcpy(in_.data() + at, length, 4);
}

void Connection::read_when_readable() {
  reading_ = true;
  socket_.async_wait(Socket::wait_read, [this, hold = owner_.hold(),
                                         generation = generation_](boost::system::error_code ec) {
    reading_ = false;
    if (generation != generation_) return;
    if (ec) {
      owner_.on_broken(broken_by(ec, code::kConnClosed), closed_by_remote(ec));
      return;
    }
    in_.resize(fresh_buffer_size(read_chunk_));
    if (!non_blocking_) {
      socket_.non_blocking(true, ec);
      non_blocking_ = !ec;
    }
    const std::size_t n = socket_.read_some(asio::buffer(in_), ec);
    if (ec == asio::error::would_block) {
      read_more();
      return;
    }
    on_read(ec, n);
  });
}

bool Connection::make_room() {
  const bool packets = read_chunk_ != kReadChunk;
  // TLS may hold decrypted bytes: just read.
  if (in_.empty()) in_.resize(fresh_buffer_size(read_chunk_));
  if (in_start_ == in_end_) in_start_ = in_end_ = 0;
  // The last read filled a stream's buffer, so the socket likely holds more: the buffer doubles,
  // up to a chunk, for the next read to take it all.
  if (std::exchange(filled_, false) && !packets && in_.size() < read_chunk_)
    in_.resize(std::min(2 * in_.size(), read_chunk_));
  // A packet socket needs room for a whole packet; a stream is fine with a quarter of its buffer
  // (of a chunk, once it has grown past one).
  const std::size_t min_room = packets ? read_chunk_ : std::min(in_.size(), kReadChunk) / 4;
  if (in_.size() - in_end_ >= min_room) return true;
  if (in_start_ > 0) {
    std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
    in_end_ -= in_start_;
    in_start_ = 0;
    if (in_.size() - in_end_ >= min_room) return true;
  }
  // The buffer grows with the bytes that arrived, never with a length the remote side declares:
  // a header claiming a gigabyte costs nothing until the gigabyte comes.
  const std::size_t room = packets ? read_chunk_ : std::clamp(in_end_, kReadChunk, kMaxReadRoom);
  const std::size_t size = in_end_ + room;
  const std::size_t charge = size - read_chunk_;  // a connection's first chunk is not counted
  if (charge > budget_taken_) {
    if (!budget_.try_take(charge - budget_taken_)) return false;
    budget_taken_ = charge;
  }
  in_.resize(size);
  return true;
}

void Connection::wait_for_budget() {
  // Other connections hold the read budget: try again shortly. The owner's read timeout still
  // runs, so a frame that can never fit ends with the connection.
  paused_ = Paused::kBudget;
  if (!budget_timer_) budget_timer_ = std::make_unique<asio::steady_timer>(*ioc_);
  budget_timer_->expires_after(std::chrono::milliseconds(10));
  budget_timer_->async_wait([this, hold = owner_.hold()](boost::system::error_code ec) {
    if (ec || paused_ != Paused::kBudget) return;
    paused_ = Paused::kNo;
    read_more();
  });
}

void Connection::on_read(boost::system::error_code ec, std::size_t n) {
  if (ec) {
    owner_.on_broken(broken_by(ec, code::kConnClosed), closed_by_remote(ec));
    return;
  }
  in_end_ += n;
  filled_ = in_end_ == in_.size();
  if (bytes_in_) bytes_in_->add(n);
  read_total_.add(n);
  active_at_ = now();
  owner_.on_input();
  read_more();
}

void Connection::resume_reading() {
  if (paused_ == Paused::kOwner) paused_ = Paused::kNo;
}

void Connection::release_big_buffers() {
  if (in_start_ == in_end_ && in_.size() > read_chunk_) {
    std::string().swap(in_);
    in_start_ = in_end_ = 0;
  }
  if (budget_taken_ > 0 && in_.size() <= read_chunk_) {
    budget_.give_back(budget_taken_);
    budget_taken_ = 0;
  }
  if (out_->empty() && out_->capacity() > kKeepBelow) std::string().swap(*out_);
}

void Connection::borrow_out(std::string* shared) {
  if (!shared || !out_->empty()) return;
  out_ = shared;  // a pointer, not a swap of two strings: this runs for every batch of input
}

void Connection::return_out() {
  if (out_ == &own_out_) return;
  // Still holding unsent output: the connection keeps those bytes, the lender its empty buffer.
  if (!out_->empty()) own_out_.swap(*out_);
  out_ = &own_out_;
}

void Connection::flush(bool at_once) {
  assert_in_loop(*ioc_);
  if (write_in_flight_ || out_->empty() || !open_ || handshaking_) return;
  write_since_ = now();
  // Straight from out_ first: when the socket takes it all, nothing is queued, and each
  // connection keeps one buffer in use rather than two taking turns (less memory touched per
  // call with thousands of connections).
  const std::size_t taken = at_once && !tls_ && !ws_ ? write_at_once(*out_) : 0;
  if (taken == out_->size()) {
    out_->clear();
    replies_out_ = 0;
    active_at_ = write_since_;
    return;
  }
  writing_.swap(*out_);
  out_->clear();
  written_ = taken;
  replies_writing_ = std::exchange(replies_out_, 0);
  write_in_flight_ = true;
  write_some();
}

std::size_t Connection::write_at_once(const std::string& bytes) {
  boost::system::error_code ec;
  if (!non_blocking_) {
    socket_.non_blocking(true, ec);
    if (ec) return 0;
    non_blocking_ = true;
  }
  const std::size_t n =
      socket_.write_some(asio::buffer(bytes.data(), std::min(kMaxWritePiece, bytes.size())), ec);
  if (ec) return 0;  // would block, or an error the asynchronous write then reports
  count_out(n);
  return n;
}

void Connection::count_out(std::size_t n) {
  if (bytes_out_) bytes_out_->add(n);
  written_total_.add(n);
}

void Connection::end_write() {
  write_in_flight_ = false;
  writing_.clear();
  replies_writing_ = 0;
  if (writing_.capacity() > kKeepBelow) std::string().swap(writing_);
}

void Connection::discard_output() {
  out_->clear();
  replies_out_ = 0;
}

void Connection::write_ws() {
  // writing_ holds length-prefixed frames: each goes out as one message.
  const auto* p = reinterpret_cast<const unsigned char*>(writing_.data() + written_);
  const std::size_t left = writing_.size() - written_;
  const std::size_t n = left < 4 ? 0
                                 : (std::size_t{p[0]} << 24 | std::size_t{p[1]} << 16 |
                                    std::size_t{p[2]} << 8 | std::size_t{p[3]});
  const std::size_t frame = std::min(left, 4 + n);  // a short tail is written as what it is
  const std::string_view message(writing_.data() + written_ + std::min<std::size_t>(4, left),
                                 frame - std::min<std::size_t>(4, left));
  ws_->write(message, [this, hold = owner_.hold(), generation = generation_,
                       frame](boost::system::error_code ec) { on_written(ec, frame, generation); });
}

void Connection::write_some() {
  if (ws_) {
    write_ws();
    return;
  }
  const auto piece = asio::buffer(writing_.data() + written_,
                                  std::min(kMaxWritePiece, writing_.size() - written_));
  auto on_written = [this, hold = owner_.hold(), generation = generation_](
                        boost::system::error_code ec, std::size_t n) {
    this->on_written(ec, n, generation);
  };
  if (tls_) {
    tls_->async_write_some(piece, std::move(on_written));
  } else {
    socket_.async_write_some(piece, std::move(on_written));
  }
}

void Connection::on_written(boost::system::error_code ec, std::size_t n, unsigned generation) {
  written_ += n;
  count_out(n);
  if (!ec && generation == generation_ && written_ < writing_.size()) {
    write_since_ = active_at_ = now();
    write_some();
    return;
  }
  end_write();
  if (generation != generation_) return;  // an earlier socket's write
  if (ec) {
    owner_.on_broken(broken_by(ec, code::kWriteFailed), closed_by_remote(ec));
    return;
  }
  active_at_ = now();
  owner_.on_sent();
}

}  // namespace tp::detail
