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

/// One frame of geminio-capture.txt (Go geminio's annotated session).
struct CapturedFrame {
  int number = 0;         // "#N"
  std::string direction;  // "C->S" or "S->C"
  std::string type;       // Go's name: "CONN", "SESSION_ACK"…
  std::size_t total = 0;  // the frame's size as captured
  std::string bytes;      // the hex dump's bytes (fewer than total when the dump was cut)
};

/// The folder holding the vector files (TELEPORT_INTEROP_DIR in the environment overrides it).
std::string interop_dir();
/// Every vector of `file` (e.g. "rawproto-vectors.jsonl"); throws if it is missing or empty.
std::vector<Vector> load_vectors(const std::string& file);
/// Every frame of a geminio capture file (e.g. "geminio-capture.txt"); throws if none.
std::vector<CapturedFrame> load_geminio_capture(const std::string& file);
/// Hex text to bytes.
std::string from_hex(std::string_view hex);
/// Bytes to lowercase hex text.
std::string to_hex(std::string_view bytes);

}  // namespace tp::test
