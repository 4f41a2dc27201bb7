// A server peer with the seeds' routes, listening on an ephemeral loopback port.
#pragma once

#include <atomic>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.hpp"
#include "teleport/peer.hpp"

namespace tp::test {

struct MathServer {
  Peer peer;
  std::atomic<int> pushes{0};
  /// The `author` query of the last /math/add call (the handler runs on an I/O thread).
  std::string last_author() const {
    std::lock_guard lock(mutex_);
    return last_author_;
  }

  explicit MathServer(PeerConfig cfg = {.listen_address = "127.0.0.1:0"}, Plugins plugins = {})
      : peer(std::move(cfg), std::move(plugins)) {
    auto must = [](const Status& st) {
      if (!st.ok()) throw std::runtime_error(st.to_string());
    };
    must(peer.route_call_func("/math/add",
                              [this](Ctx& ctx, const std::vector<int>& xs) -> Result<int> {
                                if (xs.empty())
                                  return Status(1001, "empty list", "need at least one number");
                                if (auto author = ctx.query_param("author")) {
                                  std::lock_guard lock(mutex_);
                                  last_author_ = *author;
                                }
                                return std::accumulate(xs.begin(), xs.end(), 0);
                              }));
    must(peer.route_call_func(
        "/math/throw", [](Ctx&, const int&) -> Result<int> { throw std::runtime_error("boom"); }));
    must(peer.route_call_func("/echo/bytes",
                              [](Ctx&, const Bytes& b) -> Result<Bytes> { return b; }));
    must(peer.route_push_func("/chat/say", [this](Ctx&, const std::string&) { ++pushes; }));
    if (peer.config().listen_address.empty()) return;
    must(peer.listen());
  }
  mutable std::mutex mutex_;
  std::string last_author_;

  std::string addr() const { return "127.0.0.1:" + std::to_string(peer.listen_port()); }
};

/// The first session of `peer`, waiting up to 5 s for an accepted connection to be registered.
inline std::shared_ptr<Session> first_session(const Peer& peer) {
  std::shared_ptr<Session> found;
  (void)eventually(
      [&] {
        peer.range_sessions([&](const auto& s) {
          found = s;
          return false;
        });
        return found != nullptr;
      },
      std::chrono::seconds(5));
  return found;
}

}  // namespace tp::test
