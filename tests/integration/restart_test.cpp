// Graceful restart: SIGUSR2 starts a new copy of the server that inherits the listening socket;
// the old one drains and exits. Clients calling in a loop and dialing anew see no failure.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "support/eventually.hpp"
#include "teleport/peer.hpp"

extern char** environ;

namespace tp {
namespace {

// The "listening <port> <pid>" lines the server (and its restarted copy) printed so far.
std::vector<std::pair<int, int>> listening_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::pair<int, int>> lines;
  std::string word;
  int port = 0;
  int pid = 0;
  while (in >> word >> port >> pid) {
    if (word == "listening") lines.emplace_back(port, pid);
  }
  return lines;
}

TEST(GracefulRestart, CallsAndNewConnectionsSeeNoFailureAcrossTheRestart) {
  const std::string out =
      testing::TempDir() + "restart_server_" + std::to_string(getpid()) + ".out";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string exe = TELEPORT_RESTART_SERVER;
  std::string addr = "127.0.0.1:0";
  char* argv[] = {exe.data(), addr.data(), nullptr};
  pid_t parent = -1;
  ASSERT_EQ(posix_spawn(&parent, exe.c_str(), &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_TRUE(
      test::eventually([&] { return !listening_lines(out).empty(); }, std::chrono::seconds(10)));
  const int port = listening_lines(out).front().first;
  const std::string target = "127.0.0.1:" + std::to_string(port);

  // One long-lived session calling in a loop (it redials when the old server lets it go) ...
  Peer client({.redial_times = -1, .redial_interval = std::chrono::milliseconds(10)});
  auto [session, st] = client.dial(target);
  ASSERT_TRUE(st.ok()) << st.to_string();
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::vector<std::string> failures;
  std::mutex seen_mutex;
  std::set<int> pids_seen;
  std::thread caller([&] {
    while (!stop) {
      int pid = 0;
      Status cs = session->call<int>("/whoami", 0).into(pid);
      std::lock_guard lock(seen_mutex);
      if (cs.ok()) {
        pids_seen.insert(pid);
        ++calls;
      } else {
        failures.push_back("call: " + cs.to_string());
      }
    }
  });
  // ... and fresh connections dialed one after another (with redial, as a client that must not
  // fail sets it: one accepted by the old server just before it stopped is let go and redials).
  std::atomic<int> dials{0};
  std::thread dialer([&] {
    Peer fresh({.redial_times = 3, .redial_interval = std::chrono::milliseconds(10)});
    while (!stop) {
      auto [s, ds] = fresh.dial(target);
      int pid = 0;
      if (ds.ok()) ds = s->call<int>("/whoami", 0).into(pid);
      std::lock_guard lock(seen_mutex);
      if (!ds.ok()) failures.push_back("dial+call: " + ds.to_string());
      if (s) s->close();
      ++dials;
    }
  });

  ASSERT_TRUE(test::eventually([&] { return calls > 50; }, std::chrono::seconds(10)));
  ASSERT_EQ(kill(parent, SIGUSR2), 0);
  ASSERT_TRUE(
      test::eventually([&] { return listening_lines(out).size() == 2; }, std::chrono::seconds(10)));
  const auto [child_port, child] = listening_lines(out).back();
  EXPECT_EQ(child_port, port);  // the same socket, inherited
  // The old server drains and exits on its own.
  int status = 0;
  ASSERT_TRUE(test::eventually([&] { return waitpid(parent, &status, WNOHANG) == parent; },
                               std::chrono::seconds(10)));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_TRUE(test::eventually(
      [&] {
        std::lock_guard lock(seen_mutex);
        return pids_seen.contains(child);
      },
      std::chrono::seconds(10)));
  const int calls_after = calls + 50;
  ASSERT_TRUE(test::eventually([&] { return calls > calls_after; }, std::chrono::seconds(10)));
  stop = true;
  caller.join();
  dialer.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, first: " << failures.front();
  EXPECT_TRUE(pids_seen.contains(parent));
  EXPECT_GT(dials.load(), 10);

  kill(child, SIGTERM);
  EXPECT_TRUE(test::eventually([&] { return kill(child, 0) != 0; }, std::chrono::seconds(10)));
  std::remove(out.c_str());
}

}  // namespace
}  // namespace tp
