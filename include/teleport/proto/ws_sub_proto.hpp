// WsSubProto: the base of eRPC's WebSocket sub-protocols (tp::WsJsonProto, tp::WsPbProto).
#pragma once

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// A sub-protocol of eRPC's WebSocket mixer: one message per WebSocket message, no length
/// prefix (the WebSocket message delimits it), the body through its transfer filters and their
/// ids inside the message. Subclasses write and read the message itself.
class WsSubProto : public Proto {
 public:
  /// Appends `msg` as one message's bytes (a 104 status if it passes the size limit).
  Status encode(Message& msg, std::string& out) const final;
  /// Decodes `bytes`, one whole WebSocket message; never kNeedMore.
  DecodeResult decode(std::string_view bytes, Message& out) const final;
  /// decode() with the filters' output capped at `unpack_limit` bytes too.
  DecodeResult decode_within(std::string_view bytes, Message& out,
                             std::size_t unpack_limit) const final;

 protected:
  /// Takes the options (size limit, filters: null means the registry's; the version is v7's).
  explicit WsSubProto(RawProtoOptions options);
  /// Appends `msg`, with `body` (already filtered) in place of its body.
  virtual Status write_message(const Message& msg, std::string_view body,
                               std::string& out) const = 0;
  /// Reads every field of `bytes` into `out` but the body, whose still filtered bytes go to
  /// `body`; a failure is a 400 naming the sub-protocol.
  virtual Status read_message(std::string_view bytes, Message& out, std::string& body) const = 0;

 private:
  RawProtoOptions options_;
};

}  // namespace tp
