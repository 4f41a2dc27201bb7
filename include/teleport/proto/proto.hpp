// Proto: how a Message becomes frame bytes and back, decoded incrementally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "teleport/message.hpp"
#include "teleport/status.hpp"

namespace tp {

/// The outcome of one decode attempt on the bytes received so far.
struct DecodeResult {
  /// What happened.
  enum class Kind {
    kNeedMore,  ///< not a whole frame yet: call again with more bytes
    kMessage,   ///< one message decoded; `consumed` bytes belong to it
    kError,     ///< the bytes are malformed: `status` (400) says why; the stream cannot continue
  };
  Kind kind = Kind::kNeedMore;  ///< what happened
  std::size_t consumed = 0;     ///< bytes of the input the message used (kMessage only)
  Status status{};              ///< why decoding failed (kError only)
};

/// What a protocol makes of a connection's first bytes (protocol detection on a shared port).
enum class Probe {
  kNo,        ///< these bytes are not this protocol
  kYes,       ///< they are: decode the connection with it
  kNeedMore,  ///< too few bytes to tell
};

/// A wire protocol. Implementations are stateless and safe to share between threads.
class Proto {
 public:
  virtual ~Proto() = default;
  /// The protocol id (eRPC's: raw is 6).
  [[nodiscard]] virtual std::uint8_t id() const noexcept = 0;
  /// The protocol name ("raw").
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Appends `msg` as one frame to `out` and sets `msg.size`; on error `out` is unchanged and
  /// the status is 104 Write Failed with the reason.
  virtual Status encode(Message& msg, std::string& out) const = 0;
  /// Decodes at most one frame from the front of `bytes` into `out`. Never reads past `bytes`,
  /// never allocates more than the declared frame size permits.
  virtual DecodeResult decode(std::string_view bytes, Message& out) const = 0;
  /// decode() with the transfer filters' output (decompressed payload) capped at `unpack_limit`
  /// bytes as well as at the size limit: a peer passes what is left of its memory budget.
  /// Protocols without transfer filters need not override it.
  virtual DecodeResult decode_within(std::string_view bytes, Message& out,
                                     std::size_t unpack_limit) const {
    (void)unpack_limit;
    return decode(bytes, out);
  }
  /// Whether the first bytes of an accepted connection are this protocol. The default, kNo,
  /// leaves the protocol out of detection (it is still used when configured).
  [[nodiscard]] virtual Probe probe(std::string_view first) const {
    (void)first;
    return Probe::kNo;
  }
};

}  // namespace tp
