// JSONProto ('j'): eRPC's JSON frame — `{"seq":1,"mtype":1,"serviceMethod":...,"body":"..."}`.
#pragma once

#include "teleport/proto/framed_proto.hpp"

namespace tp {

/// eRPC's JSON protocol (v7, or v5 without the status member). Only text bodies survive it:
/// the body is written raw inside a JSON string with just `"` escaped, as Go writes it.
class JsonProto final : public FramedProto {
 public:
  /// A v7 JSON protocol with the default limit and filters.
  JsonProto() : JsonProto(RawProtoOptions{}) {}
  /// A JSON protocol with the given options (version, size limit, filters).
  explicit JsonProto(RawProtoOptions options);
  /// 'j'.
  [[nodiscard]] std::uint8_t id() const noexcept override { return 'j'; }
  /// "json" or "json-v5".
  [[nodiscard]] std::string_view name() const noexcept override;

 private:
  Status write_payload(const Message& msg, std::string& payload) const override;
  Status read_payload(std::string_view payload, Message& out) const override;
  bool first_payload_byte(unsigned char b) const override;
};

}  // namespace tp
