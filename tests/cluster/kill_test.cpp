// Servers as separate processes (`teleport serve --register`), one SIGKILLed while two client
// threads keep calling through an etcd:// channel; then `teleport call etcd://...`.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "support/etcd_cluster.hpp"
#include "support/eventually.hpp"
#include "teleport/channel.hpp"
#include "teleport/peer.hpp"
#include "teleport/plugin/heartbeat.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// One `teleport serve` process registered on etcd.
struct ServerProcess {
  ServerProcess(const std::string& target, const std::string& log_path) : log(log_path) {
    pid = test::spawn(
        {TELEPORT_CLI, "serve", "--listen", "127.0.0.1:0", "--register", target, "--ttl", "2"},
        log);
  }
  ~ServerProcess() { test::kill_child(pid, SIGKILL); }
  // The bound port, once the process printed it (0 if it never did).
  int port() const {
    int found = 0;
    test::eventually([&] {
      std::ifstream in(log);
      const std::string text{std::istreambuf_iterator<char>(in), {}};
      const auto at = text.find("(port ");
      if (at == std::string::npos) return false;
      found = std::stoi(text.substr(at + 6));
      return true;
    });
    return found;
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port()); }

  std::string log;
  pid_t pid = -1;
};

std::optional<BackendState> state_of(const Channel& ch, const std::string& addr) {
  for (auto& b : ch.backends()) {
    if (b.backend.addr == addr) return b;
  }
  return std::nullopt;
}

// Calls in a loop until told to stop; counts failures and the longest call.
struct Caller {
  Caller(Channel& ch, bool idempotent) {
    thread = std::thread([&ch, idempotent, this] {
      while (!stop) {
        const auto start = Clock::now();
        auto r = ch.call<long long>("/math/add", std::vector<long long>{1, 2, 3},
                                    {.timeout = 2s, .idempotent = idempotent});
        longest_ms = std::max<long long>(longest_ms, ms_since(start));
        if (!r.ok()) {
          ++failed;
          last_failure = r.status.to_string();
        } else if (r.value != 6) {
          ++wrong;
        }
        ++calls;
      }
    });
  }
  void join() {
    stop = true;
    thread.join();
  }
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failed{0}, wrong{0};
  std::atomic<long long> longest_ms{0};
  std::string last_failure;
  std::thread thread;
};

