#include "teleport/plugin/overloader.hpp"

#include <fmt/format.h>

#include "teleport/context.hpp"
#include "teleport/session.hpp"

namespace tp::plugin {
namespace {
// Session swap key marking a session that holds one connection count.
constexpr const char* kCountedKey = "tp.overloader.counted";
}  // namespace

// A fixed window: at most `limit` takes per `interval`, the count restarting with each window.
class Overloader::QpsWindow {
 public:
  QpsWindow(std::int32_t limit, std::chrono::milliseconds interval)
      : limit_(limit), interval_(interval) {}
  bool take(std::chrono::steady_clock::time_point now) {
    if (now - window_start_ >= interval_) {
      window_start_ = now;
      taken_ = 0;
    }
    if (taken_ >= limit_) return false;
    ++taken_;
    return true;
  }
  [[nodiscard]] std::int32_t limit() const { return limit_; }

 private:
  std::int32_t limit_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point window_start_{};
  std::int32_t taken_ = 0;
};

Overloader::Overloader(OverloadLimits limits) { update(std::move(limits)); }
Overloader::~Overloader() = default;

void Overloader::update(OverloadLimits limits) {
  std::lock_guard lock(mutex_);
  limits_ = std::move(limits);
  total_.reset();
  if (limits_.max_total_qps > 0) {
    total_ = std::make_unique<QpsWindow>(limits_.max_total_qps, limits_.qps_interval);
  }
  routes_.clear();
  for (const auto& [path, limit] : limits_.max_route_qps) {
    if (limit > 0) routes_[path] = std::make_unique<QpsWindow>(limit, limits_.qps_interval);
  }
}

std::int32_t Overloader::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

Status Overloader::take_connection(Session& session) {
  {
    std::lock_guard lock(mutex_);
    if (limits_.max_connections > 0 && connections_ >= limits_.max_connections) {
      return Status(code::kInternalServerError, fmt::format("connection overload, limit={}, now={}",
                                                            limits_.max_connections, connections_));
    }
    ++connections_;
  }
  session.swap().set(kCountedKey, true);
  return {};
}

Status Overloader::post_dial(Session& session, bool redialed) {
  return redialed ? Status() : take_connection(session);
}

Status Overloader::post_accept(Session& session) { return take_connection(session); }

Status Overloader::post_disconnect(Session& session) {
  if (!session.swap().erase(kCountedKey)) return {};
  std::lock_guard lock(mutex_);
  --connections_;
  return {};
}

Status Overloader::take_qps(const std::string& path) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (total_ && !total_->take(now)) {
    return Status(code::kInternalServerError,
                  fmt::format("qps overload, total_limit={}", total_->limit()));
  }
  if (auto it = routes_.find(path); it != routes_.end() && !it->second->take(now)) {
    return Status(code::kInternalServerError,
                  fmt::format("qps overload, handler_limit={}", it->second->limit()));
  }
  return {};
}

Status Overloader::post_read_call_header(Ctx& ctx) { return take_qps(ctx.path()); }
Status Overloader::post_read_push_header(Ctx& ctx) { return take_qps(ctx.path()); }

}  // namespace tp::plugin
