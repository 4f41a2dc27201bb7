// The tracing plugin and the logging exporter.
//
// A span is opened in one hook and closed in another (post_read_call_header → pre_write_reply,
// pre_write_call → post_read_reply_header). Both hooks of a session run on its I/O thread, so
// open spans are kept per thread, without a lock, keyed by plugin, session and sequence number.
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "teleport/logging.hpp"
#include "teleport/session.hpp"
#include "teleport/trace.hpp"

namespace tp::trace {
namespace {

using Clock = std::chrono::steady_clock;

struct OpenKey {
  const void* plugin;
  const Session* session;
  std::int32_t seq;
  bool handler;  // a handler span (else a caller span: both sides may use one seq)
  bool operator==(const OpenKey&) const = default;
};

struct OpenKeyHash {
  std::size_t operator()(const OpenKey& k) const noexcept {
    const auto h = std::hash<const void*>{}(k.plugin) ^ std::hash<const void*>{}(k.session) * 31;
    return h ^ (static_cast<std::size_t>(static_cast<std::uint32_t>(k.seq)) << 1 | k.handler);
  }
};

struct OpenSpan {
  Span span;
  Clock::time_point started;
};

// The spans opened on this thread and not closed yet.
using OpenSpans = std::unordered_map<OpenKey, OpenSpan, OpenKeyHash>;
OpenSpans& open_spans() {
  thread_local OpenSpans spans;
  return spans;
}

// Calls that time out never see their reply; their spans close when the session does, or here:
// past this many open spans on a thread, those older than kStale close as timed out.
constexpr std::size_t kMaxOpen = 1 << 16;
constexpr auto kStale = std::chrono::minutes(1);

class TracePlugin final : public Plugin {
 public:
  explicit TracePlugin(std::shared_ptr<SpanExporter> exporter) : exporter_(std::move(exporter)) {}

  std::string_view name() const override { return "trace"; }

  Status post_read_call_header(Ctx& ctx) override {
    open(ctx.session(), ctx.seq(), true, handled(ctx, Span::Kind::kHandler));
    return {};
  }
  Status pre_write_reply(Session& session, Message& reply) override {
    close(session, reply.seq, true, reply.status.code());
    return {};
  }
  Status post_read_push_header(Ctx& ctx) override {
    Span span = handled(ctx, Span::Kind::kPushIn);
    exporter_->on_start(span);
    exporter_->on_end(span);
    return {};
  }

  Status pre_write_call(Session& session, Message& call) override {
    open(session, call.seq, false, sent(session, call, Span::Kind::kCaller));
    return {};
  }
  Status post_read_reply_header(Session& session, Message& reply) override {
    close(session, reply.seq, false, reply.status.code());
    return {};
  }
  Status pre_write_push(Session& session, Message& push) override {
    Span span = sent(session, push, Span::Kind::kPushOut);
    exporter_->on_start(span);
    exporter_->on_end(span);
    return {};
  }

  Status post_disconnect(Session& session) override {
    auto& spans = open_spans();
    for (auto it = spans.begin(); it != spans.end();) {
      if (it->first.plugin == this && it->first.session == &session) {
        finish(it->second, code::kConnClosed);
        it = spans.erase(it);
      } else {
        ++it;
      }
    }
    return {};
  }

 private:
  // The span of an incoming message: a child of the caller's span, or a new trace. The message's
  // traceparent becomes this span's, so that what its handler sends is a child of it.
  static Span handled(Ctx& ctx, Span::Kind kind) {
    Span span;
    span.kind = kind;
    span.service_method = ctx.service_method();
    span.remote = ctx.session().remote_addr();
    span.start = std::chrono::system_clock::now();
    if (auto parent = from_meta(ctx.meta())) {
      span.parent_span_id = parent->span_id_hex();
      span.context = parent->child();
    } else {
      span.context = TraceContext::root();
    }
    to_meta(span.context, ctx.mutable_input().meta);
    return span;
  }

  // The span of an outgoing message: a child of the trace context its meta carries (the
  // handler's that sent it, or one the caller put there), or a new trace; the meta then carries
  // this span's context.
  static Span sent(Session& session, Message& msg, Span::Kind kind) {
    Span span;
    span.kind = kind;
    span.service_method = msg.service_method;
    span.remote = session.remote_addr();
    span.start = std::chrono::system_clock::now();
    if (auto parent = from_meta(msg.meta)) {
      span.parent_span_id = parent->span_id_hex();
      span.context = parent->child();
    } else {
      span.context = TraceContext::root();
    }
    to_meta(span.context, msg.meta);
    return span;
  }

  void open(Session& session, std::int32_t seq, bool handler, Span span) {
    exporter_->on_start(span);
    auto& spans = open_spans();
    if (spans.size() >= kMaxOpen) drop_stale(spans);
    if (spans.size() >= kMaxOpen) return;  // still full: this one is reported started only
    spans[{this, &session, seq, handler}] = {std::move(span), Clock::now()};
  }

  void close(Session& session, std::int32_t seq, bool handler, std::int32_t code) {
    auto& spans = open_spans();
    auto it = spans.find({this, &session, seq, handler});
    if (it == spans.end()) return;
    finish(it->second, code);
    spans.erase(it);
  }

  void drop_stale(OpenSpans& spans) {
    const auto now = Clock::now();
    for (auto it = spans.begin(); it != spans.end();) {
      if (it->first.plugin == this && now - it->second.started > kStale) {
        finish(it->second, code::kHandleTimeout);
        it = spans.erase(it);
      } else {
        ++it;
      }
    }
  }

  void finish(OpenSpan& open, std::int32_t code) {
    open.span.code = code;
    open.span.duration = Clock::now() - open.started;
    exporter_->on_end(open.span);
  }

  std::shared_ptr<SpanExporter> exporter_;
};

class LogExporter final : public SpanExporter {
 public:
  explicit LogExporter(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}
  void on_end(const Span& s) override {
    spdlog::logger& log = logger_ ? *logger_ : *default_logger();
    log.info("span {} {} {} code={} {} us trace={} span={} parent={}", kind_name(s.kind),
             s.service_method, s.remote, s.code,
             std::chrono::duration_cast<std::chrono::microseconds>(s.duration).count(),
             s.context.trace_id_hex(), s.context.span_id_hex(),
             s.parent_span_id.empty() ? "-" : s.parent_span_id);
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace

std::shared_ptr<SpanExporter> log_exporter(std::shared_ptr<spdlog::logger> logger) {
  return std::make_shared<LogExporter>(std::move(logger));
}

PluginPtr plugin(std::shared_ptr<SpanExporter> exporter) {
  return std::make_shared<TracePlugin>(std::move(exporter));
}

}  // namespace tp::trace
