// ByteReader: bounds-checked big-endian reads from a byte span; every read can fail, none
// over-reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tp::detail {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : rest_(bytes) {}

  std::optional<std::uint8_t> u8() {
    if (rest_.empty()) return std::nullopt;
    const auto v = static_cast<std::uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return v;
  }
  std::optional<std::uint16_t> u16() {
    if (rest_.size() < 2) return std::nullopt;
    const auto v = static_cast<std::uint16_t>((byte(0) << 8) | byte(1));
    rest_.remove_prefix(2);
    return v;
  }
  std::optional<std::string_view> bytes(std::size_t n) {
    if (rest_.size() < n) return std::nullopt;
    auto v = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return v;
  }
  std::string_view rest() const { return rest_; }

 private:
  unsigned byte(std::size_t i) const { return static_cast<std::uint8_t>(rest_[i]); }
  std::string_view rest_;
};

inline std::uint32_t load_be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) |
         u[3];
}

inline void store_be32(char* p, std::uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

inline void append_be16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

}  // namespace tp::detail
