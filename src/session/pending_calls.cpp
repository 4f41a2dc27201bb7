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
  Call& call = first_ ? calls_[seq] : first_.emplace(seq, Call{}).second;
  call.done = std::move(done);
  publish_size();
  return call;
}

PendingCalls::Call* PendingCalls::find(std::int32_t seq) {
  if (first_ && first_->first == seq) return &first_->second;
  const auto it = calls_.find(seq);
  return it == calls_.end() ? nullptr : &it->second;
}

void PendingCalls::erase(std::int32_t seq) {
  if (first_ && first_->first == seq) {
    first_.reset();
  } else {
    calls_.erase(seq);
  }
  publish_size();
}

void PendingCalls::expire_after(std::int32_t seq, boost::asio::io_context& loop,
                                std::chrono::milliseconds timeout, std::weak_ptr<void> owner) {
  Call* call = find(seq);
  if (!call) return;
  call->timer = std::make_unique<boost::asio::steady_timer>(loop, timeout);
  call->timer->async_wait([this, owner = std::move(owner), seq](boost::system::error_code ec) {
    auto alive = owner.lock();
    if (ec || !alive) return;
    auto late = take(seq);
    if (late) fail(*late, Status::from_code(code::kHandleTimeout, "call timed out"));
  });
}

std::optional<PendingCalls::Call> PendingCalls::take(std::int32_t seq) {
  Call* found = find(seq);
  if (!found) return std::nullopt;
  Call call = std::move(*found);
  erase(seq);
  if (call.timer) call.timer->cancel();
  return call;
}

void PendingCalls::fail_all(const std::string& why) {
  auto calls = std::move(calls_);
  calls_.clear();
  if (first_) calls.emplace(first_->first, std::move(first_->second));
  first_.reset();
  publish_size();
  for (auto& [seq, call] : calls) {
    if (call.timer) call.timer->cancel();
    fail(call, Status::from_code(code::kConnClosed, why));
  }
}

std::string PendingCalls::frames_to_resend(const std::string& why) {
  std::string frames;
  std::vector<ReplyCallback> failed;  // completed after the loop: a callback may call again
  // Keeps `call` for a resend (true) or takes its callback to fail it (false).
  auto keep = [&](Call& call) {
    if (call.resent || call.frame.empty()) {
      if (call.timer) call.timer->cancel();
      call.completed(code::kConnClosed);
      failed.push_back(std::move(call.done));
      return false;
    }
    call.resent = true;
    frames += call.frame;
    return true;
  };
  if (first_ && !keep(first_->second)) first_.reset();
  for (auto it = calls_.begin(); it != calls_.end();) {
    if (keep(it->second)) {
      ++it;
    } else {
      calls_.erase(it++);  // erasing leaves the other iterators valid
    }
  }
  publish_size();
  for (auto& done : failed) fail(done, Status::from_code(code::kConnClosed, why));
  return frames;
}

}  // namespace tp::detail
