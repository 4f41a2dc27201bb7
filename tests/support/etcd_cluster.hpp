// Real etcd for tests: N members (Debian's etcd-server) on loopback with free ports and a
// temporary data folder, which a test can SIGKILL and start again. No etcd on the PATH fails the
// test: CI installs it.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "integration/shell.hpp"

namespace tp::test {

/// A loopback TCP port nobody uses now, below Linux's ephemeral range (32768 and up): the kernel
/// never hands it to another test's listen(":0") or outgoing connection while etcd is down.
inline int free_port() {
  static unsigned next = 10000 + (static_cast<unsigned>(::getpid()) * 7919u) % 20000u;
  for (int tries = 0; tries < 2000; ++tries) {
    const int port = 10000 + static_cast<int>(next++ % 22000u);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (bound) return port;
  }
  ADD_FAILURE() << "no free port below 32000";
  return 0;
}

/// Starts `argv` as a child process with stdout and stderr to `log`; its pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (FILE* f = std::fopen(log.c_str(), "a")) {
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
  return pid;
}

/// Kills a child with `sig` and reaps it.
inline void kill_child(pid_t& pid, int sig = SIGKILL) {
  if (pid <= 0) return;
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  pid = -1;
}

/// An etcd cluster of `size` members on loopback.
class EtcdCluster {
 public:
  explicit EtcdCluster(int size = 1, std::vector<int> client_ports = {}) {
    if (std::system("command -v etcd >/dev/null 2>&1") != 0) {
      ADD_FAILURE() << "etcd is not installed (apt-get install etcd-server): cluster tests need it";
      return;
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("teleport-etcd-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < size; ++i) {
      Member m;
      m.name = "m" + std::to_string(i);
      m.client_port = i < int(client_ports.size()) ? client_ports[i] : free_port();
      m.peer_port = free_port();
      members_.push_back(m);
    }
    for (std::size_t i = 0; i < members_.size(); ++i) start(i);
    for (std::size_t i = 0; i < members_.size(); ++i) EXPECT_TRUE(wait_healthy(i)) << log(i);
  }
  ~EtcdCluster() {
    for (auto& m : members_) kill_child(m.pid);
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  /// "127.0.0.1:PORT" of member i.
  std::string endpoint(std::size_t i) const {
    return "127.0.0.1:" + std::to_string(members_[i].client_port);
  }
  /// Every member's endpoint, joined with ','.
  std::string endpoints() const {
    std::string out;
    for (std::size_t i = 0; i < members_.size(); ++i) out += (i ? "," : "") + endpoint(i);
    return out;
  }
  /// `etcd://ENDPOINTS/service`.
  std::string target(const std::string& service) const {
    return "etcd://" + endpoints() + "/" + service;
  }

  /// SIGKILLs member i.
  void kill(std::size_t i) { kill_child(members_[i].pid); }
  /// Starts member i again on its data (after kill()); waits until it is healthy.
  bool restart(std::size_t i) {
    start(i);
    return wait_healthy(i);
  }

  /// Runs etcdctl against the cluster; what it printed.
  std::string etcdctl(const std::string& args) const {
    return run_command("ETCDCTL_API=3 etcdctl --endpoints=" + endpoints() + " " + args + " 2>&1");
  }

  /// The log of member i (for failure messages).
  std::string log(std::size_t i) const {
    return run_command("tail -n 20 " + (dir_ / (members_[i].name + ".log")).string());
  }

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    pid_t pid = -1;
  };

  static int& counter() {
    static int n = 0;
    return n;
  }

  void start(std::size_t i) {
    std::string cluster;
    for (const auto& m : members_) {
      cluster += (cluster.empty() ? "" : ",") + m.name +
                 "=http://127.0.0.1:" + std::to_string(m.peer_port);
    }
    const Member& m = members_[i];
    const std::string client = "http://127.0.0.1:" + std::to_string(m.client_port);
    const std::string peer = "http://127.0.0.1:" + std::to_string(m.peer_port);
    members_[i].pid = spawn(
        {"etcd", "--name", m.name, "--data-dir", (dir_ / m.name).string(), "--listen-client-urls",
         client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
         "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
         "--initial-cluster-state", "new", "--initial-cluster-token", dir_.filename().string(),
         // Fast elections: a killed member's place is taken within a second.
         "--heartbeat-interval", "50", "--election-timeout", "500"},
        (dir_ / (m.name + ".log")).string());
  }

  bool wait_healthy(std::size_t i) const {
    const std::string cmd = "curl -s -m 1 http://" + endpoint(i) + "/health";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (run_command(cmd).find("\"health\":\"true\"") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::filesystem::path dir_;
  std::vector<Member> members_;
};

}  // namespace tp::test
