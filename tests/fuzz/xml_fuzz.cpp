// Fuzzes the xml codec's decoder: a parse either fails with 400 or the value re-encodes and
// decodes to itself.
#include <boost/describe.hpp>
#include <cstdint>
#include <cstdlib>

#include "teleport/codec/xml.hpp"

namespace fuzz {
struct Point {
  int X = 0;
  std::string Label;
  std::vector<double> Values;
  std::optional<bool> Flag;
  friend bool operator==(const Point&, const Point&) = default;
};
BOOST_DESCRIBE_STRUCT(Point, (), (X, Label, Values, Flag))
}  // namespace fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::Point p;
  tp::Status st = tp::xml::unmarshal(text, p);
  if (!st.ok()) {
    if (st.code() != tp::code::kBadMessage) std::abort();
    return 0;
  }
  std::string again;
  (void)tp::xml::marshal(p, again);
  fuzz::Point back;
  // NaN never equals itself; everything else must survive the round trip.
  bool has_nan = false;
  for (double v : p.Values) has_nan |= v != v;
  if (!tp::xml::unmarshal(again, back).ok() || (!has_nan && !(back == p))) std::abort();
  return 0;
}
