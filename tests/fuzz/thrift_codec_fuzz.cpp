// Fuzzes the thrift codec's decoder on a generated struct: a read either fails with 400 or the
// value re-encodes and decodes to itself.
#include <cstdint>
#include <cstdlib>

#include "demo_types.h"
#include "teleport/codec/thrift.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tp_demo::Point p;
  tp::Status st = tp::thrift::unmarshal(bytes, p);
  if (!st.ok()) {
    if (st.code() != tp::code::kBadMessage) std::abort();
    return 0;
  }
  std::string again;
  if (!tp::thrift::marshal(p, again).ok()) std::abort();
  tp_demo::Point back;
  if (!tp::thrift::unmarshal(again, back).ok() || !(back == p)) std::abort();
  return 0;
}
