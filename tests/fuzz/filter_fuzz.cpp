// Fuzzes one stock filter's unpack (chosen at build time): bounded output, 400 on bad input,
// and pack/unpack round-trips of the same bytes.
#include <cstdint>
#include <cstdlib>

#include "teleport/xfer/filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tp::XferFilter* filter =
      tp::XferRegistry::global()->find(std::string_view(TELEPORT_FUZZ_FILTER));
  constexpr std::size_t kLimit = 1 << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  const tp::Status st = filter->unpack(in, out, kLimit);
  if (!st.ok() && st.code() != tp::code::kBadMessage) std::abort();
  if (out.size() > kLimit) std::abort();

  std::string packed;
  std::string back;
  if (!filter->pack(in, packed).ok() || !filter->unpack(packed, back, kLimit).ok() || back != in)
    std::abort();
  return 0;
}
