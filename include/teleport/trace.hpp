// Trace context (W3C Trace Context: `traceparent` and `tracestate`) carried in meta on calls and
// pushes, and spans reported to an exporter.
//
//   tp::Peer server(cfg, {tp::trace::plugin(tp::trace::log_exporter())});
//
// With the plugin installed, each call or push a peer handles is a span that continues the
// caller's trace (or starts one), and each call or push it sends is a child span. A handler that
// calls onward continues its trace by itself when it runs inline, on a worker, or while an async
// handler starts; an async handler that calls later passes its Ctx: `trace::propagate(ctx, opts)`.
// Without the plugin a peer still carries an incoming traceparent on to the calls its handlers
// make, unchanged, as a Go eRPC handler that copies meta does.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "teleport/call_options.hpp"
#include "teleport/context.hpp"
#include "teleport/meta.hpp"
#include "teleport/plugin.hpp"

namespace spdlog {
class logger;
}

namespace tp::trace {

/// Meta key of the W3C trace parent: "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>".
inline constexpr std::string_view kTraceparentKey = "traceparent";
/// Meta key of the W3C vendor state, carried unchanged.
inline constexpr std::string_view kTracestateKey = "tracestate";

/// Where a span sits: its trace, its own id, flags and the vendors' state.
struct TraceContext {
  std::array<std::uint8_t, 16> trace_id{};  ///< never all zero once valid
  std::array<std::uint8_t, 8> span_id{};    ///< never all zero once valid
  std::uint8_t flags = 1;                   ///< bit 0: sampled
  std::string tracestate{};                 ///< carried as received

  /// Reads a traceparent (version 00, or a later version's first four fields as W3C asks);
  /// nullopt if it is malformed or has an all-zero id.
  static std::optional<TraceContext> parse(std::string_view traceparent,
                                           std::string_view tracestate = "");
  /// A new trace: random trace and span ids, sampled.
  static TraceContext root();
  /// A span in the same trace, under this one: a new random span id, same flags and state.
  [[nodiscard]] TraceContext child() const;
  /// The traceparent text, version 00.
  [[nodiscard]] std::string traceparent() const;
  /// The trace id as 32 lowercase hex digits.
  [[nodiscard]] std::string trace_id_hex() const;
  /// The span id as 16 lowercase hex digits.
  [[nodiscard]] std::string span_id_hex() const;
};

/// Reads the trace context in `meta` (nullopt: none, or malformed).
std::optional<TraceContext> from_meta(const Meta& meta);
/// Sets `traceparent` (and `tracestate` when there is one) in `meta` to `context`.
void to_meta(const TraceContext& context, Meta& meta);
/// Copies traceparent and tracestate from `incoming` into `outgoing` unless it has its own.
void inherit(const Meta& incoming, Meta& outgoing);
/// Makes a call or push sent with `opts` continue the trace of the message `ctx` handles (for
/// async handlers that call after they started; others do it by themselves).
void propagate(const Ctx& ctx, CallOptions& opts);

/// One unit of work: a call or push handled here, or sent from here.
struct Span {
  /// Which side of which message.
  enum class Kind : std::uint8_t {
    kHandler,  ///< a call handled here
    kCaller,   ///< a call sent from here (ends with its reply, or when its session closes)
    kPushIn,   ///< a push handled here (ends when it is handed to the handler)
    kPushOut,  ///< a push sent from here (ends when it is queued)
  };
  TraceContext context{};                         ///< its trace and span ids
  std::string parent_span_id{};                   ///< 16 hex digits; empty for the root of a trace
  Kind kind = Kind::kHandler;                     ///< which side of which message
  std::string service_method{};                   ///< the message's service method
  std::string remote{};                           ///< the other peer's address
  std::int32_t code = 0;                          ///< the reply's status code (0 for pushes)
  std::chrono::system_clock::time_point start{};  ///< when it began
  std::chrono::nanoseconds duration{0};           ///< how long it took
};

/// The name of a span kind: "handler", "caller", "push-in" or "push-out".
std::string_view kind_name(Span::Kind kind);

/// Receives spans (on I/O threads: keep it quick, hand heavy work elsewhere).
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  /// A span began (its duration and code are not known yet).
  virtual void on_start(const Span& /*span*/) {}
  /// A span ended.
  virtual void on_end(const Span& span) = 0;
};

/// An exporter that logs each ended span at info level: kind, service method, remote, code,
/// duration, trace id, span id and parent. `logger` null: tp::default_logger().
std::shared_ptr<SpanExporter> log_exporter(std::shared_ptr<spdlog::logger> logger = nullptr);

/// The tracing plugin (name "trace"): continues or starts a trace for every call and push this
/// peer handles or sends, writes the traceparent of its own span into the meta it sends, and
/// reports each span to `exporter`.
PluginPtr plugin(std::shared_ptr<SpanExporter> exporter);

}  // namespace tp::trace
