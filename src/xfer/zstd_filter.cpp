#include <zstd.h>

#include <memory>
#include <string>

#include "teleport/xfer/filters.hpp"

namespace tp {
namespace {

constexpr std::size_t kChunk = 16 * 1024;

class ZstdFilter final : public XferFilter {
 public:
  ZstdFilter(std::uint8_t id, int level) : id_(id), level_(level) {}

  std::uint8_t id() const noexcept override { return id_; }
  std::string_view name() const noexcept override { return "zstd"; }

  Status pack(std::string_view in, std::string& out) const override {
    out.resize(ZSTD_compressBound(in.size()));
    const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level_);
    if (ZSTD_isError(n)) return Status::bad_message(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return {};
  }

  // Streams the output in chunks so a forged content size cannot make us allocate beyond max_size.
  Status unpack(std::string_view in, std::string& out, std::size_t max_size) const override {
    out.clear();
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    std::size_t rc = 1;
    while (rc != 0) {
      if (out.size() >= max_size) return Status::bad_message("output exceeds the size limit");
      const std::size_t at = out.size();
      const std::size_t grow = std::min(kChunk, max_size - at);
      out.resize(at + grow);
      ZSTD_outBuffer output{out.data() + at, grow, 0};
      rc = ZSTD_decompressStream(ctx.get(), &output, &input);
      out.resize(at + output.pos);
      if (ZSTD_isError(rc))
        return Status::bad_message(std::string("corrupt zstd frame: ") + ZSTD_getErrorName(rc));
      if (rc != 0 && input.pos == input.size && output.pos < grow)
        return Status::bad_message("truncated zstd frame");
    }
    if (input.pos != input.size) return Status::bad_message("trailing bytes after the zstd frame");
    return {};
  }

 private:
  std::uint8_t id_;
  int level_;
};

}  // namespace

std::shared_ptr<const XferFilter> make_zstd_filter(std::uint8_t id, int level) {
  return std::make_shared<ZstdFilter>(id, level);
}

}  // namespace tp
