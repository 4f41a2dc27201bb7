// A plugin that records every hook it sees, for tests of order and coverage.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "teleport/plugin.hpp"

namespace tp::test {

class RecordingPlugin : public Plugin {
 public:
  std::string_view name() const override { return "recorder"; }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  bool saw(const std::string& hook) const {
    auto s = seen();
    return std::find(s.begin(), s.end(), hook) != s.end();
  }

#define TP_RECORD(hook, ...)          \
  Status hook(__VA_ARGS__) override { \
    record(#hook);                    \
    return {};                        \
  }
  TP_RECORD(pre_new_peer, PeerConfig&)
  TP_RECORD(post_new_peer, Peer&)
  TP_RECORD(post_reg, std::string_view, MsgType)
  TP_RECORD(post_listen, std::string_view)
  TP_RECORD(pre_dial, std::string_view)
  TP_RECORD(post_dial, Session&, bool)
  TP_RECORD(post_accept, Session&)
  TP_RECORD(pre_write_call, Session&, Message&)
  TP_RECORD(post_write_call, Session&, const Message&)
  TP_RECORD(pre_write_reply, Session&, Message&)
  TP_RECORD(post_write_reply, Session&, const Message&)
  TP_RECORD(pre_write_push, Session&, Message&)
  TP_RECORD(post_write_push, Session&, const Message&)
  TP_RECORD(pre_read_header, Session&)
  TP_RECORD(post_read_call_header, Ctx&)
  TP_RECORD(pre_read_call_body, Ctx&)
  TP_RECORD(post_read_call_body, Ctx&)
  TP_RECORD(post_read_push_header, Ctx&)
  TP_RECORD(pre_read_push_body, Ctx&)
  TP_RECORD(post_read_push_body, Ctx&)
  TP_RECORD(post_read_reply_header, Session&, Message&)
  TP_RECORD(pre_read_reply_body, Session&, Message&)
  TP_RECORD(post_read_reply_body, Session&, Message&)
  TP_RECORD(post_disconnect, Session&)
#undef TP_RECORD

 private:
  void record(std::string hook) {
    std::lock_guard lock(mutex_);
    seen_.push_back(std::move(hook));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
};

}  // namespace tp::test
