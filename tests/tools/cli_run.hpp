// Running the `teleport` tool as a user does: through the shell, with stdin, exit code, stdout
// and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace tp::test {

/// What one run of the tool gave.
struct CliRun {
  int exit_code = -1;
  std::string out;
};

// The stdin file of run(); per process, since CTest runs tests in parallel.
inline std::string input_path() {
  return ::testing::TempDir() + "teleport_cli_in_" + std::to_string(::getpid());
}

// Runs `cmd` through the shell, feeding `input` on stdin; returns exit code and stdout.
inline CliRun run(const std::string& cmd, const std::string& input = "") {
  const std::string in_path = input_path();
  std::ofstream(in_path, std::ios::binary) << input;
  CliRun r;
  FILE* p = ::popen((cmd + " < " + in_path + " 2>" + in_path + ".err").c_str(), "r");
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
    r.out.append(buf.data(), n);
  r.exit_code = WEXITSTATUS(::pclose(p));
  return r;
}

inline std::string stderr_of_last_run() {
  std::ifstream in(input_path() + ".err");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The tool under test.
inline const std::string kCli = TELEPORT_CLI;

/// `teleport serve` in the background on a port the kernel picks (fixed ports collide with other
/// tests and with ephemeral ports), stopped at the end. Reads the ports from what serve prints.
class BackgroundServe {
 public:
  /// Starts `command` (serve, or "geminio serve") with `extra` flags (e.g. "--v5", "--admin
  /// 127.0.0.1:0"); `n` tells two apart.
  explicit BackgroundServe(const std::string& extra = "", int n = 0,
                           const std::string& command = "serve") {
    const std::string base =
        ::testing::TempDir() + "serve-" + std::to_string(::getpid()) + "-" + std::to_string(n);
    pid_file_ = base + ".pid";
    out_file_ = base + ".out";
    const std::string& out_file = out_file_;
    (void)std::system((kCli + " " + command + " --listen 127.0.0.1:0 " + extra + " > " + out_file +
                       " 2>&1 & echo $! > " + pid_file_)
                          .c_str());
    for (int i = 0; i < 200 && (port_.empty() || (wants_admin(extra) && admin_port_.empty()));
         ++i) {
      ::usleep(25 * 1000);
      std::ifstream in(out_file);
      const std::string out{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      port_ = number_after(out, "(port ", ')');
      admin_port_ = number_after(out, "metrics at http://", '/');
    }
    EXPECT_FALSE(port_.empty()) << "teleport serve " << extra << " did not start";
  }
  /// Waits until it has gone.
  ~BackgroundServe() {
    (void)std::system(("pid=$(cat " + pid_file_ +
                       "); kill -INT $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done")
                          .c_str());
  }
  BackgroundServe(const BackgroundServe&) = delete;
  BackgroundServe& operator=(const BackgroundServe&) = delete;

  /// "127.0.0.1:PORT" of the peer.
  std::string addr() const { return "127.0.0.1:" + port_; }
  /// "127.0.0.1:PORT" of its admin endpoint (with --admin).
  std::string admin_addr() const { return "127.0.0.1:" + admin_port_; }
  /// What it has printed so far (stdout and stderr).
  std::string output() const {
    std::ifstream in(out_file_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  static bool wants_admin(const std::string& extra) {
    return extra.find("--admin") != std::string::npos;
  }
  // The port after `marker` up to `end` ("metrics at http://127.0.0.1:PORT/" gives PORT).
  static std::string number_after(const std::string& out, const std::string& marker, char end) {
    const auto at = out.find(marker);
    if (at == std::string::npos) return "";
    const auto stop = out.find(end, at + marker.size());
    if (stop == std::string::npos) return "";
    std::string field = out.substr(at + marker.size(), stop - at - marker.size());
    if (const auto colon = field.rfind(':'); colon != std::string::npos) field.erase(0, colon + 1);
    return field;
  }

  std::string pid_file_;
  std::string out_file_;
  std::string port_;
  std::string admin_port_;
};

}  // namespace tp::test
