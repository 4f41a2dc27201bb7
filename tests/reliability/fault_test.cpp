// Faults: the server killed (-9) and restarted under load, at-least-once Geminio messages across
// server restarts over connections that write in small pieces, and running out of descriptors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "geminio/survive_restarts.hpp"
#include "integration/math_peer.hpp"
#include "reliability/hostile.hpp"
#include "support/eventually.hpp"

extern char** environ;

namespace tp::test {
namespace {

// Starts the test server (/whoami) on `addr`; returns its pid once it prints "listening".
pid_t start_server(const std::string& addr, const std::string& out, int& port) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string exe = TELEPORT_RESTART_SERVER;
  std::string arg = addr;
  char* argv[] = {exe.data(), arg.data(), nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, environ) != 0) return -1;
  posix_spawn_file_actions_destroy(&actions);
  const bool listening = test::eventually(
      [&] {
        std::ifstream in(out);
        std::string word;
        int printed_pid = 0;
        return in >> word >> port >> printed_pid && word == "listening";
      },
      20s);
  if (listening) return pid;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

TEST(Faults, KillNineAndRestartUnderLoadEndsEveryCallInTime) {
  const std::string out = testing::TempDir() + "kill_server_" + std::to_string(getpid()) + ".out";
  int port = 0;
  pid_t server = start_server("127.0.0.1:0", out, port);
  ASSERT_GT(server, 0);
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  constexpr auto kTimeout = 1s;
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::atomic<int> failed{0};
  std::atomic<int> late{0};
  std::atomic<long> max_ms{0};
  Peer client({.redial_times = -1, .redial_interval = std::chrono::milliseconds(20)});
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      auto [session, st] = client.dial(addr);
      if (!st.ok()) {
        ++failed;
        return;
      }
      while (!stop) {
        const auto start = std::chrono::steady_clock::now();
        int pid = 0;
        const Status cs = session->call<int>("/whoami", 1, {.timeout = kTimeout}).into(pid);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
        cs.ok() ? ++answered : ++failed;
        if (ms > std::chrono::milliseconds(kTimeout).count() + 1000) ++late;
        for (long seen = max_ms; ms > seen && !max_ms.compare_exchange_weak(seen, ms);) {
        }
        if (!cs.ok()) std::this_thread::sleep_for(5ms);
      }
    });
  }
  for (int kill = 0; kill < 3; ++kill) {
    std::this_thread::sleep_for(700ms);
    ::kill(server, SIGKILL);
    ::waitpid(server, nullptr, 0);
    server = start_server(addr, out, port);
    ASSERT_GT(server, 0);
  }
  const int before_last = answered;
  std::this_thread::sleep_for(1s);
  stop = true;
  for (auto& t : callers) t.join();
  ::kill(server, SIGKILL);
  ::waitpid(server, nullptr, 0);
  std::filesystem::remove(out);
  figure("kill-restart", "4 redialing callers, server killed (-9) and restarted 3 times: " +
                             std::to_string(answered.load()) + " replies, " +
                             std::to_string(failed.load()) + " statuses, " +
                             std::to_string(late.load()) + " late, slowest call " +
                             std::to_string(max_ms.load()) + " ms (timeout 1000 ms)");
  EXPECT_EQ(late.load(), 0);                // none hung
  EXPECT_GT(answered.load(), before_last);  // calls go on after the last restart
}

TEST(Faults, AtLeastOnceMessagesSurviveServerRestartsOverPartialWrites) {
  // The client's tiny send buffer makes its frames leave in pieces, so each restart cuts one.
  std::map<std::uint64_t, int> deliveries;
  const geminio::teleport::RestartOutcome o = geminio::teleport::survive_restarts(
      {.delivery = geminio::teleport::Delivery::kAtLeastOnce,
       .count = 20000,
       .client = {.redial_times = -1,
                  .redial_interval = std::chrono::milliseconds(10),
                  .write_buffer_size = 4096},
       .padding = 700},
      deliveries);
  figure("at-least-once",
         "20000 messages across 2 server restarts, 4 KiB client send buffer: "
         "acked " +
             std::to_string(o.acked) + ", failed " + std::to_string(o.failed) + ", delivered " +
             std::to_string(deliveries.size()) + " distinct");
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

double cpu_seconds() {
  rusage use{};
  ::getrusage(RUSAGE_SELF, &use);
  return static_cast<double>(use.ru_utime.tv_sec + use.ru_stime.tv_sec) +
         static_cast<double>(use.ru_utime.tv_usec + use.ru_stime.tv_usec) / 1e6;
}

TEST(Faults, OutOfDescriptorsAcceptBacksOffAndRecovers) {
  MathServer srv({.listen_address = "127.0.0.1:0", .io_threads = 1});
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit low = original;
  low.rlim_cur = open_descriptors() + 40;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  // Connect until this process runs out: the server cannot accept the last ones (EMFILE).
  std::vector<int> fds;
  for (int fd; (fd = connect_raw(srv.peer.listen_port())) >= 0;) fds.push_back(fd);
  std::this_thread::sleep_for(300ms);
  const double cpu_before = cpu_seconds();
  std::this_thread::sleep_for(2s);
  const double busy = (cpu_seconds() - cpu_before) / 2.0;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &original), 0);
  // Descriptors are back: the waiting connections are accepted and served.
  const std::string call = raw_call(1, "/math/add", "", "[1,2,3]");
  const int last = fds.back();
  ASSERT_TRUE(send_all(last, call));
  char head[4];
  pollfd p{last, POLLIN, 0};
  const bool answered = ::poll(&p, 1, 5000) == 1 && ::recv(last, head, 4, MSG_WAITALL) == 4;
  figure("emfile", std::to_string(fds.size()) +
                       " connections at the descriptor limit: the process used " +
                       std::to_string(static_cast<int>(busy * 100)) +
                       " % of a core while accept failed; after descriptors came back the last "
                       "connection was " +
                       (answered ? "served" : "not served"));
  close_all(fds);
  EXPECT_LT(busy, 0.2);
  EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace tp::test
