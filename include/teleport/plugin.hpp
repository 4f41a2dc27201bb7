// Plugins: code run at each of eRPC's 24 hook points. A hook returning a non-OK status aborts
// that step with it. Every hook has a default that does nothing.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "teleport/message.hpp"
#include "teleport/status.hpp"

namespace tp {

class Ctx;
class Peer;
class Session;
struct PeerConfig;

/// A plugin. Hooks run on the thread doing the step (I/O threads for session hooks).
class Plugin {
 public:
  virtual ~Plugin() = default;
  /// A name for logs.
  [[nodiscard]] virtual std::string_view name() const = 0;

  /// Before the peer starts; may change its config. Failure: listen() and dial() return it.
  virtual Status pre_new_peer(PeerConfig&) { return {}; }
  /// After the peer is built.
  virtual Status post_new_peer(Peer&) { return {}; }
  /// After a route is registered; failure unregisters it.
  virtual Status post_reg(std::string_view /*service_method*/, MsgType /*kCall or kPush*/) {
    return {};
  }
  /// After the peer listens on `addr`.
  virtual Status post_listen(std::string_view /*addr*/) { return {}; }
  /// Before dialing `addr`; failure: the dial fails with it.
  virtual Status pre_dial(std::string_view /*addr*/) { return {}; }
  /// After a dial (or redial) connects; failure closes the session (a redial tries again).
  virtual Status post_dial(Session&, bool /*redialed*/) { return {}; }
  /// After a connection is accepted; failure closes it.
  virtual Status post_accept(Session&) { return {}; }

  /// Before a CALL is written; failure: the call fails with it.
  virtual Status pre_write_call(Session&, Message&) { return {}; }
  /// After a CALL is queued for writing.
  virtual Status post_write_call(Session&, const Message&) { return {}; }
  /// Before a REPLY is written; failure: the reply carries that status instead.
  virtual Status pre_write_reply(Session&, Message&) { return {}; }
  /// After a REPLY is queued for writing.
  virtual Status post_write_reply(Session&, const Message&) { return {}; }
  /// Before a PUSH is written; failure: the push is not sent.
  virtual Status pre_write_push(Session&, Message&) { return {}; }
  /// After a PUSH is queued for writing.
  virtual Status post_write_push(Session&, const Message&) { return {}; }

  /// Before a frame is read; failure closes the session.
  virtual Status pre_read_header(Session&) { return {}; }
  /// After a CALL's header is read, before routing (may reset the service method).
  virtual Status post_read_call_header(Ctx&) { return {}; }
  /// Before a CALL's body is bound.
  virtual Status pre_read_call_body(Ctx&) { return {}; }
  /// After a CALL's body is read, before the handler runs.
  virtual Status post_read_call_body(Ctx&) { return {}; }
  /// After a PUSH's header is read, before routing.
  virtual Status post_read_push_header(Ctx&) { return {}; }
  /// Before a PUSH's body is bound.
  virtual Status pre_read_push_body(Ctx&) { return {}; }
  /// After a PUSH's body is read, before the handler runs.
  virtual Status post_read_push_body(Ctx&) { return {}; }
  /// After a REPLY's header is read and matched to its call.
  virtual Status post_read_reply_header(Session&, Message&) { return {}; }
  /// Before a REPLY's body is handed to the caller.
  virtual Status pre_read_reply_body(Session&, Message&) { return {}; }
  /// After a REPLY's body is read, before the caller sees it.
  virtual Status post_read_reply_body(Session&, Message&) { return {}; }

  /// After a session is closed.
  virtual Status post_disconnect(Session&) { return {}; }
};

/// Shared ownership of a plugin.
using PluginPtr = std::shared_ptr<Plugin>;
/// Plugins in the order they run.
using Plugins = std::vector<PluginPtr>;

namespace detail {
/// The status a plugin hook that threw becomes (500, naming the plugin's exception).
Status hook_threw(const char* what);
}  // namespace detail

/// Runs `hook` on each plugin of each list in order; returns the first failure. A hook that
/// throws fails with 500 instead of unwinding into the I/O thread.
template <class Hook, class... Args>
Status run_hooks(std::initializer_list<const Plugins*> lists, Hook hook, Args&&... args) {
  for (const Plugins* list : lists) {
    if (!list) continue;
    for (const auto& p : *list) {
      try {
        if (Status st = ((*p).*hook)(args...); !st.ok()) return st;
      } catch (const std::exception& e) {
        return detail::hook_threw(e.what());
      } catch (...) {
        return detail::hook_threw("unknown exception");
      }
    }
  }
  return {};
}

}  // namespace tp
