// Fuzzes the decoder of values found under a service's etcd prefix (anyone may write there):
// a value either fails with 400 or decodes into a backend that encodes and decodes back equal.
#include <cstdint>
#include <cstdlib>

#include "teleport/etcd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto backend = tp::etcd::decode_backend(text);
  if (!backend.ok()) {
    if (backend.status.code() != tp::code::kBadMessage) std::abort();
    return 0;
  }
  auto encoded = tp::etcd::encode_backend(backend.value);
  if (!encoded.ok()) std::abort();
  auto back = tp::etcd::decode_backend(encoded.value);
  if (!back.ok() || !(back.value == backend.value)) std::abort();
  // Targets come from users and configuration files: the parser must hold up too.
  (void)tp::etcd::parse_target(text);
  return 0;
}
