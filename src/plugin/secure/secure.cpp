#include "teleport/plugin/secure.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <boost/json.hpp>
#include <stdexcept>

#include "support/base64.hpp"
#include "teleport/call_options.hpp"
#include "teleport/context.hpp"

namespace tp::plugin {
namespace {

constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

bool is_true(const Meta& meta, std::string_view key) {
  auto v = meta.get(key);
  return v && *v == "true";
}

Status refused(std::string_view why) {
  return Status::bad_message(std::string("secure: ") + std::string(why));
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// nonce | ciphertext | tag
std::optional<std::string> gcm_seal(const std::string& key, std::string_view plain) {
  std::string out(kNonceSize + plain.size() + kTagSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(bytes, kNonceSize) != 1) return std::nullopt;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  int tail = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()), bytes) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes + kNonceSize, &len,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes + kNonceSize + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          bytes + kNonceSize + plain.size()) != 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> gcm_open(const std::string& key, std::string_view sealed) {
  if (sealed.size() < kNonceSize + kTagSize) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  const std::size_t n = sealed.size() - kNonceSize - kTagSize;
  std::string plain(n, '\0');
  std::array<unsigned char, kTagSize> tag{};
  std::copy_n(bytes + kNonceSize + n, kTagSize, tag.begin());
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  int tail = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()), bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        bytes + kNonceSize, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &tail) !=
          1) {
    return std::nullopt;  // the tag does not match: altered bytes or another key
  }
  return plain;
}

// The route plugin of Secure::required(): runs after the peer's Secure has opened the body.
class SecureRequired final : public Plugin {
 public:
  std::string_view name() const override { return "secure-required"; }
  Status pre_read_call_body(Ctx& ctx) override { return check(ctx); }
  Status pre_read_push_body(Ctx& ctx) override { return check(ctx); }

 private:
  static Status check(Ctx& ctx) {
    if (is_true(ctx.meta(), kSecureKey)) return {};
    return refused("this route accepts encrypted bodies only");
  }
};

}  // namespace

Secure::Secure(std::string_view key, SecureMode mode) : key_(key), mode_(mode) {
  if (key_.size() != kKeySize) throw std::invalid_argument("secure: the key must be 32 bytes");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned len = 0;
  EVP_Digest(key_.data(), key_.size(), digest.data(), &len, EVP_md5(), nullptr);
  key_version_ = to_hex(digest.data(), len);
}

Secure::~Secure() = default;

CallOptions Secure::secure_call(CallOptions opts) {
  opts.meta.set(kSecureKey, "true");
  return opts;
}

void Secure::encrypt_reply(Ctx& ctx) { ctx.reply_meta().set(kSecureKey, "true"); }

PluginPtr Secure::required() { return std::make_shared<SecureRequired>(); }

Status Secure::seal(Message& msg) const {
  auto sealed = gcm_seal(key_, msg.body);
  if (!sealed) return Status::from_code(code::kInternalServerError, "secure: encryption failed");
  boost::json::object envelope;
  envelope["cipherversion"] = key_version_;
  envelope["codec"] = msg.body_codec;
  envelope["ciphertext"] = detail::base64_encode(*sealed);
  msg.body = boost::json::serialize(envelope);
  msg.body_codec = codec_id::kJson;
  msg.meta.set(kSecureKey, "true");
  return {};
}

Status Secure::open(Message& msg) const {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(msg.body, ec);
  const auto* envelope = ec ? nullptr : v.if_object();
  const auto* version = envelope ? envelope->if_contains("cipherversion") : nullptr;
  const auto* codec = envelope ? envelope->if_contains("codec") : nullptr;
  const auto* text = envelope ? envelope->if_contains("ciphertext") : nullptr;
  if (!version || !version->is_string() || !codec || !codec->is_int64() || !text ||
      !text->is_string() || codec->as_int64() < 0 || codec->as_int64() > 255) {
    return refused("the body is not an encrypted envelope");
  }
  if (version->as_string() != key_version_) return refused("encrypted with another key");
  auto sealed = detail::base64_decode(text->as_string());
  if (!sealed) return refused("the ciphertext is not base64");
  auto plain = gcm_open(key_, *sealed);
  if (!plain) return refused("the ciphertext does not authenticate");
  msg.body = std::move(*plain);
  msg.body_codec = static_cast<std::uint8_t>(codec->as_int64());
  return {};
}

Status Secure::seal_if_marked(Message& msg) const {
  if (mode_ == SecureMode::kAlways || is_true(msg.meta, kSecureKey)) return seal(msg);
  return {};
}

Status Secure::pre_write_call(Session&, Message& call) {
  if (mode_ == SecureMode::kAlways || is_true(call.meta, kSecureKey)) {
    call.meta.set(kAcceptSecureKey, "true");  // a secure call gets a secure reply
  }
  return seal_if_marked(call);
}

Status Secure::pre_write_push(Session&, Message& push) { return seal_if_marked(push); }

Status Secure::pre_write_reply(Session&, Message& reply) {
  return is_true(reply.meta, kSecureKey) ? seal(reply) : Status();
}

Status Secure::pre_read_call_body(Ctx& ctx) {
  if (is_true(ctx.meta(), kAcceptSecureKey)) encrypt_reply(ctx);
  if (!is_true(ctx.meta(), kSecureKey)) return {};
  return open(ctx.mutable_input());
}

Status Secure::pre_read_push_body(Ctx& ctx) {
  return is_true(ctx.meta(), kSecureKey) ? open(ctx.mutable_input()) : Status();
}

Status Secure::pre_read_reply_body(Session&, Message& reply) {
  return is_true(reply.meta, kSecureKey) ? open(reply) : Status();
}

}  // namespace tp::plugin
