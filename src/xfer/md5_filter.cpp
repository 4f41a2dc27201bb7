#include <openssl/evp.h>

#include <array>
#include <string>

#include "teleport/xfer/filters.hpp"

namespace tp {
namespace {

constexpr std::size_t kDigestSize = 16;

std::array<unsigned char, kDigestSize> md5_of(std::string_view data) {
  std::array<unsigned char, kDigestSize> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_md5(), nullptr);
  return digest;
}

class Md5Filter final : public XferFilter {
 public:
  explicit Md5Filter(std::uint8_t id) : id_(id) {}

  std::uint8_t id() const noexcept override { return id_; }
  std::string_view name() const noexcept override { return "md5"; }

  Status pack(std::string_view in, std::string& out) const override {
    const auto digest = md5_of(in);
    out.assign(in);
    out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    return {};
  }

  Status unpack(std::string_view in, std::string& out, std::size_t max_size) const override {
    if (in.size() < kDigestSize) return Status::bad_message("payload shorter than its md5 digest");
    const auto data = in.substr(0, in.size() - kDigestSize);
    if (data.size() > max_size) return Status::bad_message("output exceeds the size limit");
    const auto digest = md5_of(data);
    if (in.substr(data.size()) !=
        std::string_view(reinterpret_cast<const char*>(digest.data()), kDigestSize)) {
      return Status::bad_message("md5 checksum mismatch");
    }
    out.assign(data);
    return {};
  }

 private:
  std::uint8_t id_;
};

}  // namespace

std::shared_ptr<const XferFilter> make_md5_filter(std::uint8_t id) {
  return std::make_shared<Md5Filter>(id);
}

}  // namespace tp
