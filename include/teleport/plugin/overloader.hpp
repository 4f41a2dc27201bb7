// The overloader plugin (eRPC's plugin/overloader): a connection limit and QPS limits, per peer
// and per route. Over a limit, a call is answered at once with a clear status instead of being
// queued; a connection is closed as soon as it is accepted (or dialed).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "teleport/plugin.hpp"

namespace tp::plugin {

/// The limits; 0 means "no limit".
struct OverloadLimits {
  std::int32_t max_connections = 0;              ///< live sessions of the peer
  std::chrono::milliseconds qps_interval{1000};  ///< the window the QPS limits count in
  std::int32_t max_total_qps = 0;                ///< calls + pushes per window, all routes
  std::map<std::string, std::int32_t, std::less<>> max_route_qps{};  ///< path → calls per window
};

/// Enforces OverloadLimits. Thread-safe; limits can be changed while serving.
class Overloader final : public Plugin {
 public:
  /// Starts with `limits`.
  explicit Overloader(OverloadLimits limits);
  ~Overloader() override;
  std::string_view name() const override { return "overloader"; }
  /// Replaces the limits (counts already taken are kept).
  void update(OverloadLimits limits);
  /// The number of sessions counted against max_connections.
  [[nodiscard]] std::int32_t connections() const;

  /// Counts a dialed session (not a redial); over the limit the session is closed.
  Status post_dial(Session& session, bool redialed) override;
  /// Counts an accepted session; over the limit it is closed.
  Status post_accept(Session& session) override;
  /// Releases the session's count.
  Status post_disconnect(Session& session) override;
  /// Takes one from the total and the route's QPS budget, or answers 500 "qps overload ...".
  Status post_read_call_header(Ctx& ctx) override;
  /// The same for pushes (an over-limit push is dropped).
  Status post_read_push_header(Ctx& ctx) override;

 private:
  class QpsWindow;
  Status take_connection(Session& session);
  Status take_qps(const std::string& path);

  mutable std::mutex mutex_;
  OverloadLimits limits_;
  std::int32_t connections_ = 0;
  std::unique_ptr<QpsWindow> total_;
  std::map<std::string, std::unique_ptr<QpsWindow>, std::less<>> routes_;
};

}  // namespace tp::plugin
