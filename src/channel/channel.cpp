// Channel: sessions to every backend of a target, one dialer thread that connects them and
// probes ejected ones back with backoff, and calls that move to another backend when the one
// picked could not take them.
#include "teleport/channel.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "support/threads.hpp"
#include "teleport/peer.hpp"
#include "teleport/session.hpp"

namespace tp {

namespace {
using Clock = std::chrono::steady_clock;

// The cause a session gives a call it refused before writing anything (see SessionImpl).
constexpr std::string_view kNotWritten = "session is closed";

bool connection_failure(const Status& st) {
  return st.code() == code::kConnClosed || st.code() == code::kWriteFailed ||
         st.code() == code::kDialFailed;
}
}  // namespace

struct Channel::Impl : std::enable_shared_from_this<Impl> {
  struct Entry {
    Backend backend;
    std::shared_ptr<Session> session;  // null: not connected (dialing, or ejected)
    bool wanted = true;                // still named by the resolver
    bool dialing = false;
    int in_flight = 0;
    std::uint64_t calls = 0;
    std::string last_error;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};
  };

  // One call across its attempts.
  struct CallState {
    std::shared_ptr<Impl> owner;  // kept alive while a session holds the call
    std::string addr;             // the backend of the current attempt
    std::string sm;
    std::uint8_t codec = 0;
    std::string body;
    CallOptions opts;
    ReplyCallback done;
    int retries_left = 0;
    std::set<std::string> tried;
    std::optional<Clock::time_point> deadline;
  };

  Impl(Peer& p, std::string t, ChannelOptions o)
      : peer(p), target(std::move(t)), options(std::move(o)) {}

  Peer& peer;
  const std::string target;
  const ChannelOptions options;
  std::shared_ptr<Balancer> balancer;
  std::unique_ptr<Resolver> resolver;

  mutable std::mutex mutex;
  std::condition_variable cv;  // wakes the dialer; start() waits on it for a first connection
  std::map<std::string, Entry> entries;  // by address
  std::vector<Entry*> usable;            // scratch of usable_locked()
  std::vector<Candidate> candidates;     // what the balancer sees of `usable`
  bool stopping = false;
  std::thread dialer;
  // Calls that found no usable backend while one was being dialed for the first time: they wait
  // for the dial's outcome (or their deadline) instead of failing at once.
  std::vector<std::shared_ptr<CallState>> parked;
  bool recheck_parked = false;  // a dial ended or the list changed: parked calls try again

  void update(std::vector<Backend> backends) {
    std::lock_guard lock(mutex);
    std::set<std::string> named;
    for (auto& b : backends) {
      named.insert(b.addr);
      auto [it, added] = entries.try_emplace(b.addr);
      it->second.backend = std::move(b);
      it->second.wanted = true;
      if (added) it->second.retry_at = Clock::now();
    }
    for (auto it = entries.begin(); it != entries.end();) {
      if (named.contains(it->first)) {
        ++it;
        continue;
      }
      it->second.wanted = false;
      if (it->second.in_flight == 0 && !it->second.dialing) {
        if (it->second.session) it->second.session->close();
        it = entries.erase(it);
      } else {
        ++it;  // erased when its last call ends
      }
    }
    recheck_parked = true;
    cv.notify_all();
  }

  // A backend being dialed that has not failed yet: a call may wait for it.
  bool first_dial_pending_locked() const {
    for (const auto& [addr, e] : entries) {
      if (e.wanted && !e.session && e.last_error.empty()) return true;
    }
    return false;
  }

  // Takes the parked calls that may go on (all after a dial outcome or a list change, else
  // those past their deadline), to be tried again outside the lock.
  std::vector<std::shared_ptr<CallState>> unpark_locked(Clock::time_point now) {
    std::vector<std::shared_ptr<CallState>> out;
    if (recheck_parked || stopping) {
      out.swap(parked);
      recheck_parked = false;
      return out;
    }
    std::erase_if(parked, [&](const std::shared_ptr<CallState>& c) {
      if (!c->deadline || *c->deadline > now) return false;
      out.push_back(c);
      return true;
    });
    return out;
  }

  // The earliest deadline of a parked call.
  std::optional<Clock::time_point> parked_deadline_locked() const {
    std::optional<Clock::time_point> next;
    for (const auto& c : parked) {
      if (c->deadline && (!next || *c->deadline < *next)) next = c->deadline;
    }
    return next;
  }

