#include "support/base64.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace tp::detail {

std::string base64_encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  // EVP_DecodeBlock skips leading and trailing blanks, which standard base64 does not allow.
  const auto is_alphabet = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
  };
  if (!std::ranges::all_of(in, is_alphabet)) return std::nullopt;
  // Padding only at the end, at most two.
  const std::size_t first_pad = in.find('=');
  if (first_pad != std::string_view::npos &&
      (in.size() - first_pad > 2 || in.find_first_not_of('=', first_pad) != std::string_view::npos))
    return std::nullopt;
  std::string out(3 * (in.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  const std::size_t padding = first_pad == std::string_view::npos ? 0 : in.size() - first_pad;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace tp::detail
