// The secure plugin (AES-256-GCM bodies) and the proxy plugin (a gateway forwarding unknown
// routes), between peers over loopback.
#include <gtest/gtest.h>

#include "integration/math_peer.hpp"
#include "teleport/plugin/proxy.hpp"
#include "teleport/plugin/secure.hpp"

namespace tp {
namespace {

const std::string kKey(32, 'k');

// Records the raw bodies a peer writes and reads, to see that they are sealed on the wire.
class BodySpy final : public Plugin {
 public:
  std::string_view name() const override { return "body-spy"; }
  Status post_write_call(Session&, const Message& m) override { return note(m); }
  Status post_write_reply(Session&, const Message& m) override { return note(m); }
  Status post_write_push(Session&, const Message& m) override { return note(m); }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  Status note(const Message& m) {
    std::lock_guard lock(mutex_);
    bodies_.push_back(m.body);
    return {};
  }
  mutable std::mutex mutex_;
  std::vector<std::string> bodies_;
};

struct SecurePair {
  std::shared_ptr<BodySpy> server_spy = std::make_shared<BodySpy>();
  std::shared_ptr<BodySpy> client_spy = std::make_shared<BodySpy>();
  Peer server;
  Peer client;
  std::shared_ptr<Session> session;
  std::atomic<int> secret_pushes{0};

