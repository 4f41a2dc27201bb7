// TLS between peers over TCP and Unix sockets, with a CA made at test time: verification,
// mutual TLS, refusals, and curl calling through HTTPS.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "integration/math_peer.hpp"
#include "integration/raw_client.hpp"
#include "integration/shell.hpp"
#include "integration/test_certs.hpp"
#include "support/eventually.hpp"
#include "teleport/plugin/auth.hpp"
#include "teleport/plugin/heartbeat.hpp"

namespace tp {
namespace {

struct Pki {
  test::KeyCert ca = test::make_cert("Test CA", nullptr, 1);
  test::KeyCert server = test::make_cert("localhost", &ca, 2);
  test::KeyCert client = test::make_cert("client", &ca, 3);
  test::KeyCert other_ca = test::make_cert("Other CA", nullptr, 4);
};

const Pki& pki() {
  static const Pki p;
  return p;
}

TlsConfig server_tls(bool mutual = false) {
  return {.cert_pem = pki().server.cert_pem,
          .key_pem = pki().server.key_pem,
          .ca_pem = pki().ca.cert_pem,
          .mutual = mutual};
}

PeerConfig tls_server_config(bool mutual = false) {
  return {.listen_address = "127.0.0.1:0", .tls = server_tls(mutual)};
}

TEST(Tls, CallsAndPushesOverTcpWithAVerifiedServer) {
  test::MathServer srv(tls_server_config());
  Peer client({.tls = TlsConfig{.ca_pem = pki().ca.cert_pem}});
  auto [s, st] = client.dial(srv.addr());  // 127.0.0.1: the certificate's IP name is checked
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(s->call<int>("/math/add?author=tls", std::vector<int>{1, 2, 3}).into(sum).ok());
  EXPECT_EQ(sum, 6);
  EXPECT_EQ(srv.last_author(), "tls");
  ASSERT_TRUE(s->push("/chat/say", std::string("hi")).ok());
  // A large body crosses many TLS records.
  Bytes big(3 * 1024 * 1024, 7);
  Bytes back;
  ASSERT_TRUE(s->call<Bytes>("/echo/bytes", big, {.body_codec = codec_id::kPlain}).into(back).ok());
  EXPECT_EQ(back, big);
  EXPECT_TRUE(test::eventually([&] { return srv.pushes.load() == 1; }));
}

TEST(Tls, ARedialHandshakesAgain) {
  auto srv = std::make_unique<test::MathServer>(tls_server_config());
  const std::string addr = srv->addr();
  Peer client({.redial_times = -1,
               .redial_interval = std::chrono::milliseconds(10),
               .tls = TlsConfig{.ca_pem = pki().ca.cert_pem}});
  auto [s, st] = client.dial(addr);
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(s->call<int>("/math/add", std::vector<int>{1, 2}).into(sum).ok());
  srv.reset();  // the server goes away and comes back on the same port
  PeerConfig again = tls_server_config();
  again.listen_address = addr;
  srv = std::make_unique<test::MathServer>(again);
  EXPECT_TRUE(test::eventually([&] {
    return s->call<int>("/math/add", std::vector<int>{2, 3}).into(sum).ok();
  }));
  EXPECT_EQ(sum, 5);
}

// wss:// with the peers' TLS settings, auth on the first message, heartbeats and a redial that
// handshakes TLS, upgrades and authenticates again, as on TCP.
TEST(Tls, WebSocketOverTlsWithAuthHeartbeatAndRedial) {
  std::atomic<int> authed{0};
  auto checker = std::make_shared<plugin::AuthChecker>(
      [&](Session&, const std::string& token) -> Result<std::string> {
        if (token != "secret") return Status::from_code(code::kUnauthorized, "bad token");
        ++authed;
        return std::string("welcome");
      });
  PeerConfig cfg = tls_server_config();
  cfg.websocket_path = "/ws";
  auto srv = std::make_unique<test::MathServer>(cfg, Plugins{checker});
  const std::string addr = srv->addr();
  Peer client({.redial_times = -1,
               .redial_interval = std::chrono::milliseconds(10),
               .tls = TlsConfig{.ca_pem = pki().ca.cert_pem}},
              {std::make_shared<plugin::AuthBearer>("secret"),
               std::make_shared<plugin::Heartbeat>(std::chrono::milliseconds(50))});
  auto [s, st] = client.dial("wss://" + addr + "/ws");
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(s->call<int>("/math/add", std::vector<int>{1, 2}).into(sum).ok());
  EXPECT_EQ(sum, 3);
  EXPECT_EQ(authed.load(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // heartbeats flow meanwhile
  EXPECT_TRUE(s->health());
  srv.reset();  // the server goes away and comes back on the same port
  cfg.listen_address = addr;
  srv = std::make_unique<test::MathServer>(cfg, Plugins{checker});
  EXPECT_TRUE(test::eventually([&] {
    return s->call<int>("/math/add", std::vector<int>{2, 3}).into(sum).ok();
  }));
  EXPECT_EQ(sum, 5);
  EXPECT_EQ(authed.load(), 2);
  // Without the CA the server is not trusted; plain ws:// to a TLS port fails.
  Peer stranger;
  EXPECT_FALSE(stranger.dial("wss://" + addr + "/ws").ok());
  EXPECT_FALSE(stranger.dial("ws://" + addr + "/ws").ok());
}

TEST(Tls, AHandshakeNeverStartedOrNeverFinishedIsClosed) {
  PeerConfig cfg = tls_server_config();
  cfg.handshake_timeout = std::chrono::milliseconds(500);
  test::MathServer srv(cfg);
  test::RawClient silent(srv.peer.listen_port());  // connects, never says a word
  test::RawClient half(srv.peer.listen_port());
  half.send(std::string("\x16\x03\x01\x02\x00\x01", 6));  // a ClientHello's first bytes only
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_by_peer());
  EXPECT_TRUE(half.closed_by_peer());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(Tls, FromFilesOverAUnixSocket) {
  const auto dir = std::filesystem::path(testing::TempDir()) / ("tls_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string cert = write("server.pem", pki().server.cert_pem);
  const std::string key = write("server.key", pki().server.key_pem);
  const std::string ca = write("ca.pem", pki().ca.cert_pem);
  const std::string sock = (dir / "tls.sock").string();
  test::MathServer srv({.network = "unix",
                        .listen_address = sock,
                        .tls = TlsConfig{.cert_file = cert, .key_file = key}});
  Peer client({.network = "unix", .tls = TlsConfig{.ca_file = ca, .server_name = "localhost"}});
  auto [s, st] = client.dial(sock);
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(s->call<int>("/math/add", std::vector<int>{4, 5}).into(sum).ok());
  EXPECT_EQ(sum, 9);

  Peer bad_files({.tls = TlsConfig{.ca_file = (dir / "missing.pem").string()}});
  EXPECT_EQ(bad_files.dial(sock).status.code(), code::kWrongConn);
  std::filesystem::remove_all(dir);
}

TEST(Tls, AnUntrustedServerOrAnotherNameIsRefused) {
  test::MathServer srv(tls_server_config());
  Peer untrusting({.tls = TlsConfig{.ca_pem = pki().other_ca.cert_pem}});
  auto [s1, st1] = untrusting.dial(srv.addr());
  EXPECT_EQ(st1.code(), code::kDialFailed);
  EXPECT_NE(st1.cause().find("certificate verify failed"), std::string::npos) << st1.to_string();
  Peer wrong_name({.tls = TlsConfig{.ca_pem = pki().ca.cert_pem, .server_name = "example.org"}});
  EXPECT_EQ(wrong_name.dial(srv.addr()).status.code(), code::kDialFailed);
  // The server keeps serving.
  Peer good({.tls = TlsConfig{.ca_pem = pki().ca.cert_pem}});
  auto [s, st] = good.dial(srv.addr());
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  EXPECT_TRUE(s->call<int>("/math/add", std::vector<int>{1}).into(sum).ok());
}

TEST(Tls, MutualTlsNeedsAClientCertificateFromTheCa) {
  test::MathServer srv(tls_server_config(/*mutual=*/true));
  int sum = 0;
  {
    Peer anonymous({.tls = TlsConfig{.ca_pem = pki().ca.cert_pem}});
    auto [s, st] = anonymous.dial(srv.addr());
    // TLS 1.3 finishes the client's handshake before the server checks its certificate: the
    // refusal shows at the dial or at the first call.
    if (st.ok()) {
      EXPECT_FALSE(
          s->call<int>("/math/add", std::vector<int>{1}, {.timeout = std::chrono::seconds(5)})
              .into(sum)
              .ok());
    }
  }
  {
    Peer stranger({.tls = TlsConfig{.cert_pem = pki().other_ca.cert_pem,
                                    .key_pem = pki().other_ca.key_pem,
                                    .ca_pem = pki().ca.cert_pem}});
    auto [s, st] = stranger.dial(srv.addr());
    if (st.ok()) {
      EXPECT_FALSE(
          s->call<int>("/math/add", std::vector<int>{1}, {.timeout = std::chrono::seconds(5)})
              .into(sum)
              .ok());
    }
  }
  Peer member({.tls = TlsConfig{.cert_pem = pki().client.cert_pem,
                                .key_pem = pki().client.key_pem,
                                .ca_pem = pki().ca.cert_pem}});
  auto [s, st] = member.dial(srv.addr());
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_TRUE(s->call<int>("/math/add", std::vector<int>{2, 3}).into(sum).ok());
  EXPECT_EQ(sum, 5);
}

TEST(Tls, APlainClientIsClosedAndTheServerKeepsServing) {
  test::MathServer srv(tls_server_config());
  Peer plain;
  auto [p, pst] = plain.dial(srv.addr());
  ASSERT_TRUE(pst.ok());
  int sum = 0;
  EXPECT_EQ(p->call<int>("/math/add", std::vector<int>{1}, {.timeout = std::chrono::seconds(5)})
                .into(sum)
                .code(),
            code::kConnClosed);
  Peer good({.tls = TlsConfig{.ca_pem = pki().ca.cert_pem}});
  auto [s, st] = good.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(s->call<int>("/math/add", std::vector<int>{1}).into(sum).ok());
  // A listener without a certificate is refused at listen().
  Peer no_cert({.listen_address = "127.0.0.1:0", .tls = TlsConfig{.ca_pem = pki().ca.cert_pem}});
  EXPECT_EQ(no_cert.listen().code(), code::kWrongConn);
}

TEST(Tls, CurlCallsThroughHttps) {
  ASSERT_EQ(std::system("command -v curl > /dev/null 2>&1"), 0) << "curl is not installed";
  test::MathServer srv(tls_server_config());
  const auto ca =
      std::filesystem::path(testing::TempDir()) / ("ca_" + std::to_string(getpid()) + ".pem");
  std::ofstream(ca) << pki().ca.cert_pem;
  EXPECT_EQ(test::run_command("curl -s --cacert " + ca.string() + " -X POST 'https://localhost:" +
                              std::to_string(srv.peer.listen_port()) +
                              "/math/add' -H 'Content-Type: application/json' -d '[1,2,3]'"),
            "6");
  std::filesystem::remove(ca);
}

}  // namespace
}  // namespace tp
