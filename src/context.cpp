#include "teleport/context.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "support/logger.hpp"
#include "teleport/call_options.hpp"
#include "teleport/peer.hpp"
#include "teleport/session.hpp"

namespace tp {

std::optional<std::string> Ctx::query_param(std::string_view key) const {
  // As Go eRPC reads it: a malformed escape (`?c=100%`) is kept as written, not an error.
  std::optional<std::string> found;
  (void)parse_query_pairs(
      input_.query(), "query",
      [&](std::string k, std::string v) {
        if (!found && k == key) found = std::move(v);
      },
      BadEscapes::kKeepLiteral);
  return found;
}

std::string Ctx::real_ip() const {
  if (auto ip = input_.meta.get(kRealIpKey); ip && !ip->empty()) return std::string(*ip);
  std::string addr = session_.remote_addr();
  if (auto colon = addr.rfind(':');
      colon != std::string::npos && addr.find('/') == std::string::npos) {
    addr.resize(colon);
  }
  return addr;
}

std::optional<std::uint8_t> Ctx::accept_body_codec() const {
  auto text = input_.meta.get(kAcceptBodyCodecKey);
  if (!text) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value == 0 || value > 255)
    return std::nullopt;
  if (!CodecRegistry::global().find(static_cast<std::uint8_t>(value))) return std::nullopt;
  return static_cast<std::uint8_t>(value);
}

std::uint8_t Ctx::reply_body_codec() const {
  if (reply_codec_) return *reply_codec_;
  if (auto accepted = accept_body_codec()) return *accepted;
  return input_.body_codec;
}

spdlog::logger& Ctx::logger() const { return session_.peer().logger(); }

Peer& Ctx::peer() const { return session_.peer(); }

namespace {
thread_local const Ctx* t_current = nullptr;
}  // namespace

const Ctx* Ctx::current() noexcept { return t_current; }

Ctx::Scope::Scope(const Ctx& ctx) noexcept : outer_(t_current) { t_current = &ctx; }

Ctx::Scope::~Scope() { t_current = outer_; }

Status CancelSignal::reason() const {
  std::lock_guard lock(mutex_);
  return why_;
}

void CancelSignal::on_cancel(std::function<void(const Status&)> fn) {
  Status why;
  {
    std::lock_guard lock(mutex_);
    if (!cancelled_.load(std::memory_order_relaxed)) {
      fns_.push_back(std::move(fn));
      return;
    }
    why = why_;
  }
  fn(why);
}

void CancelSignal::cancel(const Status& why) {
  std::vector<std::function<void(const Status&)>> fns;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_.load(std::memory_order_relaxed)) return;
    why_ = why;
    cancelled_.store(true, std::memory_order_release);
    fns.swap(fns_);
  }
  for (auto& fn : fns) fn(why);
}

}  // namespace tp
