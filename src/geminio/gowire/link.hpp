// One side of a Go geminio connection, without I/O: frames from the peer go in, the frames to
// send and the events the application must see come out. Every answer Go gives by itself
// (CONN_ACK, HEARTBEAT_ACK, REGISTER_ACK, SESSION_ACK, the DISMISS and DISCONN 4-way closes,
// "no such rpc: NAME") is given here; RESPONSE and MESSAGE_ACK come from the application through
// respond() and ack(), and what the application starts (CONN, SESSION, REGISTER, DISMISS,
// DISCONN, HEARTBEAT) through the methods that build those frames.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "geminio/gowire/bodies.hpp"
#include "geminio/gowire/frame.hpp"

namespace tp::geminio::gowire {

/// Something the application must see.
struct LinkEvent {
  enum class Kind {
    kConnected,       ///< the handshake passed: `id` is the client's ID, `bytes` its meta
    kRefused,         ///< (client) the server refused the connection: `data.error` says why
    kRegistered,      ///< the peer serves `method` on `stream`
    kRequest,         ///< a call of `method` with `data` (answer with respond(), same packet id)
    kUnserved,        ///< a call of `method`, not served here: the link answered "no such rpc"
    kMessage,         ///< a message `data` (answer with ack(), same packet id)
    kResponse,        ///< the peer's answer to our REQUEST `packet_id`
    kMessageAcked,    ///< the peer's ack of our MESSAGE `packet_id` (`data.error` if refused)
    kStreamOpened,    ///< the peer opened `stream` (`session` holds its meta and peer)
    kStreamAccepted,  ///< the peer accepted the stream we opened (SESSION `packet_id`), now
                      ///< `stream`
    kStreamData,      ///< raw `bytes` on `stream`
    kStreamClosed,    ///< `stream` is closed (by either side)
    kDisconnected,    ///< the connection is closed (by either side)
  };
  Kind kind = Kind::kConnected;
  std::uint64_t stream = 0;
  std::uint64_t packet_id = 0;
  std::uint64_t id = 0;
  std::string method{};
  std::string bytes{};
  MessageData data{};
  SessionData session{};
};

/// One connection's protocol state on one side.
class Link {
 public:
  using Clock = std::chrono::steady_clock;
  /// Which side this is and where IDs come from.
  struct Options {
    bool server = true;  ///< the accepting side (else the dialing one)
    /// (server) The client's ID from the one it wants (0: none) and its meta (v1.1.7-rc.1's
    /// GetClientID).
    std::function<std::uint64_t(std::uint64_t wanted, const std::string& meta)> client_id{};
    /// The next packet ID this side allocates.
    std::function<std::uint64_t()> next_id{};
    /// The next stream ID (a server's choice, or the negotiateID of a stream opened); empty:
    /// next_id.
    std::function<std::uint64_t()> next_stream_id{};
  };

  explicit Link(Options options);

  /// Takes one frame from the peer at `now`: appends to `out` what must be sent now and to
  /// `events` what the application must see; a non-OK status means the connection must close.
  Status receive(const Frame& f, Clock::time_point now, std::vector<Frame>& out,
                 std::vector<LinkEvent>& events);
  /// (server) True when no HEARTBEAT came within twice the client's period (Go then closes).
  [[nodiscard]] bool heartbeat_missed(Clock::time_point now) const;

  /// (client) The CONN that opens the connection: `meta`, the ID wanted (0: any), and the
  /// heartbeat period the client will keep (rounded down to 5, 20, 80 or 320 s).
  Frame connect(const std::string& meta, std::uint64_t wanted_id, std::uint32_t heartbeat_s);
  /// (client) A HEARTBEAT, to send every period.
  Frame heartbeat();
  /// Serves `method` on `stream`: a REQUEST for a method not served is answered by the link
  /// with "no such rpc: NAME". Returns the REGISTER that announces it.
  Frame serve(std::uint64_t stream, const std::string& method);
  /// Opens a stream (kStreamAccepted once the peer's SESSION_ACK names its ID).
  Frame open_stream(const SessionData& data);
  /// A REQUEST calling `method` with `value` on `stream`; its RESPONSE comes back as kResponse
  /// with the frame's packet ID. `deadline` (zero: none) travels as the caller's context deadline.
  Frame request(std::uint64_t stream, const std::string& method, std::string value,
                GoTime deadline);
  /// A MESSAGE on `stream`; its MESSAGE_ACK comes back as kMessageAcked with the frame's packet
  /// ID.
  Frame message(std::uint64_t stream, MessageData data);
  /// Raw `bytes` on `stream` (one frame, as one Write of Go's).
  Frame data(std::uint64_t stream, std::string bytes);
  /// Starts closing `stream` (the peer's DISMISS_ACK and DISMISS end it).
  Frame dismiss(std::uint64_t stream);
  /// Starts closing the connection (the peer's DISCONN_ACK and DISCONN end it).
  Frame disconnect();
  /// The RESPONSE to REQUEST `packet_id` for `method`: `value`, or `error` when not empty.
  [[nodiscard]] Frame respond(std::uint64_t stream, std::uint64_t packet_id,
                              const std::string& method, const std::string& value,
                              const std::string& error) const;
  /// The MESSAGE_ACK of MESSAGE `packet_id` (`error` empty: done).
  [[nodiscard]] Frame ack(std::uint64_t stream, std::uint64_t packet_id,
                          const std::string& error) const;

  /// True on the accepting side.
  [[nodiscard]] bool is_server() const { return options_.server; }
  /// True once the handshake passed.
  [[nodiscard]] bool connected() const { return connected_; }
  /// The client's ID (0 before the handshake).
  [[nodiscard]] std::uint64_t client_id() const { return client_id_; }
  /// The streams open now, the default one included.
  [[nodiscard]] const std::set<std::uint64_t>& streams() const { return streams_; }

 private:
  Frame reply_to(const Frame& f, Type type) const;
  Status on_handshake(const Frame& f, Clock::time_point now, std::vector<Frame>& out,
                      std::vector<LinkEvent>& events);
  // The peer's half of a 4-way close of a stream (DISMISS) or of the connection (DISCONN): our
  // ack, then our own close unless we started it.
  void answer_close(const Frame& f, Type ack_type, std::string ack_body, bool ours_sent,
                    std::vector<Frame>& out);
  Frame new_frame(Type type, std::uint64_t stream = 0);
  std::uint64_t new_stream_id();

  Options options_;
  bool connected_ = false;
  bool disconnecting_ = false;     // we sent DISCONN
  std::uint64_t conn_packet_ = 0;  // (client) the CONN waiting for its CONN_ACK
  std::uint64_t client_id_ = 0;
  Clock::duration heartbeat_period_{};
  Clock::time_point last_heartbeat_{};
  std::set<std::uint64_t> streams_;
  std::set<std::uint64_t> opening_;     // negotiateIDs of streams we opened, not yet accepted
  std::set<std::uint64_t> dismissing_;  // streams we sent DISMISS for
  std::map<std::uint64_t, std::set<std::string>> served_;  // methods per stream
};

}  // namespace tp::geminio::gowire
