// Go geminio's frames (github.com/singchia/geminio v1.1.5 … v1.1.7-rc.1): a 14-byte header —
// version, type, packetID (u64), payloadLen (u32), big-endian — and a payload laid out by type.
// Go trusts payloadLen; we check it against a limit before holding a byte of the payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "teleport/status.hpp"

namespace tp::geminio::gowire {

/// The header's size.
inline constexpr std::size_t kHeaderSize = 14;
/// The version byte Go writes (receivers ignore it).
inline constexpr std::uint8_t kVersion = 0x01;

/// Frame types.
enum class Type : std::uint8_t {
  kConn = 0x01,
  kConnAck = 0x02,
  kDisconn = 0x11,
  kDisconnAck = 0x12,
  kHeartbeat = 0x21,
  kHeartbeatAck = 0x22,
  kSession = 0x31,
  kSessionAck = 0x32,
  kDismiss = 0x41,
  kDismissAck = 0x42,
  kMessage = 0x51,
  kMessageAck = 0x52,
  kStream = 0x61,
  kRequest = 0x71,
  kResponse = 0x72,
  kRequestCancel = 0x73,  ///< read only: a Go peer cannot decode it and drops the connection
  kRegister = 0x81,
  kRegisterAck = 0x82,
};

/// Go's name of a frame type ("SESSION_ACK"), or "UNKNOWN".
std::string_view type_name(Type t);

/// CONN flags: the client asks the server for its ID (Go's client always does).
inline constexpr std::uint8_t kClientIdAcquire = 0x08;
/// SESSION flags2: the acceptor chooses the stream's ID (set by clients, not by servers).
inline constexpr std::uint8_t kSessionIdAcquire = 0x10;
/// The default stream's ID, there from CONN_ACK on.
inline constexpr std::uint64_t kDefaultStream = 1;

/// The heartbeat period a CONN's flags carry: 5·4^k s for k in bits 4–5.
std::uint32_t heartbeat_seconds(std::uint8_t conn_flags);
/// CONN flags for `seconds` (rounded down to 5, 20, 80 or 320) with clientIDAcquire.
std::uint8_t conn_flags_for(std::uint32_t seconds);

/// One frame, its payload's fields by name; what a type does not carry stays zero.
struct Frame {
  Type type = Type::kHeartbeat;
  std::uint64_t packet_id = 0;
  std::uint8_t version = kVersion;
  std::uint8_t flags = 0;          ///< CONN: flags; SESSION: flags2
  std::uint8_t priority = 0;       ///< SESSION (unused by Go)
  std::uint8_t ret_code = 0;       ///< CONN_ACK, DISCONN_ACK: 0 ok, 1 error
  std::uint64_t client_id = 0;     ///< CONN: the wanted ID (0: none); CONN_ACK: the ID given
  std::uint64_t negotiate_id = 0;  ///< SESSION, SESSION_ACK: the opener's number for the open
  std::uint64_t session_id = 0;    ///< SESSION_ACK and every per-stream frame
  std::uint16_t cancel_type = 0;   ///< REQUEST_CANCEL: 1 canceled, 2 deadline
  /// The JSON part (CONN…REGISTER_ACK but STREAM and REGISTER), the bytes of a STREAM, or the
  /// method name of a REGISTER.
  std::string body{};
  friend bool operator==(const Frame&, const Frame&) = default;
};

/// True for the types whose payload ends with a JSON part.
bool has_json(Type t);

/// What decode_frame found.
struct DecodeOutcome {
  enum class Kind { kNeedMore, kFrame, kError } kind = Kind::kNeedMore;
  std::size_t consumed = 0;  ///< bytes of the frame (kFrame)
  Status error{};            ///< why (kError): 400 Bad Message naming the fault
};

/// Decodes the first frame of `bytes`. A payload past `limit` bytes, an unknown type, a payload
/// too short for its type's fields, an empty JSON part or a header-only type with a payload is an
/// error (Go would desynchronise or drop the connection on those). JSON is not parsed here.
DecodeOutcome decode_frame(std::string_view bytes, std::size_t limit, Frame& out);

/// Appends `f` as Go writes it (reserved bytes as 0; the version as `f.version`).
void encode_frame(const Frame& f, std::string& out);

}  // namespace tp::geminio::gowire
