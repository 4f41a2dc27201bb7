#include "interop/vectors.hpp"

#include <cstdlib>
#include <fstream>
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
