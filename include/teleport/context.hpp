// Ctx: what a handler sees of the message it handles and the reply it builds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "teleport/codec/marshal.hpp"
#include "teleport/message.hpp"

namespace spdlog {
class logger;
}

namespace tp {

class Session;

/// A handler's view of one incoming call or push. Used on the thread that runs the handler: the
/// session's I/O thread, or a worker for blocking routes; an async handler's lives until done().
/// Plugins' Ctx hooks always see it on the I/O thread.
class Ctx {
 public:
  /// For the framework: wraps an incoming message and the reply being built.
  Ctx(Session& session, Message& input, Message& reply)
      : session_(session), input_(input), reply_(reply) {}

  /// The session the message arrived on.
  [[nodiscard]] Session& session() const noexcept { return session_; }
  /// The incoming message.
  [[nodiscard]] const Message& input() const noexcept { return input_; }
  /// The incoming message, for plugins that rewrite it before the handler (e.g. decryption).
  [[nodiscard]] Message& mutable_input() noexcept { return input_; }
  /// Its sequence number.
  [[nodiscard]] std::int32_t seq() const noexcept { return input_.seq; }
  /// Its service method, query included.
  [[nodiscard]] const std::string& service_method() const noexcept { return input_.service_method; }
  /// Replaces the service method (e.g. in a plugin, before routing).
  void reset_service_method(std::string sm) { input_.service_method = std::move(sm); }
  /// The routed path (service method without query).
  [[nodiscard]] std::string path() const { return input_.path(); }
  /// The first value of query parameter `key`, percent-decoded (Boost.URL).
  [[nodiscard]] std::optional<std::string> query_param(std::string_view key) const;
  /// The incoming meta.
  [[nodiscard]] const Meta& meta() const noexcept { return input_.meta; }
  /// The first incoming meta value of `key`.
  [[nodiscard]] std::optional<std::string_view> peek_meta(std::string_view key) const {
    return input_.meta.get(key);
  }
  /// The meta of the reply (add or set pairs).
  [[nodiscard]] Meta& reply_meta() noexcept { return reply_.meta; }
  /// The client's real IP: X-Real-IP if sent, else the remote address's host.
  [[nodiscard]] std::string real_ip() const;
  /// The codec the caller asked for in X-Accept-Body-Codec, if registered.
  [[nodiscard]] std::optional<std::uint8_t> accept_body_codec() const;
  /// The reply's body codec: set by the handler, else the accepted one, else the call's.
  [[nodiscard]] std::uint8_t reply_body_codec() const;
  /// Chooses the reply's body codec.
  void set_reply_body_codec(std::uint8_t codec) { reply_codec_ = codec; }
  /// The peer's logger (spdlog).
  [[nodiscard]] spdlog::logger& logger() const;
  /// Chooses the reply's transfer pipe (default: the call's).
  void set_reply_xfer_pipe(XferPipe pipe) { reply_.xfer_pipe = std::move(pipe); }

  /// Decodes the incoming body into `value` with the message's codec (400 on failure).
  template <class T>
  Status bind(T& value) const {
    return unmarshal(input_.body_codec, input_.body, value);
  }
  /// Sets the reply body to `body`, already encoded with `codec` (proxies, raw handlers).
  void set_reply_raw(std::uint8_t codec, std::string body) {
    reply_codec_ = codec;
    reply_.body_codec = codec;
    reply_.body = std::move(body);
  }
  /// Encodes `value` as the reply body with reply_body_codec().
  template <class T>
  Status set_reply(const T& value) {
    reply_.body_codec = reply_body_codec();
    reply_.body.clear();
    return marshal(reply_.body_codec, value, reply_.body);
  }

 private:
  Session& session_;
  Message& input_;
  Message& reply_;
  std::optional<std::uint8_t> reply_codec_;
};

/// The context of a call handler.
using CallCtx = Ctx;
/// The context of a push handler.
using PushCtx = Ctx;

}  // namespace tp