TEST(EtcdKill, SigkilledBackendIsEjectedAndNoCallHangs) {
  test::EtcdCluster etcd;
  const std::string target = etcd.target("math");
  const std::string dir = ::testing::TempDir() + "teleport-kill-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < 3; ++i) {
    servers.push_back(
        std::make_unique<ServerProcess>(target, dir + "/server" + std::to_string(i) + ".log"));
    ASSERT_NE(servers.back()->port(), 0) << test::run_command("cat " + servers.back()->log);
  }

  Peer client;
  Channel ch(client, target);
  ASSERT_TRUE(ch.start().ok());
  ASSERT_TRUE(test::eventually([&] {
    int n = 0;
    for (const auto& b : ch.backends()) n += b.connected;
    return n == 3;
  }));
  Caller plain(ch, false), idempotent(ch, true);
  ASSERT_TRUE(test::eventually([&] { return plain.calls > 50 && idempotent.calls > 50; }));

  const std::string victim = servers[0]->addr();
  const auto killed_at = Clock::now();
  test::kill_child(servers[0]->pid, SIGKILL);
  ASSERT_TRUE(test::eventually([&] {
    auto s = state_of(ch, victim);
    return !s || !s->connected;
  }));
  const long long ejected_ms = ms_since(killed_at);
  // The key goes when its lease expires (TTL 2 s); the channel then forgets the backend.
  ASSERT_TRUE(test::eventually([&] { return !state_of(ch, victim); }, 10s));
  const long long forgotten_ms = ms_since(killed_at);

  // A new server: from its start to its first call.
  const auto started_at = Clock::now();
  servers.push_back(std::make_unique<ServerProcess>(target, dir + "/server3.log"));
  const std::string newcomer = servers.back()->addr();
  ASSERT_TRUE(test::eventually([&] {
    auto s = state_of(ch, newcomer);
    return s && s->calls > 0;
  }));
  const long long newcomer_ms = ms_since(started_at);
  const int before = plain.calls + idempotent.calls;
  ASSERT_TRUE(test::eventually([&] { return plain.calls + idempotent.calls > before + 100; }));
  plain.join();
  idempotent.join();

  std::printf(
      "SIGKILL to ejection: %lld ms; to the key's expiry: %lld ms; new server's start to its "
      "first call: %lld ms\ncalls: %d plain (%d failed%s%s), %d idempotent (%d failed); longest "
      "call %lld ms\n",
      ejected_ms, forgotten_ms, newcomer_ms, plain.calls.load(), plain.failed.load(),
      plain.failed ? ": " : "", plain.last_failure.c_str(), idempotent.calls.load(),
      idempotent.failed.load(), std::max(plain.longest_ms.load(), idempotent.longest_ms.load()));
  EXPECT_LT(ejected_ms, 1000);
  // Only a plain call already written to the victim may fail (one thread: at most one), always
  // with a status; an idempotent one is retried on another backend. No call hangs.
  EXPECT_LE(plain.failed, 1) << plain.last_failure;
  EXPECT_EQ(idempotent.failed, 0) << idempotent.last_failure;
  EXPECT_EQ(plain.wrong + idempotent.wrong, 0);
  EXPECT_LT(std::max(plain.longest_ms.load(), idempotent.longest_ms.load()), 2500);

  // The tool: any target, any balancer.
  const std::string call = std::string(TELEPORT_CLI) + " call '" + target + "' /math/add '[1,2,3]'";
  EXPECT_EQ(test::run_command(call), "6\n");
  EXPECT_EQ(test::run_command(call + " --balance hash:user --meta user=7"), "6\n");
  EXPECT_EQ(test::run_command(call + " --balance least"), "6\n");

  // SIGTERM: the server deregisters before its port closes.
  ::kill(servers[1]->pid, SIGTERM);
  int status = 0;
  ::waitpid(servers[1]->pid, &status, 0);
  servers[1]->pid = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(etcd.etcdctl("get --prefix /teleport/services/math/").find(servers[1]->addr()),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

// A backend frozen by SIGSTOP keeps its connections open: only the heartbeat (pinging with
// calls) shows it gone. Its lease lapses too; after SIGCONT it registers again and is back.
TEST(EtcdKill, FrozenBackendIsEjectedByHeartbeatAndComesBack) {
  test::EtcdCluster etcd;
  const std::string target = etcd.target("math");
  const std::string dir = ::testing::TempDir() + "teleport-stop-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  ServerProcess a(target, dir + "/a.log"), b(target, dir + "/b.log");
  ASSERT_NE(a.port(), 0);
  ASSERT_NE(b.port(), 0);
  Peer client({}, {std::make_shared<plugin::Heartbeat>(100ms, true, true)});
  Channel ch(client, target);
  ASSERT_TRUE(ch.start().ok());
  ASSERT_TRUE(test::eventually([&] {
    auto sa = state_of(ch, a.addr()), sb = state_of(ch, b.addr());
    return sa && sa->connected && sb && sb->connected;
  }));
  Caller idempotent(ch, true);
  ASSERT_TRUE(test::eventually([&] { return idempotent.calls > 50; }));

  const auto stopped_at = Clock::now();
  ::kill(a.pid, SIGSTOP);
  ASSERT_TRUE(test::eventually([&] {
    auto s = state_of(ch, a.addr());
    return !s || !s->connected;
  }));
  const long long ejected_ms = ms_since(stopped_at);
  ::kill(a.pid, SIGCONT);
  const auto continued_at = Clock::now();
  ASSERT_TRUE(test::eventually(
      [&] {
        auto s = state_of(ch, a.addr());
        return s && s->connected;
      },
      15s));
  const long long back_ms = ms_since(continued_at);
  idempotent.join();
  std::printf(
      "SIGSTOP to ejection (heartbeat 100 ms): %lld ms; SIGCONT to connected again: %lld "
      "ms; %d idempotent calls, %d failed, longest %lld ms\n",
      ejected_ms, back_ms, idempotent.calls.load(), idempotent.failed.load(),
      idempotent.longest_ms.load());
  EXPECT_LT(ejected_ms, 2000);
  EXPECT_EQ(idempotent.failed, 0) << idempotent.last_failure;
  std::filesystem::remove_all(dir);
}

TEST(EtcdKill, ToolRefusesBadRegistrations) {
  const std::string serve = std::string(TELEPORT_CLI) + " serve --listen 127.0.0.1:0 ";
  const std::string out =
      test::run_command(serve + "--register etcd://127.0.0.1:1 2>&1; echo rc=$?");
  EXPECT_NE(out.find("no /SERVICE"), std::string::npos) << out;
  EXPECT_NE(out.find("rc=1"), std::string::npos) << out;
  const std::string wildcard = test::run_command(
      std::string(TELEPORT_CLI) +
      " serve --listen 0.0.0.0:0 --register etcd://127.0.0.1:1/math 2>&1; echo rc=$?");
  EXPECT_NE(wildcard.find("--advertise"), std::string::npos) << wildcard;
  EXPECT_NE(wildcard.find("rc=1"), std::string::npos) << wildcard;
}

}  // namespace
}  // namespace tp
