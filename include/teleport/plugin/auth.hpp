// The auth plugin, interoperable with eRPC's plugin/auth: the dialing side sends its token as
// the session's first message (AUTH_CALL); the accepting side checks it and answers AUTH_REPLY.
// A refusal is an AUTH_REPLY with 401 and the session closes; the dialer's dial fails with 105.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "teleport/plugin.hpp"
#include "teleport/router.hpp"
#include "teleport/session.hpp"

namespace tp::plugin {

/// Dialing side: sends `token` (in `codec`, JSON by default) as a session's first message; the
/// dial returns with the AUTH_REPLY's verdict, and without one within `timeout` the session closes.
class AuthBearer final : public Plugin {
 public:
  /// Sends `token` marshaled with `codec`.
  explicit AuthBearer(std::string token, std::uint8_t codec = codec_id::kJson,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::string_view name() const override { return "auth-bearer"; }
  /// Sends the AUTH_CALL and takes the AUTH_REPLY as the session's first message (after a redial
  /// too: calls re-sent then follow the AUTH_CALL).
  Status post_dial(Session& session, bool redialed) override;

 private:
  std::string body_;
  std::uint8_t codec_;
  std::chrono::milliseconds timeout_;
};

/// Accepting side: `check(session, token)` returns the text to send back, or a refusal status.
class AuthChecker final : public Plugin {
 public:
  /// The check function: the token decoded from the AUTH_CALL body with its codec.
  using Check = std::function<Result<std::string>(Session&, const std::string& token)>;
  /// A checker that accepts a session when `check` returns OK (its value is the auth reply).
  explicit AuthChecker(Check check) : check_(std::move(check)) {}
  std::string_view name() const override { return "auth-checker"; }
  /// Routes the session's first message to the check.
  Status post_accept(Session& session) override;

 private:
  static Status verify(const Check& check, Session& s, const Message& call, Message& reply);

  Check check_;
};

}  // namespace tp::plugin
