// FramedProto: the base of eRPC's JSON and protobuf protocols. Their frames are the same —
// `size(4) nfilters(1) filter ids payload`, the payload passed through the transfer filters —
// and differ only in how the payload encodes the header and body.
#pragma once

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// A protocol framed as eRPC's JSON and protobuf ones; subclasses write and read the payload.
class FramedProto : public Proto {
 public:
  /// See Proto::encode.
  Status encode(Message& msg, std::string& out) const final;
  /// See Proto::decode.
  DecodeResult decode(std::string_view bytes, Message& out) const final;
  /// See Proto::decode_within.
  DecodeResult decode_within(std::string_view bytes, Message& out,
                             std::size_t unpack_limit) const final;
  /// kYes when the first payload byte (unfiltered) is `first_payload_byte`'s answer.
  [[nodiscard]] Probe probe(std::string_view first) const final;

 protected:
  /// Takes the options (version, size limit, filters: null means the registry's).
  explicit FramedProto(RawProtoOptions options);
  /// The options the protocol was built with.
  [[nodiscard]] const RawProtoOptions& options() const noexcept { return options_; }
  /// Appends the payload of `msg` (header and body) to `payload`.
  virtual Status write_payload(const Message& msg, std::string& payload) const = 0;
  /// Reads a whole payload into `out`; a failure is a 400 naming the protocol.
  virtual Status read_payload(std::string_view payload, Message& out) const = 0;
  /// True if an unfiltered payload starting with `b` is this protocol's.
  [[nodiscard]] virtual bool first_payload_byte(unsigned char b) const = 0;

 private:
  RawProtoOptions options_;
};

}  // namespace tp
