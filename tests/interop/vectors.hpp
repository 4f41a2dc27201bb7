// Loads the Go-captured vectors kept in tests/interop/vectors/ (JSON Lines: name, hex, fields).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace tp::test {

/// One captured frame.
struct Vector {
  std::string name;
  std::string hex;             // the complete frame
  boost::json::object fields;  // decoded fields as the capture tool wrote them
};

/// The folder holding the vector files (TELEPORT_INTEROP_DIR in the environment overrides it).
std::string interop_dir();
/// Every vector of `file` (e.g. "rawproto-vectors.jsonl"); throws if it is missing or empty.
std::vector<Vector> load_vectors(const std::string& file);
/// Hex text to bytes.
std::string from_hex(std::string_view hex);
/// Bytes to lowercase hex text.
std::string to_hex(std::string_view bytes);

}  // namespace tp::test