  void dial_loop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      if (auto ready = unpark_locked(Clock::now()); !ready.empty()) {
        lock.unlock();
        for (auto& call : ready) attempt(std::move(call));
        lock.lock();
        continue;
      }
      std::optional<Clock::time_point> next = parked_deadline_locked();
      std::string due;
      const auto now = Clock::now();
      for (auto& [addr, e] : entries) {
        if (!e.wanted || e.session || e.dialing) continue;
        if (e.retry_at <= now) {
          due = addr;
          break;
        }
        if (!next || e.retry_at < *next) next = e.retry_at;
      }
      if (due.empty()) {
        if (recheck_parked) continue;
        if (next) {
          cv.wait_until(lock, *next);
        } else {
          cv.wait(lock);
        }
        continue;
      }
      entries[due].dialing = true;
      lock.unlock();
      auto dialed = peer.dial(due);
      lock.lock();
      connected(due, std::move(dialed), lock);
      recheck_parked = true;
    }
  }

  void connected(const std::string& addr, Result<std::shared_ptr<Session>> dialed,
                 std::unique_lock<std::mutex>& lock) {
    auto it = entries.find(addr);
    if (it == entries.end()) {
      if (dialed.ok()) dialed.value->close();
      return;
    }
    Entry& e = it->second;
    e.dialing = false;
    if (!e.wanted || stopping) {
      if (dialed.ok()) dialed.value->close();
      if (!e.wanted && e.in_flight == 0) entries.erase(it);
      return;
    }
    if (!dialed.ok()) {
      eject(e, dialed.status.to_string());
      return;
    }
    e.session = dialed.value;
    e.backoff = std::chrono::milliseconds(0);
    e.last_error.clear();
    cv.notify_all();
    // on_close may run at once (the session already closed): not under our lock.
    auto session = e.session;
    lock.unlock();
    session->on_close([weak = weak_from_this(), addr, raw = session.get()](const CloseReason& why) {
      if (auto self = weak.lock()) self->session_closed(addr, raw, why);
    });
    lock.lock();
  }

  // A backend that failed: no calls until its next dial, which waits longer each time.
  void eject(Entry& e, std::string why) {
    e.session.reset();
    e.last_error = std::move(why);
    e.backoff = e.backoff.count() == 0 ? options.eject_backoff
                                       : std::min(e.backoff * 2, options.max_eject_backoff);
    e.retry_at = Clock::now() + e.backoff;
    cv.notify_all();
  }

  void session_closed(const std::string& addr, const Session* session, const CloseReason& why) {
    std::lock_guard lock(mutex);
    auto it = entries.find(addr);
    if (it == entries.end() || it->second.session.get() != session) return;
    spdlog::logger& log = peer.logger();
    log.info("channel {}: backend {} ejected: {}", target, addr, why.status.to_string());
    eject(it->second, why.status.to_string());
  }

  // Fills usable/candidates with the usable backends, except those in `avoid` while others
  // remain or are still being dialed for the first time; false when there is none. The vectors
  // are members, reused: no allocation per call.
  bool usable_locked(const std::set<std::string>& avoid) {
    usable.clear();
    candidates.clear();
    const int passes = first_dial_pending_locked() ? 1 : 2;
    for (int pass = 0; pass < passes && usable.empty(); ++pass) {
      for (auto& [addr, e] : entries) {
        if (!e.wanted || !e.session || !e.session->health()) continue;
        if (pass == 0 && !avoid.empty() && avoid.contains(addr)) continue;
        usable.push_back(&e);
        candidates.push_back({&e.backend, e.in_flight});
      }
    }
    return !usable.empty();
  }

  // The usable backend the balancer picks among those usable_locked() found.
  Entry& pick_locked(std::string_view sm, const CallOptions& opts) {
    return *usable[std::min(balancer->pick(candidates, sm, opts), usable.size() - 1)];
  }

  Status unavailable_locked() const {
    std::string why = "no backend of " + target + " is available";
    for (const auto& [addr, e] : entries) {
      if (!e.last_error.empty()) why += "; " + addr + ": " + e.last_error;
    }
    if (entries.empty()) why += " (the resolver names none)";
    return Status::from_code(code::kDialFailed, why);
  }

  void attempt(std::shared_ptr<CallState> call) {
    if (call->deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*call->deadline - Clock::now());
      if (left.count() <= 0) {
        finish(*call, Status::from_code(code::kHandleTimeout, "call timed out"));
        return;
      }
      call->opts.timeout = left;
    }
    std::shared_ptr<Session> session;
    Status unavailable;
    {
      std::lock_guard lock(mutex);
      const bool any = usable_locked(call->tried);
      if (!any && first_dial_pending_locked() && !stopping) {
        parked.push_back(std::move(call));
        cv.notify_all();  // the dialer now also waits for this call's deadline
        return;
      }
      if (!any) {
        unavailable = unavailable_locked();
      } else {
        Entry& e = pick_locked(call->sm, call->opts);
        call->addr = e.backend.addr;
        session = e.session;
        ++e.in_flight;
        ++e.calls;
      }
    }
    if (!session) {
      finish(*call, std::move(unavailable));  // not under the lock: `done` may call us again
      return;
    }
    // The body stays here for a retry; the session gets a copy. The callback holds only the
    // call (inline in the ReplyCallback: no allocation).
    session->call_raw(call->sm, call->codec, call->body, call->opts,
                      [call](Message& reply) { call->owner->answered(call, reply); });
  }

  void answered(const std::shared_ptr<CallState>& call, Message& reply) {
    const std::string& addr = call->addr;
    {
      std::lock_guard lock(mutex);
      if (auto it = entries.find(addr); it != entries.end()) {
        --it->second.in_flight;
        if (!it->second.wanted && it->second.in_flight == 0 && !it->second.dialing) {
          if (it->second.session) it->second.session->close();
          entries.erase(it);
        }
      }
    }
    const Status& st = reply.status;
    if (connection_failure(st) && call->retries_left > 0) {
      // Never reached a handler: any call may go elsewhere. Written: only an idempotent one.
      const bool written = !(st.code() == code::kConnClosed && st.cause() == kNotWritten);
      if (!written || call->opts.idempotent) {
        --call->retries_left;
        call->tried.insert(addr);
        attempt(call);
        return;
      }
    }
    call->done(reply);
  }

  static void finish(CallState& call, Status st) {
    Message reply;
    reply.type = MsgType::kReply;
    reply.status = std::move(st);
    call.done(reply);
  }
};

