// HttpProto ('h'): a call is an HTTP/1.1 request and its reply the response, so that curl can
// call a service: `curl -X POST http://ADDR/math/add -H 'Content-Type: application/json' -d
// '[1,2,3]'`.
#pragma once

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// HTTP/1.1 through Boost.Beast's parser and serializer. Requests: method POST, target = service
/// method (query included), meta as headers, body codec from Content-Type (json, plain text,
/// form, protobuf). Responses: the eRPC status as the HTTP status where one exists (404, 405,
/// 408, 500, ...; an application code becomes 500 with `X-Teleport-Status`), the error as a JSON
/// body. Our peers add `X-Teleport-Seq` (and `X-Teleport-Mtype: push`) to pair replies; without
/// them a request is a CALL with seq 0 and replies follow request order, as HTTP/1.1 does.
class HttpProto final : public Proto {
 public:
  /// HTTP with the default size limit.
  HttpProto() : HttpProto(RawProtoOptions{}) {}
  /// HTTP with the given options (the size limit bounds headers plus body).
  explicit HttpProto(RawProtoOptions options);
  /// 'h'.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'h'; }
  /// "http".
  [[nodiscard]] std::string_view name() const noexcept override { return "http"; }
  /// See Proto::encode. Transfer filters are not supported over HTTP (104).
  Status encode(Message& msg, std::string& out) const override;
  /// See Proto::decode.
  DecodeResult decode(std::string_view bytes, Message& out) const override;
  /// See Proto::probe.
  [[nodiscard]] Probe probe(std::string_view first) const override;

 private:
  RawProtoOptions options_;
};

}  // namespace tp
