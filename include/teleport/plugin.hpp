// Plugins: code run at each of eRPC's 24 hook points and at a WebSocket upgrade. A hook returning a
// non-OK status aborts that step with it. Every hook has a default that does nothing.
//
// Threads. The five peer hooks (pre_new_peer, post_new_peer, post_reg, post_listen, pre_dial) run
// on the thread that calls the peer method that triggers them. The other twenty take a session (or
// a WebSocket upgrade) and always run on that session's I/O thread — after a dial and after a
// redial, for inline, blocking and async routes alike — so they must not block: a hook that needs
// an answer from the remote side starts the exchange and lets the session's first-message hook take
// the answer (see the auth plugin). Blocking calls (Session::call, Peer::dial) are refused there.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "teleport/message.hpp"
#include "teleport/status.hpp"

namespace tp {

class Ctx;
class Peer;
class Session;
struct PeerConfig;

/// A WebSocket upgrade request as the pre_websocket_handshake hook sees it.
struct WsHandshake {
  std::string_view target;  ///< the request target, query included ("/ws?token=x")
  std::string_view remote;  ///< the remote address ("127.0.0.1:51234")
  /// The header fields as sent, in order (names as the client spelled them).
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  /// The value of the first header called `name` (case-insensitive); empty if absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

/// A plugin. The thread each hook runs on is given with it (see also the file comment).
class Plugin {
 public:
  virtual ~Plugin() = default;
  /// A name for logs.
  [[nodiscard]] virtual std::string_view name() const = 0;

  /// Before the peer starts; may change its config. Failure: listen() and dial() return it.
  /// Thread: the one constructing the Peer.
  virtual Status pre_new_peer(PeerConfig&) { return {}; }
  /// After the peer is built. Thread: the one constructing the Peer.
  virtual Status post_new_peer(Peer&) { return {}; }
  /// After a route is registered; failure unregisters it. Thread: the one registering it.
  virtual Status post_reg(std::string_view /*service_method*/, MsgType /*kCall or kPush*/) {
    return {};
  }
  /// After the peer listens on `addr`. Thread: the caller of listen().
  virtual Status post_listen(std::string_view /*addr*/) { return {}; }
  /// Before dialing `addr`; failure: the dial fails with it. Thread: the caller of dial().
  virtual Status pre_dial(std::string_view /*addr*/) { return {}; }
  /// After a dial (or redial) connects, TLS included; failure closes the session (a redial tries
  /// again). Thread: the session's I/O thread, for the first dial too (dial() waits for it).
  virtual Status post_dial(Session&, bool /*redialed*/) { return {}; }
  /// After a connection is accepted, before a byte is read; failure closes it. Thread: the
  /// session's I/O thread.
  virtual Status post_accept(Session&) { return {}; }

  /// Before a CALL is written; failure: the call fails with it. Thread: the session's.
  virtual Status pre_write_call(Session&, Message&) { return {}; }
  /// After a CALL is queued for writing. Thread: the session's.
  virtual Status post_write_call(Session&, const Message&) { return {}; }
  /// Before a REPLY is written; failure: the reply carries that status instead. Thread: the
  /// session's, whichever thread ran the handler.
  virtual Status pre_write_reply(Session&, Message&) { return {}; }
  /// After a REPLY is queued for writing. Thread: the session's.
  virtual Status post_write_reply(Session&, const Message&) { return {}; }
  /// Before a PUSH is written; failure: the push is dropped and logged (push() has returned).
  /// Thread: the session's.
  virtual Status pre_write_push(Session&, Message&) { return {}; }
  /// After a PUSH is queued for writing. Thread: the session's.
  virtual Status post_write_push(Session&, const Message&) { return {}; }

  /// Before a frame is read; failure closes the session. Thread: the session's.
  virtual Status pre_read_header(Session&) { return {}; }
  /// After a CALL's header is read, before routing (may reset the service method). Thread: the
  /// session's.
  virtual Status post_read_call_header(Ctx&) { return {}; }
  /// Before a CALL's body is bound. Thread: the session's, also for blocking routes.
  virtual Status pre_read_call_body(Ctx&) { return {}; }
  /// After a CALL's body is read, before the handler runs. Thread: the session's.
  virtual Status post_read_call_body(Ctx&) { return {}; }
  /// After a PUSH's header is read, before routing. Thread: the session's.
  virtual Status post_read_push_header(Ctx&) { return {}; }
  /// Before a PUSH's body is bound. Thread: the session's, also for blocking routes.
  virtual Status pre_read_push_body(Ctx&) { return {}; }
  /// After a PUSH's body is read, before the handler runs. Thread: the session's.
  virtual Status post_read_push_body(Ctx&) { return {}; }
  /// After a REPLY's header is read and matched to its call. Thread: the session's.
  virtual Status post_read_reply_header(Session&, Message&) { return {}; }
  /// Before a REPLY's body is handed to the caller. Thread: the session's.
  virtual Status pre_read_reply_body(Session&, Message&) { return {}; }
  /// After a REPLY's body is read, before the caller sees it. Thread: the session's.
  virtual Status post_read_reply_body(Session&, Message&) { return {}; }

  /// After a session is closed. Thread: the session's.
  virtual Status post_disconnect(Session&) { return {}; }

  /// Before an accepted WebSocket upgrade is answered (Go's PreWebsocketHandshakePlugin): a
  /// non-OK status refuses it with HTTP 401 (code 401) or 403 and closes. Thread: the session's.
  virtual Status pre_websocket_handshake(const WsHandshake&) { return {}; }
};

/// Shared ownership of a plugin.
using PluginPtr = std::shared_ptr<Plugin>;
/// Plugins in the order they run.
using Plugins = std::vector<PluginPtr>;

namespace detail {
/// The status a plugin hook that threw becomes (500, naming the plugin's exception).
Status hook_threw(const char* what);

/// run_hooks' loop, for lists that hold at least one plugin.
template <class Hook, class... Args>
Status run_each_hook(std::initializer_list<const Plugins*> lists, Hook hook, Args&&... args) {
  for (const Plugins* list : lists) {
    if (!list) continue;
    for (const auto& p : *list) {
      try {
        if (Status st = ((*p).*hook)(args...); !st.ok()) return st;
      } catch (const std::exception& e) {
        return hook_threw(e.what());
      } catch (...) {
        return hook_threw("unknown exception");
      }
    }
  }
  return {};
}
}  // namespace detail

/// Runs `hook` on each plugin of each list in order; returns the first failure. A hook that
/// throws fails with 500 instead of unwinding into the I/O thread.
template <class Hook, class... Args>
[[gnu::always_inline]] inline Status run_hooks(std::initializer_list<const Plugins*> lists,
                                               Hook hook, Args&&... args) {
  // Most hooks of most calls have no plugin: a check small enough to inline at every call site
  // (each hook point of a call cost ~27 instructions through the loop, and ~23 when GCC chose to
  // call this function rather than inline it).
  for (const Plugins* list : lists) {
    if (list && !list->empty())
      return detail::run_each_hook(lists, hook, std::forward<Args>(args)...);
  }
  return {};
}

}  // namespace tp
