#include "session/pending_calls.hpp"

#include <algorithm>
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

void PendingCalls::start_timer(boost::asio::io_context& loop, std::weak_ptr<void> owner) {
  timer_ = std::make_unique<boost::asio::steady_timer>(loop);
  owner_ = std::move(owner);
}

void PendingCalls::arm(Clock::time_point at) {
  armed_for_ = at;
  timer_->expires_at(at);
  timer_->async_wait([this, owner = owner_](boost::system::error_code ec) {
    const auto alive = owner.lock();  // keeps this table alive while it fails calls
    if (ec || !alive) return;
    expire_due();
  });
}

void PendingCalls::expire_due() {
  const auto now = Clock::now();
  armed_for_ = Clock::time_point::max();
  std::vector<std::pair<Clock::time_point, std::int32_t>> due;
  auto next = Clock::time_point::max();
  auto visit = [&](std::int32_t seq, const Call& call) {
    if (call.deadline <= now) {
      due.emplace_back(call.deadline, seq);
    } else {
      next = std::min(next, call.deadline);
    }
  };
  if (first_) visit(first_->first, first_->second);
  for (const auto& [seq, call] : calls_) visit(seq, call);
  // At most one wake per millisecond: a session with many calls in flight and close deadlines
  // scans its table once per millisecond, not once per deadline.
  if (next != Clock::time_point::max()) arm(std::max(next, now + std::chrono::milliseconds(1)));
  std::sort(due.begin(), due.end());  // the earliest deadline fails first
  // Armed before the callbacks: one that calls again sees the timer's true state. One that
  // closes the session fails the rest itself, and take() then finds nothing.
  for (const auto& [deadline, seq] : due) {
    if (auto late = take(seq))
      fail(*late, Status::from_code(code::kHandleTimeout, "call timed out"));
  }
}

std::optional<PendingCalls::Call> PendingCalls::take(std::int32_t seq) {
  Call* found = find(seq);
  if (!found) return std::nullopt;
  Call call = std::move(*found);
  erase(seq);
  return call;
}

void PendingCalls::fail_all(const std::string& why) {
  auto calls = std::move(calls_);
  calls_.clear();
  if (first_) calls.emplace(first_->first, std::move(first_->second));
  first_.reset();
  publish_size();
  if (timer_) timer_->cancel();
  armed_for_ = Clock::time_point::max();
  for (auto& [seq, call] : calls) fail(call, Status::from_code(code::kConnClosed, why));
}

std::string PendingCalls::frames_to_resend(const std::string& why) {
  std::string frames;
  std::vector<ReplyCallback> failed;  // completed after the loop: a callback may call again
  // Keeps `call` for a resend (true) or takes its callback to fail it (false).
  auto keep = [&](Call& call) {
    if (call.resent || !call.frame) {
      call.completed(code::kConnClosed);
      failed.push_back(std::move(call.done));
      return false;
    }
    call.resent = true;
    frames += *call.frame;
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
