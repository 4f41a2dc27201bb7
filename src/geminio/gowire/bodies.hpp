// The JSON parts of Go geminio's frames, with Go encoding/json's conventions: []byte as padded
// base64, times as RFC 3339 with nanoseconds (the zero time included), omitempty that drops empty
// strings and bytes but never a struct, and Go's string escaping — so what we write is Go's bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "teleport/status.hpp"

namespace tp::geminio::gowire {

/// A time as Go writes it: a UTC instant and the writer's zone offset, or Go's zero time.
struct GoTime {
  bool zero = true;  ///< Go's zero time, 0001-01-01T00:00:00Z
  std::chrono::sys_time<std::chrono::nanoseconds> utc{};
  int offset_minutes = 0;  ///< the zone it was written in (0: "Z")

  /// `t`, written in UTC.
  static GoTime at(std::chrono::sys_time<std::chrono::nanoseconds> t) { return {false, t, 0}; }
  /// RFC 3339 with up to nine fractional digits (trailing zeros dropped), "Z" or ±hh:mm.
  [[nodiscard]] std::string text() const;
  /// Reads `text`; nothing if it is not RFC 3339 or lies outside 1678…2261 (but the zero time).
  static std::optional<GoTime> parse(std::string_view text);
  friend bool operator==(const GoTime&, const GoTime&) = default;
};

/// CONN, CONN_ACK, DISCONN_ACK: `{"meta":B64,"error":STR}`, both omitempty.
struct ConnData {
  std::string meta{};
  std::string error{};
  friend bool operator==(const ConnData&, const ConnData&) = default;
};

/// SESSION, SESSION_ACK, DISMISS, DISMISS_ACK: `{"meta":B64,"error":STR,"peer":STR}`.
struct SessionData {
  std::string meta{};
  std::string error{};
  std::string peer{};  ///< OpenStream's SetPeer (frontier routes streams with it)
  friend bool operator==(const SessionData&, const SessionData&) = default;
};

/// REGISTER_ACK: `{"error":STR}`.
struct RegisterData {
  std::string error{};
  friend bool operator==(const RegisterData&, const RegisterData&) = default;
};

/// MESSAGE, MESSAGE_ACK, REQUEST, RESPONSE.
struct MessageData {
  std::string key{};            ///< REQUEST/RESPONSE: the method
  std::string value{};          ///< the data
  std::string topic{};          ///< MESSAGE
  std::string custom{};         ///< optional bytes
  std::string error{};          ///< acks and responses: the failure, as text
  std::int64_t timeout_ns = 0;  ///< never filled in by Go senders
  GoTime deadline{};            ///< now + the call's timeout, when it has one
  GoTime context_deadline{};    ///< the caller's context deadline
  friend bool operator==(const MessageData&, const MessageData&) = default;
};

/// Go's JSON text of each body.
std::string to_json(const ConnData& d);
std::string to_json(const SessionData& d);
std::string to_json(const RegisterData& d);
std::string to_json(const MessageData& d);

/// Reads a body as Go does (unknown keys ignored, missing ones zero); 400 Bad Message naming
/// what is wrong when it is not JSON, a member has the wrong type, or bytes are not base64.
Status from_json(std::string_view text, ConnData& out);
Status from_json(std::string_view text, SessionData& out);
Status from_json(std::string_view text, RegisterData& out);
Status from_json(std::string_view text, MessageData& out);

/// Appends `text` as Go's encoding/json writes a string: quoted, with <, > and & as \u003c…,
/// U+2028 and U+2029 escaped, and invalid UTF-8 as U+FFFD.
void append_go_string(std::string_view text, std::string& out);

}  // namespace tp::geminio::gowire
