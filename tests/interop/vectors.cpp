#include "interop/vectors.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tp::test {

std::string interop_dir() {
  const char* env = std::getenv("TELEPORT_INTEROP_DIR");
  return env ? env : TELEPORT_INTEROP_DIR;
}

std::vector<Vector> load_vectors(const std::string& file) {
  std::vector<Vector> out;
  const std::string path = interop_dir() + "/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto obj = boost::json::parse(line).as_object();
    out.push_back({std::string(obj.at("name").as_string()), std::string(obj.at("hex").as_string()),
                   obj.at("fields").as_object()});
  }
  if (out.empty()) throw std::runtime_error(path + " holds no vectors");
  return out;
}

std::vector<CapturedFrame> load_geminio_capture(const std::string& file) {
  // A frame: "#N DIR t=+S TYPE TOTAL bytes", notes, then hex lines "    000010  01 02 ...  |..|".
  std::vector<CapturedFrame> out;
  const std::string path = interop_dir() + "/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > 1 && line[0] == '#' && std::isdigit(static_cast<unsigned char>(line[1]))) {
      std::istringstream words(line.substr(1));
      CapturedFrame f;
      std::string time;
      words >> f.number >> f.direction >> time >> f.type >> f.total;
      out.push_back(std::move(f));
    } else if (!out.empty() && line.size() > 14 && line.starts_with("    ") &&
               std::isxdigit(static_cast<unsigned char>(line[4]))) {
      const std::size_t bar = line.find('|');
      std::istringstream bytes(
          line.substr(12, bar == std::string::npos ? std::string::npos : bar - 12));
      for (std::string byte; bytes >> byte;) out.back().bytes += from_hex(byte);
    }
  }
  if (out.empty()) throw std::runtime_error(path + " holds no frames");
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace tp::test
