// The auth plugin against Go's captured bytes (connections B, C and D of the vectors) and
// between two of our peers.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "integration/math_peer.hpp"
#include "integration/raw_client.hpp"
#include "teleport/plugin/auth.hpp"

namespace tp {
namespace {

PeerConfig auth_server_config() { return {.listen_address = "127.0.0.1:0"}; }

Plugins checker() {
  return {std::make_shared<plugin::AuthChecker>(
      [](Session&, const std::string& token) -> Result<std::string> {
        if (token != "s3cret") return Status::from_code(code::kUnauthorized, "bad token");
        return std::string("ok");
      })};
}

class AuthServer {
 public:
  AuthServer() : peer(auth_server_config(), checker()) {
    EXPECT_TRUE(peer.route_call_func("/math/add",
                                     [](Ctx&, const std::vector<int>& xs) -> Result<int> {
                                       int sum = 0;
                                       for (int x : xs) sum += x;
                                       return sum;
                                     })
                    .ok());
    EXPECT_TRUE(peer.listen().ok());
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(peer.listen_port()); }
  Peer peer;
};

TEST(AuthInterop, GoBytesInGoBytesOut) {
  const auto vs = test::load_vectors("rawproto-vectors.jsonl");
  AuthServer srv;
  {  // B: a good token, then a call
    test::RawClient go(srv.peer.listen_port());
    go.send(test::from_hex(test::vector_hex(vs, "auth_call")));
    EXPECT_EQ(test::to_hex(go.read_frame()), test::vector_hex(vs, "auth_reply_ok"));
    go.send(test::from_hex(test::vector_hex(vs, "call_after_auth")));
    Message reply;
    ASSERT_EQ(RawProto().decode(go.read_frame(), reply).kind, DecodeResult::Kind::kMessage);
    EXPECT_EQ(reply.seq, 2);
    EXPECT_EQ(reply.body, "6");
  }
  {  // C: a bad token is refused with Go's exact AUTH_REPLY, then the connection closes
    test::RawClient go(srv.peer.listen_port());
    go.send(test::from_hex(test::vector_hex(vs, "auth_call_bad_token")));
    EXPECT_EQ(test::to_hex(go.read_frame()), test::vector_hex(vs, "auth_reply_unauthorized"));
    EXPECT_TRUE(go.closed_by_peer());
  }
  {  // D: a plain CALL first
    test::RawClient go(srv.peer.listen_port());
    go.send(test::from_hex(test::vector_hex(vs, "call_math_add_json")));
    EXPECT_EQ(test::to_hex(go.read_frame()), test::vector_hex(vs, "auth_reply_expected_auth_call"));
    EXPECT_TRUE(go.closed_by_peer());
  }
}

TEST(Auth, BearerAndCheckerBetweenOurPeers) {
  AuthServer srv;
  Peer good({}, {std::make_shared<plugin::AuthBearer>("s3cret")});
  auto [sess, st] = good.dial(srv.addr());
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1, 2, 3}).into(sum).ok());
  EXPECT_EQ(sum, 6);

  Peer bad({}, {std::make_shared<plugin::AuthBearer>("wrong")});
  auto [none, refused] = bad.dial(srv.addr());
  EXPECT_EQ(none, nullptr);
  EXPECT_EQ(refused.code(), code::kDialFailed);
  EXPECT_NE(refused.cause().find("401 Unauthorized: bad token"), std::string::npos)
      << refused.cause();

  Peer anonymous;  // no token at all: its first call is refused and the session closes
  auto [anon, ast] = anonymous.dial(srv.addr());
  ASSERT_TRUE(ast.ok());
  EXPECT_EQ(anon->call<int>("/math/add", std::vector{1}).into(sum).code(), code::kConnClosed);
}

TEST(Auth, ABearerGivesUpWhenNoAuthReplyComes) {
  // A server that accepts and reads but never answers the AUTH_CALL.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  // The dial's own deadline is far away: only the bearer's 300 ms bound can end it in time.
  Peer client({.dial_timeout = std::chrono::seconds(60)},
              {std::make_shared<plugin::AuthBearer>("s3cret", codec_id::kJson,
                                                    std::chrono::milliseconds(300))});
  auto dialing = std::async(std::launch::async, [&] {
    return client.dial("127.0.0.1:" + std::to_string(ntohs(addr.sin_port))).status;
  });
  const int silent = ::accept(listener, nullptr, nullptr);
  ASSERT_EQ(dialing.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const Status st = dialing.get();
  EXPECT_EQ(st.code(), code::kDialFailed);
  EXPECT_NE(st.cause().find("no first message"), std::string::npos) << st.cause();
  ::close(silent);
  ::close(listener);
}

}  // namespace
}  // namespace tp
