// W3C trace context: reading and writing traceparent, new ids, carrying it in meta.
#include <algorithm>
#include <random>

#include "teleport/trace.hpp"

namespace tp::trace {
namespace {

constexpr std::size_t kVersion00Size = 55;   // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr std::size_t kMaxTracestate = 512;  // W3C: carry at least this much; we carry no more
constexpr std::string_view kHexDigits = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C allows lowercase hex only
}

// Reads 2 * N lowercase hex digits into `out`.
template <std::size_t N>
bool read_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
  std::string out;
  out.reserve(2 * N);
  for (auto b : bytes) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 15];
  }
  return out;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// Random non-zero bytes, from a per-thread generator seeded by the system.
template <std::size_t N>
std::array<std::uint8_t, N> random_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::array<std::uint8_t, N> out{};
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      const std::uint64_t r = generator();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j)
        out[i + j] = static_cast<std::uint8_t>(r >> (8 * j));
    }
  } while (all_zero(out));
  return out;
}

}  // namespace

std::optional<TraceContext> TraceContext::parse(std::string_view traceparent,
                                                std::string_view tracestate) {
  // A later version may append fields after a '-': W3C asks to read its first four.
  if (traceparent.size() < kVersion00Size) return std::nullopt;
  std::array<std::uint8_t, 1> version{};
  if (!read_hex(traceparent.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  if (version[0] == 0 && traceparent.size() != kVersion00Size) return std::nullopt;
  if (traceparent.size() > kVersion00Size && traceparent[kVersion00Size] != '-')
    return std::nullopt;
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-')
    return std::nullopt;
  TraceContext c;
  std::array<std::uint8_t, 1> flags{};
  if (!read_hex(traceparent.substr(3, 32), c.trace_id) ||
      !read_hex(traceparent.substr(36, 16), c.span_id) ||
      !read_hex(traceparent.substr(53, 2), flags) || all_zero(c.trace_id) || all_zero(c.span_id)) {
    return std::nullopt;
  }
  c.flags = flags[0];
  if (tracestate.size() <= kMaxTracestate) c.tracestate = tracestate;
  return c;
}

TraceContext TraceContext::root() {
  TraceContext c;
  c.trace_id = random_id<16>();
  c.span_id = random_id<8>();
  return c;
}

TraceContext TraceContext::child() const {
  TraceContext c = *this;
  c.span_id = random_id<8>();
  return c;
}

std::string TraceContext::traceparent() const {
  const std::array<std::uint8_t, 1> f{flags};
  return "00-" + trace_id_hex() + "-" + span_id_hex() + "-" + hex(f);
}

std::string TraceContext::trace_id_hex() const { return hex(trace_id); }

std::string TraceContext::span_id_hex() const { return hex(span_id); }

std::optional<TraceContext> from_meta(const Meta& meta) {
  const auto parent = meta.get(kTraceparentKey);
  if (!parent) return std::nullopt;
  return TraceContext::parse(*parent, meta.get(kTracestateKey).value_or(""));
}

void to_meta(const TraceContext& context, Meta& meta) {
  meta.set(kTraceparentKey, context.traceparent());
  if (!context.tracestate.empty()) meta.set(kTracestateKey, context.tracestate);
}

void inherit(const Meta& incoming, Meta& outgoing) {
  if (outgoing.get(kTraceparentKey)) return;
  const auto parent = incoming.get(kTraceparentKey);
  if (!parent) return;
  outgoing.set(kTraceparentKey, std::string(*parent));
  if (const auto state = incoming.get(kTracestateKey)) {
    outgoing.set(kTracestateKey, std::string(*state));
  }
}

void propagate(const Ctx& ctx, CallOptions& opts) { inherit(ctx.meta(), opts.meta); }

std::string_view kind_name(Span::Kind kind) {
  switch (kind) {
    case Span::Kind::kHandler:
      return "handler";
    case Span::Kind::kCaller:
      return "caller";
    case Span::Kind::kPushIn:
      return "push-in";
    case Span::Kind::kPushOut:
      return "push-out";
  }
  return "?";
}

}  // namespace tp::trace
