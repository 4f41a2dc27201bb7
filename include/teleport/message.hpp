// Message: one frame's content, independent of the protocol that carries it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "teleport/meta.hpp"
#include "teleport/status.hpp"

namespace tp {

/// What a message is for. The values are eRPC's wire bytes.
enum class MsgType : std::uint8_t {
  kCall = 1,       ///< a request that expects a reply
  kReply = 2,      ///< the answer to a call (same seq)
  kPush = 3,       ///< a one-way message
  kAuthCall = 4,   ///< the first message of an authenticated session
  kAuthReply = 5,  ///< the answer to an auth call
};

/// eRPC's name of a message type ("CALL"), or "UNKNOWN".
std::string_view msg_type_name(MsgType type) noexcept;
/// True for the five types eRPC defines.
bool is_valid_msg_type(std::uint8_t byte) noexcept;

/// Transfer-filter ids of a message, outer-most first.
using XferPipe = std::vector<std::uint8_t>;

/// One message: header fields, meta and the (codec-encoded) body bytes.
struct Message {
  std::int32_t seq = 0;           ///< sequence number (per session and side)
  MsgType type = MsgType::kCall;  ///< message type
  std::string service_method{};   ///< URI path with optional query: "/math/add?author=x"
  Status status{};                ///< status (OK for calls and pushes)
  Meta meta{};                    ///< metadata
  std::uint8_t body_codec = 0;    ///< body codec id (0: none)
  std::string body{};             ///< body bytes as the codec wrote them
  XferPipe xfer_pipe{};           ///< transfer filters applied to the payload
  std::uint32_t size = 0;         ///< frame size on the wire (set by encode and decode)

  /// The path part of the service method (before '?'), as parsed by Boost.URL.
  [[nodiscard]] std::string path() const;
  /// The query part of the service method (after '?'), still percent-encoded; empty if none.
  [[nodiscard]] std::string_view query() const;

  /// Every field equal.
  friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace tp
