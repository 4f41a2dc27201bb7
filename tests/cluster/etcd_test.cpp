// Discovery on a real etcd: servers register under leases, channels follow the service's keys,
// through etcd outages, lost leases, foreign values and a member of three killed.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include "support/etcd_cluster.hpp"
#include "support/eventually.hpp"
#include "teleport/etcd.hpp"
#include "teleport/peer.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;
using test::EtcdCluster;
using test::eventually;
namespace asio = boost::asio;

// A registered backend: answers /who with its index.
struct Server {
  Server(int index, const std::string& target, std::chrono::seconds ttl = 2s)
      : index(index), peer(PeerConfig{.listen_address = "127.0.0.1:0"}) {
    (void)peer.route_call_func("/who", [this](Ctx&, const int&) -> Result<int> {
      ++served;
      return this->index;
    });
    if (!peer.listen().ok()) throw std::runtime_error("listen");
    auto reg = etcd::register_peer(peer, target, {.ttl = ttl, .drain = 300ms});
    if (!reg.ok()) throw std::runtime_error(reg.status.to_string());
    registration = reg.value;
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(peer.listen_port()); }

  int index;
  std::atomic<int> served{0};
  Peer peer;
  std::shared_ptr<etcd::Registration> registration;
};

std::set<std::string> connected(const Channel& ch) {
  std::set<std::string> out;
  for (const auto& b : ch.backends()) {
    if (b.connected) out.insert(b.backend.addr);
  }
  return out;
}

std::set<std::string> named(const Channel& ch) {
  std::set<std::string> out;
  for (const auto& b : ch.backends()) out.insert(b.backend.addr);
  return out;
}

TEST(EtcdTarget, ParsesMembersAndService) {
  auto t = etcd::parse_target("etcd://127.0.0.1:2379,[::1]:2380,etcd.local:2379/apps/math/");
  ASSERT_TRUE(t.ok()) << t.status.to_string();
  EXPECT_EQ(t.value.endpoints,
            (std::vector<std::string>{"127.0.0.1:2379", "[::1]:2380", "etcd.local:2379"}));
  EXPECT_EQ(t.value.service, "apps/math");
  for (const char* bad : {"etcd://127.0.0.1:2379", "etcd:///math", "etcd://host/math",
                          "etcd://h:0/math", "etcd://h:99999/math", "etcd://h:1,/math",
                          "etcd://h:1/", "etcd://h:1/a b", "list://h:1/math", "etcd://h:1/m?x"}) {
    auto r = etcd::parse_target(bad);
    EXPECT_EQ(r.status.code(), code::kBadMessage) << bad;
  }
}

TEST(EtcdValue, RoundTripsAndRefusesForeignValues) {
  auto v = etcd::encode_backend({.addr = "10.0.0.1:9090", .weight = 3, .meta = R"({"zone":"a"})"});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value, R"({"addr":"10.0.0.1:9090","weight":3,"meta":{"zone":"a"}})");
  auto b = etcd::decode_backend(v.value);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value, (Backend{.addr = "10.0.0.1:9090", .weight = 3, .meta = R"({"zone":"a"})"}));
  for (const char* bad : {"", "10.0.0.1:9090", "[]", R"({"addr":""})", R"({"addr":7})",
                          R"({"addr":"a:1","weight":0})", R"({"addr":"a:1","weight":"2"})",
                          R"({"addr":"a:1","meta":[1]})", "{\"addr\":\"a:1\""}) {
    EXPECT_EQ(etcd::decode_backend(bad).status.code(), code::kBadMessage) << bad;
  }
  EXPECT_FALSE(etcd::encode_backend({.addr = "a:1", .meta = "not json"}).ok());
}

