// Fuzzes the status and meta query decoders: a parse either fails with 400 or round-trips.
#include <cstdint>
#include <cstdlib>

#include "teleport/meta.hpp"
#include "teleport/status.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tp::Meta meta;
  tp::Status st = tp::Meta::decode(text, meta);
  if (st.ok()) {
    tp::Meta back;
    if (!tp::Meta::decode(meta.encode(), back).ok() || !(back == meta)) std::abort();
  } else if (st.code() != tp::code::kBadMessage) {
    std::abort();
  }
  tp::Status status;
  st = tp::Status::parse_query(text, status);
  if (st.ok()) {
    tp::Status back;
    if (!tp::Status::parse_query(status.to_query(), back).ok() || !(back == status)) std::abort();
  } else if (st.code() != tp::code::kBadMessage) {
    std::abort();
  }
  return 0;
}
