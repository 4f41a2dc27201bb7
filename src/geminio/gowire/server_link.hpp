// The server side of one Go geminio connection, without I/O: frames from the client go in, the
// frames to send and the events the application must see come out. Every answer Go's server
// gives by itself (CONN_ACK, HEARTBEAT_ACK, REGISTER_ACK, SESSION_ACK, the DISMISS and DISCONN
// 4-way closes, "no such rpc: NAME") is given here; RESPONSE and MESSAGE_ACK come from the
// application through respond() and ack().
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
    kConnected,       ///< CONN taken: `id` is the client's ID, `bytes` its meta
    kRegistered,      ///< the client serves `method` on `stream`
    kRequest,         ///< a call of `method` with `data` (answer with respond(), same packet id)
    kMessage,         ///< a message `data` (answer with ack(), same packet id)
    kResponse,        ///< the client's answer to our REQUEST `packet_id`
    kMessageAcked,    ///< the client's ack of our MESSAGE `packet_id` (`data.error` if refused)
    kStreamOpened,    ///< the client opened `stream` (`session` holds its meta and peer)
    kStreamData,      ///< raw `bytes` on `stream`
    kStreamClosed,    ///< `stream` was dismissed by the client
    kStreamAccepted,  ///< the client accepted the stream we opened (`stream`)
    kDisconnected,    ///< the client closed the connection (DISCONN answered)
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

/// One connection's protocol state on the server.
class ServerLink {
 public:
  using Clock = std::chrono::steady_clock;
  /// Where IDs come from.
  struct Options {
    /// The client's ID from the one it wants (0: none) and its meta (v1.1.7-rc.1's GetClientID).
    std::function<std::uint64_t(std::uint64_t wanted, const std::string& meta)> client_id;
    /// The next packet or stream ID this side allocates.
    std::function<std::uint64_t()> next_id;
  };

  explicit ServerLink(Options options);

  /// Takes one frame from the client at `now`: appends to `out` what must be sent now and to
  /// `events` what the application must see; a non-OK status means the connection must close.
  Status receive(const Frame& f, Clock::time_point now, std::vector<Frame>& out,
                 std::vector<LinkEvent>& events);
  /// True when no HEARTBEAT came within twice the client's period (Go's server then closes).
  [[nodiscard]] bool heartbeat_missed(Clock::time_point now) const;

  /// Serves `method` on `stream`: a REQUEST for a method not served is answered by the link
  /// with "no such rpc: NAME". Returns the REGISTER that announces it.
  Frame serve(std::uint64_t stream, const std::string& method);
  /// Opens a stream to the client (SESSION without sessionIDAcquire: our negotiateID becomes
  /// its ID, open once the client's SESSION_ACK arrives, kStreamAccepted).
  Frame open_stream(const SessionData& data);
  /// The RESPONSE to REQUEST `packet_id` for `method`: `value`, or `error` when not empty.
  [[nodiscard]] Frame respond(std::uint64_t stream, std::uint64_t packet_id,
                              const std::string& method, const std::string& value,
                              const std::string& error) const;
  /// The MESSAGE_ACK of MESSAGE `packet_id` (`error` empty: done).
  [[nodiscard]] Frame ack(std::uint64_t stream, std::uint64_t packet_id,
                          const std::string& error) const;

  /// True once CONN was answered.
  [[nodiscard]] bool connected() const { return connected_; }
  /// The client's ID (0 before CONN).
  [[nodiscard]] std::uint64_t client_id() const { return client_id_; }
  /// The streams open now, the default one included.
  [[nodiscard]] const std::set<std::uint64_t>& streams() const { return streams_; }

 private:
  Frame reply_to(const Frame& f, Type type) const;
  // The 4-way close of a stream (DISMISS) or of the connection (DISCONN): our ack of the
  // client's, then our own, which the client's ack ends.
  void answer_close(const Frame& f, Type ack_type, std::string ack_body, std::vector<Frame>& out);

  Options options_;
  bool connected_ = false;
  std::uint64_t client_id_ = 0;
  Clock::duration heartbeat_period_{};
  Clock::time_point last_heartbeat_{};
  std::set<std::uint64_t> streams_;
  std::set<std::uint64_t> opening_;  // streams we opened, waiting for the client's SESSION_ACK
  std::map<std::uint64_t, std::set<std::string>> served_;  // methods per stream
};

}  // namespace tp::geminio::gowire