// A backend's meta comes back from etcd as it went in: Boost.JSON 1.81 reads long or extreme
// decimals to a nearby double, not always the nearest, so meta written again from the parsed
// doubles drifted from one round trip to the next (and an overflowing number became "Infinity",
// which is not JSON). Numbers now travel as written; the first input is the one the fuzzer found.
TEST(EtcdValue, MetaNumbersTravelAsWritten) {
  for (const char* meta :
       {R"({"ze":8888888888000000000000000000000006272249598219241241,"m":"o"})",
        R"({"load":2.204889796112795E-9,"x":[1e400,-0.0,1E-400,18446744073709551616]})",
        R"({"k\u00e9y":"tab\tquote\"","n":{"a":[true,false,null,{}],"b":[]}})"}) {
    auto first = etcd::decode_backend(std::string(R"({"addr":"a:1","meta": )") + meta + " }");
    ASSERT_TRUE(first.ok()) << meta;
    auto encoded = etcd::encode_backend(first.value);
    ASSERT_TRUE(encoded.ok()) << meta;
    auto again = etcd::decode_backend(encoded.value);
    ASSERT_TRUE(again.ok()) << encoded.value;
    EXPECT_EQ(again.value, first.value) << encoded.value;
  }
  // Spaces go, numbers stay as written, strings are escaped as Boost.JSON escapes them.
  auto b = etcd::decode_backend(R"({"addr":"a:1","meta":{ "x" : 1.50E+2 , "s" : "\u0041" }})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value.meta, R"({"x":1.50E+2,"s":"A"})");
  // A repeated "meta": the last one, as for every other member.
  b = etcd::decode_backend(R"({"addr":"a:1","meta":{"a":1},"meta":{"b":2}})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value.meta, R"({"b":2})");
}

// Servers register; a channel sees them, a new one within moments, and a server shutting down
// gracefully leaves the list before it stops accepting: no call of a steady stream fails.
TEST(EtcdDiscovery, FollowsRegistrationsAndGracefulShutdownLosesNoCall) {
  EtcdCluster etcd;
  const std::string target = etcd.target("math");
  auto a = std::make_unique<Server>(0, target);
  auto b = std::make_unique<Server>(1, target);
  ASSERT_TRUE(a->registration->wait_registered(5s));
  ASSERT_TRUE(b->registration->wait_registered(5s));

  Peer client;
  Channel ch(client, target);
  ASSERT_TRUE(ch.start().ok());
  ASSERT_TRUE(eventually([&] { return connected(ch).size() == 2; }));
  std::set<int> answered;
  for (int i = 0; i < 4; ++i) {
    auto r = ch.call<int>("/who", 0);
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    answered.insert(r.value);
  }
  EXPECT_EQ(answered, (std::set<int>{0, 1}));

  // A third server: its first call follows its registration by a watch event and a dial.
  const auto registered_at = std::chrono::steady_clock::now();
  auto c = std::make_unique<Server>(2, target);
  ASSERT_TRUE(eventually([&] {
    (void)ch.call<int>("/who", 0);
    return c->served > 0;
  }));
  const auto first_call_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - registered_at)
                                 .count();
  std::printf("registration to first call: %lld ms\n", static_cast<long long>(first_call_ms));

  // Calls keep flowing while b shuts down gracefully: none fails.
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, done{0};
  std::thread caller([&] {
    while (!stop) {
      auto r = ch.call<int>("/who", 0, {.timeout = 2s});
      if (!r.ok()) ++failed;
      ++done;
    }
  });
  ASSERT_TRUE(eventually([&] { return done > 20; }));
  const std::string b_addr = b->addr();
  b->peer.shutdown(2s);
  EXPECT_FALSE(b->registration->registered());
  EXPECT_FALSE(named(ch).contains(b_addr));
  const int after_shutdown = done;
  ASSERT_TRUE(eventually([&] { return done > after_shutdown + 20; }));
  stop = true;
  caller.join();
  EXPECT_EQ(failed, 0);
  // a and c are listed; b's key is gone.
  const std::string keys = etcd.etcdctl("get --prefix /teleport/services/math/");
  EXPECT_NE(keys.find(a->addr()), std::string::npos) << keys;
  EXPECT_NE(keys.find(c->addr()), std::string::npos) << keys;
  EXPECT_EQ(keys.find(b_addr), std::string::npos) << keys;
}

// etcd down when both sides start: a clear status, then both catch up once it is there.
TEST(EtcdDiscovery, StartsBeforeEtcdAndCatchesUp) {
  const int port = test::free_port();
  const std::string target = "etcd://127.0.0.1:" + std::to_string(port) + "/math";
  Peer client;
  Channel ch(client, target, {.start_timeout = 500ms});
  Status st = ch.start();
  EXPECT_EQ(st.code(), code::kDialFailed);
  EXPECT_NE(st.cause().find("etcd unreachable"), std::string::npos) << st.to_string();
  auto server = std::make_unique<Server>(0, target);
  EXPECT_FALSE(server->registration->registered());

  EtcdCluster etcd(1, {port});
  EXPECT_TRUE(server->registration->wait_registered(10s));
  EXPECT_TRUE(eventually([&] { return ch.call<int>("/who", 0).ok(); }));
}

