#include "peer/restart.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

extern char** environ;

namespace tp::detail {
namespace {

std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string current;
  for (char c : all) {
    if (c == '\0') {
      args.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  return args;
}

// The path of the running executable; if it was replaced on disk (an upgrade), the new file.
std::string own_executable() {
  std::error_code ec;
  std::string path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.ends_with(kDeleted)) path.resize(path.size() - kDeleted.size());
  return path;
}

// Marks every descriptor except 0-2 and `keep` close-on-exec, `keep` inheritable.
void prepare_descriptors(const std::vector<std::pair<std::string, int>>& keep) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    if (fd <= 2) continue;
    const int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  for (const auto& [key, fd] : keep) {
    const int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
}

}  // namespace

std::string listener_key(const std::string& network, const std::string& address) {
  return network + ":" + address;
}

std::optional<int> inherited_listener(const std::string& key) {
  const char* value = std::getenv(kListenerFdsEnv);
  if (!value) return std::nullopt;
  std::istringstream lines(value);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.rfind('=');
    if (eq == std::string::npos || line.compare(0, eq, key) != 0 || eq != key.size()) continue;
    const int fd = std::atoi(line.c_str() + eq + 1);
    if (fd > 2 && fcntl(fd, F_GETFD) >= 0) return fd;
  }
  return std::nullopt;
}

std::pair<int, Status> spawn_self(const std::vector<std::pair<std::string, int>>& listeners) {
  const std::string exe = own_executable();
  std::vector<std::string> args = own_arguments();
  if (exe.empty() || args.empty()) {
    return {-1, Status::from_code(code::kInternalServerError, "restart: cannot read /proc/self")};
  }
  std::string fds = std::string(kListenerFdsEnv) + "=";
  for (const auto& [key, fd] : listeners) fds += key + "=" + std::to_string(fd) + "\n";
  std::vector<std::string> env_storage{fds};
  for (char** e = environ; *e; ++e) {
    if (!std::string_view(*e).starts_with(std::string(kListenerFdsEnv) + "="))
      env_storage.emplace_back(*e);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  prepare_descriptors(listeners);
  pid_t pid = -1;
  const int err = posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (err != 0) {
    return {-1, Status::from_code(code::kInternalServerError,
                                  "restart: cannot start " + exe + ": " + std::strerror(err))};
  }
  return {pid, {}};
}

}  // namespace tp::detail
