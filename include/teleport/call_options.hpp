// Per-call options: meta, codecs, transfer pipe, timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "teleport/message.hpp"

namespace tp {

/// Options of one call or push.
struct CallOptions {
  Meta meta{};                               ///< meta pairs to send (added in order)
  std::optional<std::uint8_t> body_codec{};  ///< body codec (default: the peer's)
  std::optional<std::uint8_t>
      accept_body_codec{};               ///< ask the replier for this codec (X-Accept-Body-Codec)
  XferPipe xfer_pipe{};                  ///< transfer filters for this message
  std::chrono::milliseconds timeout{0};  ///< call deadline; 0: the peer's default context age
  std::string real_ip{};                 ///< sent as X-Real-IP when set
  /// Safe to run twice: a Channel may send it to another backend even after it was written to
  /// one whose connection then broke (a call never written is always retried).
  bool idempotent = false;
};

/// Meta key carrying the codec a caller wants its reply in (decimal codec id).
inline constexpr std::string_view kAcceptBodyCodecKey = "X-Accept-Body-Codec";
/// Meta key carrying the original client's IP through proxies.
inline constexpr std::string_view kRealIpKey = "X-Real-IP";

}  // namespace tp
