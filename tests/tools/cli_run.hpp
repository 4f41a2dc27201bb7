// Running the `teleport` tool as a user does: through the shell, with stdin, exit code, stdout
// and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
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

}  // namespace tp::test
