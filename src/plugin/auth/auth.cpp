#include "teleport/plugin/auth.hpp"

#include "teleport/codec/marshal.hpp"

namespace tp::plugin {

AuthBearer::AuthBearer(std::string token, std::uint8_t codec, std::chrono::milliseconds timeout)
    : codec_(codec), timeout_(timeout) {
  if (Status st = marshal(codec_, token, body_); !st.ok()) body_ = token;
}

Status AuthBearer::post_dial(Session& session, bool /*redialed*/) {
  // The AUTH_REPLY is the session's first message; a dial returns with its verdict, a redial
  // holds its calls until it has come.
  session.expect_first_message(
      [](Session&, Message& reply, std::optional<Message>&) -> Status {
        if (reply.type != MsgType::kAuthReply) {
          return Status::from_code(code::kUnauthorized,
                                   "auth message(1st) expect: AUTH_REPLY, but received: " +
                                       std::string(msg_type_name(reply.type)));
        }
        return reply.status;
      },
      timeout_);
  Message auth;
  auth.type = MsgType::kAuthCall;
  auth.body_codec = codec_;
  auth.body = body_;
  return session.send_raw(std::move(auth));
}

Status AuthChecker::post_accept(Session& session) {
  session.expect_first_message(
      [check = check_](Session& s, Message& call, std::optional<Message>& answer) -> Status {
        // eRPC's checker: an AUTH_REPLY with the replier's own seq, in the call's codec.
        Message& reply = answer.emplace();
        reply.type = MsgType::kAuthReply;
        reply.body_codec =
            call.body_codec != codec_id::kNone ? call.body_codec : s.default_body_codec();
        Status st;
        if (call.type != MsgType::kAuthCall) {
          st = Status::from_code(code::kUnauthorized,
                                 "auth message(1st) expect: AUTH_CALL, but received: " +
                                     std::string(msg_type_name(call.type)));
        } else {
          st = verify(check, s, call, reply);
        }
        if (!st.ok()) {
          reply.status = st;
          reply.body.clear();
        }
        return st;
      });
  return {};
}

Status AuthChecker::verify(const Check& check, Session& s, const Message& call, Message& reply) {
  std::string token;
  if (Status st = unmarshal(call.body_codec, call.body, token); !st.ok()) {
    return Status::from_code(code::kUnauthorized, st.cause());
  }
  Result<std::string> verdict;
  try {
    verdict = check(s, token);
  } catch (const std::exception& e) {
    return Status::from_code(code::kUnauthorized, e.what());
  }
  if (!verdict.status.ok()) return verdict.status;
  return marshal(reply.body_codec, verdict.value, reply.body);
}

}  // namespace tp::plugin
