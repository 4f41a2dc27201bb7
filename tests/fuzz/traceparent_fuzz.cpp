// Fuzzes the W3C traceparent reader: a parse either fails or gives a context whose traceparent
// parses back to the same ids and flags (version 00).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "teleport/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first line is the traceparent, the rest the tracestate.
  const auto newline = text.find('\n');
  const auto parsed = tp::trace::TraceContext::parse(
      text.substr(0, newline), newline == std::string_view::npos ? "" : text.substr(newline + 1));
  if (!parsed) return 0;
  const auto back = tp::trace::TraceContext::parse(parsed->traceparent(), parsed->tracestate);
  if (!back || back->trace_id != parsed->trace_id || back->span_id != parsed->span_id ||
      back->flags != parsed->flags || back->tracestate != parsed->tracestate) {
    std::abort();
  }
  const auto child = parsed->child();
  if (child.trace_id != parsed->trace_id || !tp::trace::TraceContext::parse(child.traceparent()))
    std::abort();
  return 0;
}