// Foreign and malformed values under the prefix are skipped; a backend that answers another
// protocol is ejected; the good one keeps answering.
TEST(EtcdDiscovery, SkipsForeignValuesAndEjectsAWrongProtocol) {
  EtcdCluster etcd;
  const std::string target = etcd.target("math");
  Server good(0, target);
  ASSERT_TRUE(good.registration->wait_registered(5s));
  // A listener that greets every connection in another protocol and keeps it open.
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<asio::ip::tcp::socket> accepted;
  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](boost::system::error_code ec, asio::ip::tcp::socket s) {
      if (ec) return;
      asio::write(s, asio::buffer(std::string_view("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")), ec);
      accepted.push_back(std::move(s));
      accept_next();
    });
  };
  accept_next();
  std::thread io_thread([&] { io.run(); });
  const std::string liar = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  etcd.etcdctl("put /teleport/services/math/garbage 'not json at all'");
  etcd.etcdctl("put /teleport/services/math/noaddr '{\"weight\":2}'");
  etcd.etcdctl("put /teleport/services/math/liar '{\"addr\":\"" + liar + "\"}'");

  Peer client;
  Channel ch(client, target);
  ASSERT_TRUE(ch.start().ok());
  EXPECT_EQ(named(ch), (std::set<std::string>{good.addr(), liar}));
  // Idempotent: a call written to the liar before its greeting closed the session goes on.
  for (int i = 0; i < 10; ++i) {
    auto r = ch.call<int>("/who", 0, {.timeout = 2s, .idempotent = true});
    EXPECT_TRUE(r.ok()) << r.status.to_string();
  }
  EXPECT_EQ(good.served, 10);
  for (const auto& b : ch.backends()) {
    if (b.backend.addr == liar) {
      EXPECT_NE(b.last_error, "") << "the liar was never ejected";
    }
  }
  io.stop();
  io_thread.join();
}

// etcd SIGKILLed: calls go on with the last list; back on the same data, the server's lease is
// kept alive again (or granted anew) and a new client finds it. A lease revoked from outside
// (as etcd does when it lost the server for longer than the TTL) is granted again.
TEST(EtcdDiscovery, SurvivesEtcdRestartAndALostLease) {
  EtcdCluster etcd;
  const std::string target = etcd.target("math");
  Server server(0, target);
  ASSERT_TRUE(server.registration->wait_registered(5s));
  Peer client;
  Channel ch(client, target);
  ASSERT_TRUE(ch.start().ok());

  etcd.kill(0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(ch.call<int>("/who", 0).ok());
  std::this_thread::sleep_for(3s);  // longer than the TTL
  ASSERT_TRUE(etcd.restart(0)) << etcd.log(0);
  EXPECT_TRUE(ch.call<int>("/who", 0).ok());
  // A client that starts now finds the server on etcd.
  auto found_by_a_new_client = [&] {
    Channel fresh(client, target, {.start_timeout = 5s});
    return fresh.start().ok() && fresh.call<int>("/who", 0).ok();
  };
  EXPECT_TRUE(found_by_a_new_client());

  ASSERT_TRUE(eventually([&] { return server.registration->registered(); }));
  const std::string key = server.registration->key();
  const std::string lease = key.substr(key.rfind('/') + 1);
  etcd.etcdctl("lease revoke " + lease);
  EXPECT_TRUE(eventually(
      [&] { return server.registration->registered() && server.registration->key() != key; }));
  EXPECT_TRUE(found_by_a_new_client());
}

// Three etcd members; the one both sides talk to first is SIGKILLed. Registrations stay alive,
// the channel keeps its backends and sees a server registered afterwards; no call fails.
TEST(EtcdDiscovery, OneMemberOfThreeKilled) {
  EtcdCluster etcd(3);
  const std::string target = etcd.target("math");
  Server a(0, target);
  ASSERT_TRUE(a.registration->wait_registered(5s));
  Peer client;
  Channel ch(client, target);
  ASSERT_TRUE(ch.start().ok());
  ASSERT_TRUE(eventually([&] { return connected(ch).size() == 1; }));

  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, done{0};
  std::thread caller([&] {
    while (!stop) {
      if (!ch.call<int>("/who", 0, {.timeout = 2s}).ok()) ++failed;
      ++done;
    }
  });
  etcd.kill(0);
  const auto killed_at = std::chrono::steady_clock::now();
  Server b(1, target);
  ASSERT_TRUE(b.registration->wait_registered(10s));
  ASSERT_TRUE(eventually([&] { return b.served > 0; }, 15s));
  std::printf("member killed to new backend's first call: %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - killed_at)
                                         .count()));
  // a's lease outlives several TTLs without member 0.
  std::this_thread::sleep_for(3s);
  EXPECT_TRUE(a.registration->registered());
  EXPECT_NE(etcd.etcdctl("get --prefix /teleport/services/math/").find(a.addr()),
            std::string::npos);
  stop = true;
  caller.join();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(done, 10);
}

}  // namespace
}  // namespace tp
