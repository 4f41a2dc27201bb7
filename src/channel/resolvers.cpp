// The built-in resolvers: list:// (a fixed list) and file:// (a file re-read when it changes),
// and the registry of schemes.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "support/logger.hpp"
#include "teleport/channel.hpp"

namespace tp {
namespace {

// Splits `text` at `sep`, trimming blanks and dropping empty items.
std::vector<std::string> split_addresses(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto end = text.find(sep);
    std::string_view item = text.substr(0, end);
    const auto first = item.find_first_not_of(" \t\r");
    const auto last = item.find_last_not_of(" \t\r");
    if (first != std::string_view::npos) out.emplace_back(item.substr(first, last - first + 1));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::vector<Backend> backends_of(const std::vector<std::string>& addrs) {
  std::vector<Backend> out;
  for (const auto& a : addrs) out.push_back({.addr = a});
  std::sort(out.begin(), out.end(),
            [](const Backend& x, const Backend& y) { return x.addr < y.addr; });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

class ListResolver final : public Resolver {
 public:
  explicit ListResolver(std::vector<Backend> backends) : backends_(std::move(backends)) {}
  Status start(Update update) override {
    update(backends_);
    return {};
  }
  void stop() override {}

 private:
  std::vector<Backend> backends_;
};

// Re-reads its file when its modification time or size changes (checked every `period`).
class FileResolver final : public Resolver {
 public:
  explicit FileResolver(std::filesystem::path path) : path_(std::move(path)) {}
  ~FileResolver() override { stop(); }

  Status start(Update update) override {
    auto first = read();
    if (!first.ok()) return first.status;
    update_ = std::move(update);
    last_ = first.value;
    update_(last_);
    stamp_ = stamp();
    watcher_ = std::thread([this] { watch(); });
    return {};
  }
  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (watcher_.joinable() && watcher_.get_id() != std::this_thread::get_id()) watcher_.join();
  }

 private:
  using Stamp = std::pair<std::filesystem::file_time_type, std::uintmax_t>;

  Stamp stamp() const {
    std::error_code ec;
    auto time = std::filesystem::last_write_time(path_, ec);
    auto size = std::filesystem::file_size(path_, ec);
    return {time, ec ? 0 : size};
  }

  Result<std::vector<Backend>> read() const {
    std::ifstream in(path_);
    if (!in) return Status::from_code(code::kDialFailed, "cannot read " + path_.string());
    std::vector<std::string> addrs;
    for (std::string line; std::getline(in, line);) {
      if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      for (auto& a : split_addresses(line, ',')) addrs.push_back(std::move(a));
    }
    return backends_of(addrs);
  }

  void watch() {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; })) {
      const Stamp now = stamp();
      if (now == stamp_) continue;
      stamp_ = now;
      auto next = read();
      if (!next.ok()) {
        detail::teleport_logger()->warn("resolver {}: {}; keeping the last list", path_.string(),
                                        next.status.to_string());
        continue;
      }
      if (next.value == last_) continue;
      last_ = next.value;
      update_(last_);
    }
  }

  std::filesystem::path path_;
  Update update_;
  std::vector<Backend> last_;
  Stamp stamp_{};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread watcher_;
};

struct Registry {
  std::mutex mutex;
  std::map<std::string, ResolverFactory, std::less<>> schemes;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

Status register_resolver(std::string scheme, ResolverFactory factory) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (scheme == "list" || scheme == "file" || r.schemes.contains(scheme)) {
    return Status::from_code(code::kInvalidOp,
                             "resolver scheme " + scheme + " is already registered");
  }
  r.schemes.emplace(std::move(scheme), std::move(factory));
  return {};
}

Result<std::unique_ptr<Resolver>> make_resolver(const std::string& target) {
  const auto colon = target.find("://");
  if (colon == std::string::npos) {
    if (target.empty()) return Status::from_code(code::kInvalidOp, "empty target");
    return std::unique_ptr<Resolver>(std::make_unique<ListResolver>(backends_of({target})));
  }
  const std::string scheme = target.substr(0, colon);
  const std::string rest = target.substr(colon + 3);
  if (scheme == "list") {
    auto addrs = split_addresses(rest, ',');
    if (addrs.empty()) return Status::from_code(code::kInvalidOp, "list:// names no address");
    return std::unique_ptr<Resolver>(std::make_unique<ListResolver>(backends_of(addrs)));
  }
  if (scheme == "file") {
    if (rest.empty() || rest.front() != '/') {
      return Status::from_code(code::kInvalidOp,
                               "file:// needs an absolute path: file:///etc/x.list");
    }
    return std::unique_ptr<Resolver>(std::make_unique<FileResolver>(rest));
  }
  ResolverFactory factory;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.schemes.find(scheme); it != r.schemes.end()) factory = it->second;
  }
  if (!factory) {
    return Status::from_code(code::kInvalidOp, "unknown target scheme " + scheme +
                                                   ":// (list, file, or a registered one)");
  }
  return factory(target);
}

}  // namespace tp
