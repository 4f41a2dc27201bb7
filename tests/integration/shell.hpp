// Runs a shell command and returns what it printed (for tests that drive curl).
#pragma once

#include <array>
#include <cstdio>
#include <string>

namespace tp::test {

/// The standard output of `cmd` run by /bin/sh.
inline std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
    out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

}  // namespace tp::test
