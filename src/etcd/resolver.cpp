// The etcd resolver: lists a service's prefix, then watches it from the next revision; lists
// and watches again whenever the watch ends (member gone, etcd restarted, history compacted).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>

#include "etcd/etcd_client.hpp"
#include "teleport/etcd.hpp"
#include "teleport/logging.hpp"

namespace tp::etcd {
namespace {

class EtcdResolver final : public Resolver {
 public:
  EtcdResolver(std::string target, Target parsed)
      : target_(std::move(target)),
        prefix_(service_prefix(parsed.service)),
        client_(std::move(parsed.endpoints)),
        log_(default_logger()) {}
  ~EtcdResolver() override { stop(); }

  // Waits for the first listing: its outcome is start()'s (the background keeps trying).
  Status start(Update update) override {
    update_ = std::move(update);
    thread_ = std::thread([this] { run(); });
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return first_outcome_ || stopping_; });
    return first_status_;
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    client_.cancel();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::chrono::milliseconds backoff(100);
    bool unreachable_logged = false;
    while (!stopping()) {
      auto listing = client_.list(prefix_);
      if (!listing.ok()) {
        first(Status::from_code(code::kDialFailed,
                                "etcd unreachable (" + client_.endpoints_text() +
                                    "), retrying in the background: " + listing.status.cause()));
        if (!unreachable_logged) {
          log_->warn("resolver {}: {}; keeping the last list", target_, listing.status.cause());
          unreachable_logged = true;
        }
        wait(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
      if (unreachable_logged) log_->info("resolver {}: etcd reachable again", target_);
      unreachable_logged = false;
      backoff = std::chrono::milliseconds(100);
      keys_.clear();
      for (auto& kv : listing.value.kvs) apply({kv.key, kv.value, false});
      publish();
      first({});
      Status ended =
          client_.watch(prefix_, listing.value.revision + 1, [this](std::vector<Change> changes) {
            for (auto& c : changes) apply(c);
            publish();
          });
      if (stopping()) break;
      log_->info("resolver {}: watch ended ({}); listing again", target_, ended.cause());
      if (ended.code() != code::kNotFound) wait(std::chrono::milliseconds(100));
    }
    first(Status::from_code(code::kConnClosed, "resolver stopped"));
  }

  void apply(const Change& c) {
    if (c.deleted) {
      keys_.erase(c.key);
      return;
    }
    auto backend = decode_backend(c.value);
    if (!backend.ok()) {
      keys_.erase(c.key);
      if (warned_.insert(c.key).second) {
        log_->warn("resolver {}: skipping {}: {}", target_, c.key, backend.status.cause());
      }
      return;
    }
    keys_[c.key] = std::move(backend.value);
  }

  // Every backend once (a server restarted in place may briefly have two keys), by address.
  void publish() {
    std::map<std::string, Backend> by_addr;
    for (const auto& [key, b] : keys_) by_addr.try_emplace(b.addr, b);
    std::vector<Backend> list;
    for (auto& [addr, b] : by_addr) list.push_back(std::move(b));
    if (published_ && list == last_) return;
    published_ = true;
    last_ = list;
    update_(std::move(list));
  }

  void first(Status st) {
    std::lock_guard lock(mutex_);
    if (first_outcome_) return;
    first_outcome_ = true;
    first_status_ = std::move(st);
    cv_.notify_all();
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  void wait(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, d, [&] { return stopping_; });
  }

  const std::string target_;
  const std::string prefix_;
  EtcdClient client_;
  std::shared_ptr<spdlog::logger> log_;
  Update update_;
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool first_outcome_ = false;
  Status first_status_;

  // Touched by the resolver's thread only.
  std::map<std::string, Backend> keys_;
  std::set<std::string> warned_;
  std::vector<Backend> last_;
  bool published_ = false;
};

}  // namespace

Result<std::unique_ptr<Resolver>> make_resolver(std::string_view target) {
  auto parsed = parse_target(target);
  if (!parsed.ok()) return parsed.status;
  return std::unique_ptr<Resolver>(
      std::make_unique<EtcdResolver>(std::string(target), std::move(parsed.value)));
}

}  // namespace tp::etcd
