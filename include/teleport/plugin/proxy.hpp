// The proxy plugin (eRPC's plugin/proxy): calls and pushes to routes this peer does not have are
// forwarded to another peer's session chosen by a function of the service method, with their
// meta, real IP, codec and transfer pipe; the reply (status, meta and body) comes back as is.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "teleport/plugin.hpp"

namespace tp::plugin {

/// What the forwarder chooses by.
struct ProxyLabel {
  std::string session_id{};      ///< the incoming session's id
  std::string real_ip{};         ///< the original client's IP (X-Real-IP, else the remote host)
  std::string service_method{};  ///< the full service method, query included
};

/// A gateway: installs unknown-call and unknown-push handlers that forward.
class Proxy final : public Plugin {
 public:
  /// The session to forward to, or null (the call is answered 404 Not Found).
  using Forwarder = std::function<std::shared_ptr<Session>(const ProxyLabel&)>;
  /// Forwards through `forwarder`.
  explicit Proxy(Forwarder forwarder) : forwarder_(std::move(forwarder)) {}
  std::string_view name() const override { return "proxy"; }
  /// Installs the handlers on the new peer's router.
  Status post_new_peer(Peer& peer) override;

 private:
  Forwarder forwarder_;
};

}  // namespace tp::plugin
