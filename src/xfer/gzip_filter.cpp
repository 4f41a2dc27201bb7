#include <zlib.h>

#include <algorithm>
#include <array>
#include <string>

#include "teleport/xfer/filters.hpp"

namespace tp {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip wrapper
constexpr std::size_t kChunk = 16 * 1024;

// zlib's stream state is ~256 KiB that deflateInit2 allocates and clears: each thread keeps one
// deflate stream per level and one inflate stream, and resets them between messages.
struct DeflateStream {
  z_stream zs{};
  bool ready = false;
  ~DeflateStream() {
    if (ready) deflateEnd(&zs);
  }
};

struct InflateStream {
  z_stream zs{};
  bool ready = false;
  ~InflateStream() {
    if (ready) inflateEnd(&zs);
  }
};

z_stream* thread_deflater(int level) {
  thread_local std::array<DeflateStream, 10> streams;
  DeflateStream& s = streams[static_cast<std::size_t>(std::clamp(level, 0, 9))];
  if (!s.ready) {
    if (deflateInit2(&s.zs, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return nullptr;
    s.ready = true;
  } else if (deflateReset(&s.zs) != Z_OK) {
    return nullptr;
  }
  return &s.zs;
}

z_stream* thread_inflater() {
  thread_local InflateStream s;
  if (!s.ready) {
    if (inflateInit2(&s.zs, kGzipWindowBits) != Z_OK) return nullptr;
    s.ready = true;
  } else if (inflateReset(&s.zs) != Z_OK) {
    return nullptr;
  }
  return &s.zs;
}

class GzipFilter final : public XferFilter {
 public:
  GzipFilter(std::uint8_t id, int level, GzipFlavor flavor)
      : id_(id), level_(level), flavor_(flavor) {}

  std::uint8_t id() const noexcept override { return id_; }
  std::string_view name() const noexcept override { return "gzip"; }

  Status pack(std::string_view in, std::string& out) const override {
    z_stream* stream = thread_deflater(level_);
    if (!stream) return Status::bad_message("gzip: deflateInit2 failed");
    z_stream& zs = *stream;
    out.resize(deflateBound(&zs, in.size()) + 16);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    // v7 readers need the whole member (trailer included); v5 writers only sync-flushed.
    const int flush = flavor_ == GzipFlavor::kComplete ? Z_FINISH : Z_SYNC_FLUSH;
    const int rc = deflate(&zs, flush);
    const bool done = flush == Z_FINISH ? rc == Z_STREAM_END : rc == Z_OK;
    out.resize(zs.total_out);
    return done ? Status() : Status::bad_message("gzip: deflate failed");
  }

  Status unpack(std::string_view in, std::string& out, std::size_t max_size) const override {
    out.clear();
    z_stream* stream = thread_inflater();
    if (!stream) return Status::bad_message("inflateInit2 failed");
    z_stream& zs = *stream;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
      if (out.size() >= max_size) {
        return Status::bad_message("output exceeds the size limit of " + std::to_string(max_size));
      }
      const std::size_t at = out.size();
      const std::size_t grow = std::min(kChunk, max_size - at);
      out.resize(at + grow);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + at);
      zs.avail_out = static_cast<uInt>(grow);
      rc = inflate(&zs, Z_NO_FLUSH);
      out.resize(at + grow - zs.avail_out);
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ran out before the end
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in != 0) return Status::bad_message("trailing bytes after the gzip member");
      return {};
    }
    if (rc == Z_BUF_ERROR && flavor_ == GzipFlavor::kV5Flush)
      return {};  // v5 never finishes a member
    if (rc == Z_BUF_ERROR) return Status::bad_message("truncated gzip stream");
    return Status::bad_message(std::string("corrupt gzip stream: ") +
                               (zs.msg ? zs.msg : zError(rc)));
  }

 private:
  std::uint8_t id_;
  int level_;
  GzipFlavor flavor_;
};

}  // namespace

std::shared_ptr<const XferFilter> make_gzip_filter(std::uint8_t id, int level, GzipFlavor flavor) {
  return std::make_shared<GzipFilter>(id, level, flavor);
}

}  // namespace tp
