#include <lz4frame.h>

#include <memory>
#include <string>

#include "teleport/xfer/filters.hpp"

namespace tp {
namespace {

constexpr std::size_t kChunk = 16 * 1024;

class Lz4Filter final : public XferFilter {
 public:
  explicit Lz4Filter(std::uint8_t id) : id_(id) {}

  std::uint8_t id() const noexcept override { return id_; }
  std::string_view name() const noexcept override { return "lz4"; }

  Status pack(std::string_view in, std::string& out) const override {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.contentSize = in.size();
    out.resize(LZ4F_compressFrameBound(in.size(), &prefs));
    const std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
    if (LZ4F_isError(n)) return Status::bad_message(std::string("lz4: ") + LZ4F_getErrorName(n));
    out.resize(n);
    return {};
  }

  // Streams the output in chunks so a forged content size cannot make us allocate beyond max_size.
  Status unpack(std::string_view in, std::string& out, std::size_t max_size) const override {
    out.clear();
    LZ4F_dctx* raw = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
      return Status::bad_message("lz4: cannot create a context");
    }
    std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(
        raw, LZ4F_freeDecompressionContext);
    std::size_t pos = 0;
    std::size_t hint = 1;
    while (hint != 0) {
      if (pos == in.size()) return Status::bad_message("truncated lz4 frame");
      if (out.size() >= max_size) return Status::bad_message("output exceeds the size limit");
      const std::size_t at = out.size();
      std::size_t grow = std::min(kChunk, max_size - at);
      out.resize(at + grow);
      std::size_t src_size = in.size() - pos;
      hint =
          LZ4F_decompress(ctx.get(), out.data() + at, &grow, in.data() + pos, &src_size, nullptr);
      out.resize(at + grow);
      pos += src_size;
      if (src_size == 0 && grow == 0 && hint != 0)
        return Status::bad_message("lz4 frame makes no progress");
      if (LZ4F_isError(hint))
        return Status::bad_message(std::string("corrupt lz4 frame: ") + LZ4F_getErrorName(hint));
    }
    if (pos != in.size()) return Status::bad_message("trailing bytes after the lz4 frame");
    return {};
  }

 private:
  std::uint8_t id_;
};

}  // namespace

std::shared_ptr<const XferFilter> make_lz4_filter(std::uint8_t id) {
  return std::make_shared<Lz4Filter>(id);
}

}  // namespace tp
