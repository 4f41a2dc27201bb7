// UserPlugin: a user's plugin on a Geminio peer. Geminio's own frames (stream bytes, credits,
// messages, acks on /_gm/ routes) bypass it, so a plugin meant for the application's calls — an
// overloader's QPS limit, say — can never drop a stream's bytes or a message's ack.
#pragma once

#include "teleport/plugin.hpp"

namespace tp::geminio::teleport::detail {

class UserPlugin final : public Plugin {
 public:
  /// Wraps `inner`, which sees every hook except those of Geminio's internal frames.
  explicit UserPlugin(PluginPtr inner) : inner_(std::move(inner)) {}
  /// `plugins` each wrapped.
  static Plugins wrap_all(Plugins plugins);

  std::string_view name() const override { return inner_->name(); }
  Status pre_new_peer(PeerConfig& c) override { return inner_->pre_new_peer(c); }
  Status post_new_peer(Peer& p) override { return inner_->post_new_peer(p); }
  Status post_reg(std::string_view sm, MsgType t) override;
  Status post_listen(std::string_view addr) override { return inner_->post_listen(addr); }
  Status pre_dial(std::string_view addr) override { return inner_->pre_dial(addr); }
  Status post_dial(Session& s, bool redialed) override { return inner_->post_dial(s, redialed); }
  Status post_accept(Session& s) override { return inner_->post_accept(s); }
  Status pre_write_call(Session& s, Message& m) override;
  Status post_write_call(Session& s, const Message& m) override;
  Status pre_write_reply(Session& s, Message& m) override { return inner_->pre_write_reply(s, m); }
  Status post_write_reply(Session& s, const Message& m) override {
    return inner_->post_write_reply(s, m);
  }
  Status pre_write_push(Session& s, Message& m) override;
  Status post_write_push(Session& s, const Message& m) override;
  Status pre_read_header(Session& s) override { return inner_->pre_read_header(s); }
  Status post_read_call_header(Ctx& ctx) override;
  Status pre_read_call_body(Ctx& ctx) override;
  Status post_read_call_body(Ctx& ctx) override;
  Status post_read_push_header(Ctx& ctx) override;
  Status pre_read_push_body(Ctx& ctx) override;
  Status post_read_push_body(Ctx& ctx) override;
  Status post_read_reply_header(Session& s, Message& m) override {
    return inner_->post_read_reply_header(s, m);
  }
  Status pre_read_reply_body(Session& s, Message& m) override {
    return inner_->pre_read_reply_body(s, m);
  }
  Status post_read_reply_body(Session& s, Message& m) override {
    return inner_->post_read_reply_body(s, m);
  }
  Status post_disconnect(Session& s) override { return inner_->post_disconnect(s); }

 private:
  PluginPtr inner_;
};

}  // namespace tp::geminio::teleport::detail
