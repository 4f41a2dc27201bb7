// AdminServer: the admin HTTP endpoint of a peer (GET /metrics in Prometheus' text format, the
// /debug page, /debug/*.json for tools) on a thread of its own, so that a slow or hostile reader
// never holds up the I/O threads that serve calls. Requests are small GETs: anything else is
// refused, and a connection gets a few seconds to send its request and take the answer.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "metrics/admin_source.hpp"
#include "teleport/status.hpp"

namespace tp::detail {

class AdminServer {
 public:
  /// Listens on `address` ("127.0.0.1:9100"; ":9100" means loopback, not every interface) and
  /// answers from `source`, which it samples once a second for the /debug charts.
  static Result<std::unique_ptr<AdminServer>> start(const std::string& address, AdminSource source);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// The bound port.
  [[nodiscard]] std::uint16_t port() const;

  struct Impl;

 private:
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp::detail
