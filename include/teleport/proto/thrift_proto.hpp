// In the thrift component (teleport::thrift). ThriftProto ('b'): eRPC's proto/thriftproto binary
// protocol — a Thrift THeader frame whose payload is a binary-protocol message (name = service
// method, type CALL/REPLY/ONEWAY, seq id) holding the body as one binary field; status, meta, body
// codec and transfer pipe travel as THeader info headers Tp-Status, Tp-Meta, Tp-BodyCodec and
// Tp-XferPipe. Apache Thrift's C++ library does the encoding.
#pragma once

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// eRPC's Thrift binary protocol.
class ThriftProto final : public Proto {
 public:
  /// A Thrift protocol with the default limit and filters.
  ThriftProto() : ThriftProto(RawProtoOptions{}) {}
  /// A Thrift protocol with the given size limit and filters (the version is not used).
  explicit ThriftProto(RawProtoOptions options);
  /// 'b' (eRPC's id for thrift-binary).
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'b'; }
  /// "thrift".
  [[nodiscard]] std::string_view name() const noexcept override { return "thrift"; }
  /// See Proto::encode.
  Status encode(Message& msg, std::string& out) const override;
  /// See Proto::decode.
  DecodeResult decode(std::string_view bytes, Message& out) const override;
  /// See Proto::decode_within.
  DecodeResult decode_within(std::string_view bytes, Message& out,
                             std::size_t unpack_limit) const override;
  /// See Proto::probe.
  [[nodiscard]] Probe probe(std::string_view first) const override;

 private:
  RawProtoOptions options_;
};

}  // namespace tp
