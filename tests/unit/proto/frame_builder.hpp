// Hand-built raw frames for tests: write fields one by one, then the length.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tp::test {

class FrameBuilder {
 public:
  FrameBuilder& u8(std::uint8_t v) {
    payload_ += static_cast<char>(v);
    return *this;
  }
  FrameBuilder& u16(std::uint16_t v) { return u8(v >> 8).u8(v & 0xff); }
  FrameBuilder& bytes(std::string_view s) {
    payload_ += s;
    return *this;
  }
  FrameBuilder& short_field(std::string_view s) {
    return u8(static_cast<std::uint8_t>(s.size())).bytes(s);
  }
  FrameBuilder& long_field(std::string_view s) {
    return u16(static_cast<std::uint16_t>(s.size())).bytes(s);
  }
  /// The frame: 4-byte length (counting itself) + what was written.
  std::string frame() const { return with_length(static_cast<std::uint32_t>(payload_.size() + 4)); }
  /// The frame with a forged length field.
  std::string with_length(std::uint32_t len) const {
    std::string out{static_cast<char>(len >> 24), static_cast<char>(len >> 16),
                    static_cast<char>(len >> 8), static_cast<char>(len)};
    return out + payload_;
  }

 private:
  std::string payload_;
};

/// A well-formed v7 call: no filters, seq "1", /a, code=0, no meta, json body "1".
inline FrameBuilder good_call() {
  FrameBuilder b;
  b.u8(0)
      .short_field("1")
      .u8(1)
      .short_field("/a")
      .long_field("code=0")
      .long_field("")
      .u8('j')
      .bytes("1");
  return b;
}

}  // namespace tp::test
