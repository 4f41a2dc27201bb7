// The Geminio layer's frames: pushes (and one call) on reserved service methods, with their
// fields in meta and their bytes in the body, so every protocol and plugin of the session works.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "teleport/meta.hpp"

namespace tp::geminio::teleport::wire {

inline constexpr std::string_view kPrefix = "/_gm/";          ///< reserved routes
inline constexpr std::string_view kHello = "/_gm/hello";      ///< CALL: client id, meta, methods
inline constexpr std::string_view kMethods = "/_gm/methods";  ///< PUSH: the sender's methods
inline constexpr std::string_view kOpen = "/_gm/open";        ///< PUSH: s=id, body=meta query
inline constexpr std::string_view kData = "/_gm/data";        ///< PUSH: s=id, body=bytes
inline constexpr std::string_view kCredit = "/_gm/credit";    ///< PUSH: s=id, n=bytes consumed
inline constexpr std::string_view kFin = "/_gm/fin";          ///< PUSH: s=id (no more data)
inline constexpr std::string_view kReset = "/_gm/rst";        ///< PUSH: s=id, why=reason
inline constexpr std::string_view kMessage = "/_gm/msg";      ///< PUSH: s, id, t, c, d; body
inline constexpr std::string_view kAck = "/_gm/ack";          ///< PUSH: s, id, [err=reason]

inline constexpr char kStreamKey[] = "s";    ///< stream id
inline constexpr char kCountKey[] = "n";     ///< credit bytes
inline constexpr char kReasonKey[] = "why";  ///< reset reason
inline constexpr char kIdKey[] = "id";       ///< message id
inline constexpr char kTopicKey[] = "t";     ///< topic
inline constexpr char kCustomKey[] = "c";    ///< custom bytes
inline constexpr char kDeliveryKey[] = "d";  ///< delivery level
inline constexpr char kErrorKey[] = "err";   ///< rejection reason of an ack
/// Meta key naming the stream a user call or push belongs to.
inline constexpr char kCallStreamKey[] = "X-Gm-Stream";

/// The decimal number under `key`, if present and well formed.
inline std::optional<std::uint64_t> meta_number(const Meta& meta, std::string_view key) {
  auto v = meta.get(key);
  if (!v) return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return n;
}

/// Meta naming stream `id`, the start of most of the layer's frames.
inline Meta stream_meta(std::uint64_t id) {
  Meta m;
  m.add(kStreamKey, std::to_string(id));
  return m;
}

/// The largest data frame a stream writes.
inline constexpr std::size_t kMaxChunk = 64 * 1024;

}  // namespace tp::geminio::teleport::wire
