#include "session/pending_calls.hpp"

#include <vector>

namespace tp::detail {

void PendingCalls::fail(ReplyCallback& done, Status st) {
  Message failed;
  failed.type = MsgType::kReply;
  failed.status = std::move(st);
  done(failed);
}

void PendingCalls::Call::completed(std::int32_t status_code) const {
  if (metrics) metrics->completed(status_code, Clock::now() - start);
}

void PendingCalls::fail(Call& call, Status st) {
  call.completed(st.code());
  fail(call.done, std::move(st));
}

PendingCalls::Call& PendingCalls::add(std::int32_t seq, ReplyCallback done) {
  Call& call = calls_[seq];
  call.done = std::move(done);
  publish_size();
  return call;
}

void PendingCalls::expire_after(std::int32_t seq, boost::asio::io_context& loop,
                                std::chrono::milliseconds timeout, std::weak_ptr<void> owner) {
  auto it = calls_.find(seq);
  if (it == calls_.end()) return;
  it->second.timer = std::make_unique<boost::asio::steady_timer>(loop, timeout);
  it->second.timer->async_wait([this, owner = std::move(owner), seq](boost::system::error_code ec) {
    auto alive = owner.lock();
    if (ec || !alive) return;
    auto call = take(seq);
    if (call) fail(*call, Status::from_code(code::kHandleTimeout, "call timed out"));
  });
}

std::optional<PendingCalls::Call> PendingCalls::take(std::int32_t seq) {
  auto it = calls_.find(seq);
  if (it == calls_.end()) return std::nullopt;
  Call call = std::move(it->second);
  calls_.erase(it);
  publish_size();
  if (call.timer) call.timer->cancel();
  return call;
}

void PendingCalls::fail_all(const std::string& why) {
  auto calls = std::move(calls_);
  calls_.clear();
  publish_size();
  for (auto& [seq, call] : calls) {
    if (call.timer) call.timer->cancel();
    fail(call, Status::from_code(code::kConnClosed, why));
  }
}

std::string PendingCalls::frames_to_resend(const std::string& why) {
  std::string frames;
  std::vector<ReplyCallback> failed;  // completed after the loop: a callback may call again
  for (auto it = calls_.begin(); it != calls_.end();) {
    Call& call = it->second;
    if (call.resent || call.frame.empty()) {
      if (call.timer) call.timer->cancel();
      call.completed(code::kConnClosed);
      failed.push_back(std::move(call.done));
      it = calls_.erase(it);
      continue;
    }
    call.resent = true;
    frames += call.frame;
    ++it;
  }
  publish_size();
  for (auto& done : failed) fail(done, Status::from_code(code::kConnClosed, why));
  return frames;
}

}  // namespace tp::detail
