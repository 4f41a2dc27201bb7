#include "teleport/plugin/auth.hpp"

#include <future>

#include "teleport/codec/marshal.hpp"

namespace tp::plugin {

AuthBearer::AuthBearer(std::string token, std::uint8_t codec, std::chrono::milliseconds timeout)
    : codec_(codec), timeout_(timeout) {
  if (Status st = marshal(codec_, token, body_); !st.ok()) body_ = token;
}

Status AuthBearer::post_dial(Session& session, bool redialed) {
  if (redialed) {
    // On the I/O thread: no waiting. A refusal closes the session when the AUTH_REPLY arrives.
    session.auth_call_raw(codec_, body_, [&session](Message& reply) {
      if (!reply.status.ok()) session.close();
    });
    return {};
  }
  auto answer = std::make_shared<std::promise<Status>>();
  auto result = answer->get_future();
  session.auth_call_raw(codec_, body_,
                        [answer](Message& reply) { answer->set_value(reply.status); });
  if (result.wait_for(timeout_) != std::future_status::ready) {
    return Status::from_code(code::kUnauthorized, "no AUTH_REPLY within the timeout");
  }
  return result.get();
}

Status AuthChecker::post_accept(Session& session) {
  session.require_auth([check = check_](Session& s, const Message& call, Message& reply) -> Status {
    std::string token;
    if (Status st = unmarshal(call.body_codec, call.body, token); !st.ok()) {
      return Status::from_code(code::kUnauthorized, st.cause());
    }
    Result<std::string> verdict = check(s, token);
    if (!verdict.status.ok()) return verdict.status;
    return marshal(reply.body_codec, verdict.value, reply.body);
  });
  return {};
}

}  // namespace tp::plugin
