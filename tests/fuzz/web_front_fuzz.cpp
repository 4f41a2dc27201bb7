// Fuzzes the web front's judgement of a connection's first bytes and its file lookup: any bytes
// are judged without a crash, a file found is a regular file under the root, and judging a prefix
// never claims more than the whole (kNeedMore or the same answer).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "socket/web_front.hpp"

namespace {

const std::filesystem::path& web_root() {
  static const std::filesystem::path root = [] {
    auto dir = std::filesystem::temp_directory_path() / "teleport-fuzz-web-root";
    std::filesystem::create_directories(dir / "js");
    std::ofstream(dir / "index.html") << "page";
    std::ofstream(dir / "js" / "app.js") << "js";
    return std::filesystem::canonical(dir);
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tp::detail::WebRequest;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string root = web_root().string();
  const WebRequest whole = tp::detail::classify_web_request(bytes, "/ws", root);
  const WebRequest half = tp::detail::classify_web_request(bytes.substr(0, size / 2), "/ws", root);
  if (half != WebRequest::kNeedMore && half != whole && whole != WebRequest::kNotOurs) std::abort();
  if (auto file = tp::detail::find_web_file(root, bytes)) {
    const auto [r, f] =
        std::mismatch(web_root().begin(), web_root().end(), file->begin(), file->end());
    if (r != web_root().end() || !std::filesystem::is_regular_file(*file)) std::abort();
  }
  return 0;
}
