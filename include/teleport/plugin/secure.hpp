// The secure plugin (the role of eRPC's plugin/secure, with AES-256-GCM from OpenSSL): encrypts
// message bodies, per call or for every message, and refuses plain bodies on routes that need
// encryption. Both peers install it with the same 32-byte key.
#pragma once

#include <memory>
#include <string>

#include "teleport/plugin.hpp"

namespace tp {
class Ctx;
struct CallOptions;
}  // namespace tp

namespace tp::plugin {

/// Meta key: "true" when the message's body is encrypted (eRPC's SECURE_META_KEY).
inline constexpr std::string_view kSecureKey = "X-Secure";
/// Meta key: "true" asks the replier to encrypt the reply (eRPC's ACCEPT_SECURE_META_KEY).
inline constexpr std::string_view kAcceptSecureKey = "X-Accept-Secure";

/// Whether calls and pushes are encrypted by default.
enum class SecureMode {
  kPerCall,  ///< only those sent with secure_call() (or meta X-Secure: true)
  kAlways,   ///< every call and push this peer sends
};

/// Encrypts and decrypts bodies with AES-256-GCM. One instance per peer.
class Secure final : public Plugin {
 public:
  /// `key` must be 32 bytes (std::invalid_argument otherwise).
  explicit Secure(std::string_view key, SecureMode mode = SecureMode::kPerCall);
  ~Secure() override;
  std::string_view name() const override { return "secure"; }

  /// Options that make one call (or push) encrypted, its reply too.
  static CallOptions secure_call(CallOptions opts);
  /// In a handler: encrypt this call's reply even though the call was plain.
  static void encrypt_reply(Ctx& ctx);
  /// A route plugin refusing calls and pushes whose body is not encrypted (400).
  static PluginPtr required();

  /// Encrypts the body of a call marked secure (or every call in kAlways mode).
  Status pre_write_call(Session&, Message& call) override;
  /// Encrypts the body of a push marked secure (or every push in kAlways mode).
  Status pre_write_push(Session&, Message& push) override;
  /// Encrypts the reply of a secure call, or of a call that asked for it.
  Status pre_write_reply(Session&, Message& reply) override;
  /// Decrypts a secure call's body before it is bound (400 if it cannot).
  Status pre_read_call_body(Ctx& ctx) override;
  /// Decrypts a secure push's body before it is bound.
  Status pre_read_push_body(Ctx& ctx) override;
  /// Decrypts a secure reply's body before the caller sees it.
  Status pre_read_reply_body(Session&, Message& reply) override;

  /// Replaces `msg`'s body by its sealed envelope and marks it secure.
  [[nodiscard]] Status seal(Message& msg) const;
  /// Restores the body of a sealed message (400 Bad Message if it was altered or the key differs).
  [[nodiscard]] Status open(Message& msg) const;

 private:
  Status seal_if_marked(Message& msg) const;
  std::string key_;
  std::string key_version_;  // md5 of the key, hex (eRPC's cipherversion): names a wrong key
  SecureMode mode_;
};

}  // namespace tp::plugin
