// W3C trace context: reading and writing traceparent, new ids, carrying it in meta.
#include <gtest/gtest.h>

#include <set>

#include "teleport/trace.hpp"

namespace tp::trace {
namespace {

constexpr std::string_view kW3cExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ReadsAndWritesTheW3cExample) {
  const auto c = TraceContext::parse(kW3cExample, "congo=t61rcWkgMzE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id_hex(), "00f067aa0ba902b7");
  EXPECT_EQ(c->flags, 1);
  EXPECT_EQ(c->tracestate, "congo=t61rcWkgMzE");
  EXPECT_EQ(c->traceparent(), kW3cExample);
  EXPECT_EQ(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->flags,
            0);
}

TEST(TraceContext, RefusesWhatW3cRefuses) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 with more
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",    // not hex
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // later version, no '-'
       }) {
    EXPECT_FALSE(TraceContext::parse(bad)) << bad;
  }
  // A later version: its first four fields are read, what follows a '-' is left alone.
  const auto later =
      TraceContext::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-next");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  // A tracestate longer than W3C's 512 is not carried.
  EXPECT_EQ(TraceContext::parse(kW3cExample, std::string(600, 'a'))->tracestate, "");
}

TEST(TraceContext, NewIdsAreRandomAndChildrenStayInTheTrace) {
  std::set<std::string> traces, spans;
  for (int i = 0; i < 100; ++i) {
    const auto root = TraceContext::root();
    EXPECT_TRUE(TraceContext::parse(root.traceparent())) << root.traceparent();
    traces.insert(root.trace_id_hex());
    const auto child = root.child();
    EXPECT_EQ(child.trace_id, root.trace_id);
    EXPECT_NE(child.span_id, root.span_id);
    spans.insert(child.span_id_hex());
  }
  EXPECT_EQ(traces.size(), 100u);
  EXPECT_EQ(spans.size(), 100u);
}

TEST(TraceContext, MetaCarriesItAndInheritKeepsTheCallersOwn) {
  Meta incoming;
  incoming.add("traceparent", std::string(kW3cExample));
  incoming.add("tracestate", "a=1");
  Meta outgoing;
  inherit(incoming, outgoing);
  EXPECT_EQ(outgoing.get("traceparent"), kW3cExample);
  EXPECT_EQ(outgoing.get("tracestate"), "a=1");
  Meta own;
  const auto mine = TraceContext::root();
  to_meta(mine, own);
  inherit(incoming, own);  // a caller's explicit context wins
  EXPECT_EQ(from_meta(own)->traceparent(), mine.traceparent());
  Meta none;
  inherit(Meta{}, none);
  EXPECT_FALSE(none.get("traceparent"));
  Meta broken;
  broken.add("traceparent", "nonsense");
  EXPECT_FALSE(from_meta(broken));
}

}  // namespace
}  // namespace tp::trace