  explicit SecurePair(plugin::SecureMode client_mode = plugin::SecureMode::kPerCall,
                      std::string client_key = kKey)
      : server({.listen_address = "127.0.0.1:0"},
               {std::make_shared<plugin::Secure>(kKey), server_spy}),
        client({}, {std::make_shared<plugin::Secure>(client_key, client_mode), client_spy}) {
    EXPECT_TRUE(server
                    .route_call_func("/math/add",
                                     [](Ctx&, const std::vector<int>& xs) -> Result<int> {
                                       int sum = 0;
                                       for (int x : xs) sum += x;
                                       return sum;
                                     })
                    .ok());
    EXPECT_TRUE(server
                    .route_call_func("/pay",
                                     [](Ctx&, const std::string& what) -> Result<std::string> {
                                       return "paid " + what;
                                     },
                                     {.plugins = {plugin::Secure::required()}})
                    .ok());
    EXPECT_TRUE(server
                    .route_push_func("/secret/note",
                                     [this](Ctx&, const std::string&) { ++secret_pushes; },
                                     {.plugins = {plugin::Secure::required()}})
                    .ok());
    EXPECT_TRUE(server.listen().ok());
    auto [s, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
    EXPECT_TRUE(st.ok()) << st.to_string();
    session = s;
  }
};

TEST(SecurePlugin, ASecureCallAndItsReplyAreSealedOnTheWire) {
  SecurePair p;
  int sum = 0;
  ASSERT_TRUE(
      p.session->call<int>("/math/add", std::vector<int>{1, 2, 3}, plugin::Secure::secure_call({}))
          .into(sum)
          .ok());
  EXPECT_EQ(sum, 6);
  const auto sent = p.client_spy->bodies();
  const auto replied = p.server_spy->bodies();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(replied.size(), 1u);
  EXPECT_NE(sent[0].find("\"ciphertext\""), std::string::npos) << sent[0];
  EXPECT_EQ(sent[0].find("[1,2,3]"), std::string::npos);
  EXPECT_NE(replied[0].find("\"ciphertext\""), std::string::npos) << replied[0];

  // A plain call stays plain.
  ASSERT_TRUE(p.session->call<int>("/math/add", std::vector<int>{4}).into(sum).ok());
  EXPECT_EQ(sum, 4);
  EXPECT_EQ(p.client_spy->bodies().back(), "[4]");
}

TEST(SecurePlugin, ARouteThatRequiresEncryptionRefusesPlainCallsAndPushes) {
  SecurePair p;
  std::string paid;
  Status plain = p.session->call<std::string>("/pay", std::string("rent")).into(paid);
  EXPECT_EQ(plain.code(), code::kBadMessage);
  EXPECT_EQ(plain.cause(), "secure: this route accepts encrypted bodies only");
  ASSERT_TRUE(
      p.session->call<std::string>("/pay", std::string("rent"), plugin::Secure::secure_call({}))
          .into(paid)
          .ok());
  EXPECT_EQ(paid, "paid rent");

  ASSERT_TRUE(p.session->push("/secret/note", std::string("plain")).ok());
  ASSERT_TRUE(
      p.session->push("/secret/note", std::string("sealed"), plugin::Secure::secure_call({})).ok());
  int sum = 0;
  ASSERT_TRUE(
      p.session->call<int>("/math/add", std::vector<int>{1}).into(sum).ok());  // after the pushes
  EXPECT_EQ(p.secret_pushes.load(), 1);  // the plain push was dropped
}

TEST(SecurePlugin, AlwaysModeSealsEveryMessage) {
  SecurePair p(plugin::SecureMode::kAlways);
  std::string paid;
  ASSERT_TRUE(p.session->call<std::string>("/pay", std::string("tax")).into(paid).ok());
  EXPECT_EQ(paid, "paid tax");
  ASSERT_TRUE(p.session->push("/secret/note", std::string("x")).ok());
  ASSERT_TRUE(p.session->call<std::string>("/pay", std::string("fee")).into(paid).ok());
  EXPECT_EQ(p.secret_pushes.load(), 1);
  for (const auto& body : p.client_spy->bodies())
    EXPECT_NE(body.find("ciphertext"), std::string::npos);
}

TEST(SecurePlugin, AnotherKeyOrAlteredBytesAreRefusedWithACause) {
  SecurePair p(plugin::SecureMode::kAlways, std::string(32, 'x'));
  int sum = 0;
  Status st = p.session->call<int>("/math/add", std::vector<int>{1}).into(sum);
  EXPECT_EQ(st.code(), code::kBadMessage);
  EXPECT_EQ(st.cause(), "secure: encrypted with another key");

  plugin::Secure secure(kKey);
  Message m;
  m.body = "[1,2]";
  m.body_codec = codec_id::kJson;
  ASSERT_TRUE(secure.seal(m).ok());
  Message altered = m;
  const auto at = altered.body.find("\"ciphertext\":\"") + 15;
  altered.body[at] = altered.body[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(secure.open(altered).cause(), "secure: the ciphertext does not authenticate");
  ASSERT_TRUE(secure.open(m).ok());
  EXPECT_EQ(m.body, "[1,2]");
  EXPECT_THROW(plugin::Secure("short"), std::invalid_argument);
}

// A gateway with the proxy plugin in front of a backend.
struct Gateway {
  test::MathServer backend;
  Peer backends;  // dials the backend
  std::shared_ptr<Session> to_backend;
  Peer gateway;
  std::atomic<int> forwarded{0};

  Gateway()
      : gateway({.listen_address = "127.0.0.1:0"},
                {std::make_shared<plugin::Proxy>([this](const plugin::ProxyLabel& label) {
                  ++forwarded;
                  return label.service_method.starts_with("/nowhere") ? nullptr : to_backend;
                })}) {
    auto [s, st] = backends.dial(backend.addr());
    EXPECT_TRUE(st.ok());
    to_backend = s;
    EXPECT_TRUE(backend.peer
                    .route_call_func("/who",
                                     [](Ctx& ctx, const int&) -> Result<std::string> {
                                       ctx.reply_meta().set("served-by", "backend");
                                       return ctx.real_ip() + " " +
                                              std::string(ctx.peek_meta("trace").value_or("-"));
                                     })
                    .ok());
    EXPECT_TRUE(
        gateway.route_call_func("/local", [](Ctx&, const int& x) -> Result<int> { return x + 1; })
            .ok());
    EXPECT_TRUE(gateway.listen().ok());
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(gateway.listen_port()); }
};

TEST(ProxyPlugin, ForwardsUnknownCallsWithMetaRealIpAndStatusAndKeepsLocalRoutes) {
  Gateway g;
  Peer client;
  auto [s, st] = client.dial(g.addr());
  ASSERT_TRUE(st.ok());
  int sum = 0;
  ASSERT_TRUE(s->call<int>("/math/add?author=gw", std::vector<int>{1, 2, 3}).into(sum).ok());
  EXPECT_EQ(sum, 6);
  EXPECT_EQ(g.backend.last_author(), "gw");

  int local = 0;
  ASSERT_TRUE(s->call<int>("/local", 1).into(local).ok());
  EXPECT_EQ(local, 2);
  EXPECT_EQ(g.forwarded.load(), 1);

  // Meta and real IP reach the backend; the backend's reply meta comes back.
  std::string who;
  std::optional<std::string> served_by;
  std::promise<void> done;
  CallOptions opts;
  opts.meta.add("trace", "t-1");
  opts.real_ip = "203.0.113.9";
  s->call_raw("/who", codec_id::kJson, "1", opts, [&](Message& reply) {
    EXPECT_TRUE(reply.status.ok()) << reply.status.to_string();
    (void)unmarshal(reply.body_codec, reply.body, who);
    if (auto v = reply.meta.get("served-by")) served_by = std::string(*v);
    done.set_value();
  });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(who, "203.0.113.9 t-1");
  EXPECT_EQ(served_by, "backend");
  ASSERT_TRUE(s->call<std::string>("/who", 1).into(who).ok());
  EXPECT_EQ(who, "127.0.0.1 -");  // no X-Real-IP sent: the client's address

  // The backend's statuses come back unchanged.
  Status empty = s->call<int>("/math/add", std::vector<int>{}).into(sum);
  EXPECT_EQ(empty.code(), 1001);
  EXPECT_EQ(empty.msg(), "empty list");
  EXPECT_EQ(s->call<int>("/math/nothing", 1).into(sum).code(), code::kNotFound);
  Status nowhere = s->call<int>("/nowhere/x", 1).into(sum);
  EXPECT_EQ(nowhere.code(), code::kNotFound);
  EXPECT_EQ(nowhere.cause(), "no forwarder for /nowhere/x");

  // Pushes are forwarded too.
  ASSERT_TRUE(s->push("/chat/say", std::string("hello")).ok());
  for (int i = 0; i < 500 && g.backend.pushes.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(g.backend.pushes.load(), 1);
}

TEST(ProxyPlugin, ManyConcurrentForwardedCallsAllComeBack) {
  Gateway g;
  Peer client;
  auto [s, st] = client.dial(g.addr());
  ASSERT_TRUE(st.ok());
  constexpr int kCalls = 2000;
  std::atomic<int> right{0};
  std::atomic<int> left{kCalls};
  std::promise<void> all;
  for (int i = 0; i < kCalls; ++i) {
    s->async_call<int, std::vector<int>>("/math/add", {i, 1}, [&, i](Status st, int sum) {
      if (st.ok() && sum == i + 1) ++right;
      if (--left == 0) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(right.load(), kCalls);
}

}  // namespace
}  // namespace tp