Channel::Channel(Peer& peer, std::string target, ChannelOptions options)
    : impl_(std::make_shared<Impl>(peer, std::move(target), std::move(options))) {}

Channel::~Channel() {
  if (impl_->resolver) impl_->resolver->stop();
  std::map<std::string, Impl::Entry> entries;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  if (impl_->dialer.joinable()) impl_->dialer.join();
  std::vector<std::shared_ptr<Impl::CallState>> parked;
  {
    std::lock_guard lock(impl_->mutex);
    entries.swap(impl_->entries);
    parked.swap(impl_->parked);
  }
  for (auto& call : parked) {
    Impl::finish(*call, Status::from_code(code::kConnClosed, "the channel closed"));
  }
  for (auto& [addr, e] : entries) {
    if (e.session) e.session->close();
  }
}

Status Channel::start() {
  Impl& impl = *impl_;
  if (impl.options.balancer) {
    impl.balancer = impl.options.balancer;
  } else if (auto b = make_balancer(impl.options.balance)) {
    impl.balancer = std::move(b);
  } else {
    return Status::from_code(code::kInvalidOp,
                             "unknown balancer " + impl.options.balance + " (rr, least, hash:KEY)");
  }
  auto resolver = make_resolver(impl.target);
  if (!resolver.ok()) return resolver.status;
  impl.resolver = std::move(resolver.value);
  impl.dialer = std::thread([&impl] { impl.dial_loop(); });
  if (Status st = impl.resolver->start([weak = std::weak_ptr(impl_)](std::vector<Backend> b) {
        if (auto self = weak.lock()) self->update(std::move(b));
      });
      !st.ok()) {
    return st;
  }
  std::unique_lock lock(impl.mutex);
  const bool any = impl.cv.wait_for(lock, impl.options.start_timeout, [&] {
    for (const auto& [addr, e] : impl.entries) {
      if (e.session) return true;
    }
    return false;
  });
  return any ? Status() : impl.unavailable_locked();
}

void Channel::call_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts,
                       ReplyCallback done) {
  auto call = std::make_shared<Impl::CallState>();
  call->owner = impl_;
  call->sm = std::move(sm);
  call->codec = codec;
  call->body = std::move(body);
  call->retries_left = std::max(0, impl_->options.retry_budget);
  const auto timeout =
      opts.timeout.count() > 0 ? opts.timeout : impl_->peer.config().default_context_age;
  if (timeout.count() > 0) call->deadline = Clock::now() + timeout;
  call->opts = std::move(opts);
  call->done = done ? std::move(done) : [](Message&) {};  // an empty callback discards the reply
  if (!impl_->balancer) {
    Impl::finish(*call, Status::from_code(code::kInvalidOp, "channel not started"));
    return;
  }
  impl_->attempt(std::move(call));
}

Status Channel::push_raw(std::string sm, std::uint8_t codec, std::string body, CallOptions opts) {
  if (!impl_->balancer) return Status::from_code(code::kInvalidOp, "channel not started");
  std::set<std::string> tried;
  for (int attempt = 0; attempt <= std::max(0, impl_->options.retry_budget); ++attempt) {
    std::string addr;
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(impl_->mutex);
      if (!impl_->usable_locked(tried)) return impl_->unavailable_locked();
      Impl::Entry& e = impl_->pick_locked(sm, opts);
      addr = e.backend.addr;
      session = e.session;
      ++e.calls;
    }
    Status st = session->push_raw(sm, codec, body, opts);
    if (st.ok() || !connection_failure(st)) return st;
    tried.insert(addr);  // its session closed before the push was queued: another one
  }
  std::lock_guard lock(impl_->mutex);
  return impl_->unavailable_locked();
}

std::uint8_t Channel::default_body_codec() const { return impl_->peer.config().default_body_codec; }

std::vector<BackendState> Channel::backends() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<BackendState> out;
  for (const auto& [addr, e] : impl_->entries) {
    if (!e.wanted) continue;
    out.push_back({e.backend, e.session != nullptr, e.in_flight, e.calls, e.last_error});
  }
  return out;
}

Status Channel::check_blocking_allowed() {
  if (detail::on_io_thread()) {
    return {code::kInvalidOp, "Invalid Operation",
            "a blocking call on an I/O thread would stall its loop (use async_call)"};
  }
  return {};
}

}  // namespace tp
