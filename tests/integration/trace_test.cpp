// Trace context over real sockets: a trace followed from a client through a middle peer to a
// server, span by span; a middle peer without tracing (as a Go eRPC peer that copies meta) keeps
// the trace intact; a caller's own traceparent, a malformed one, async handlers, and the logging
// exporter.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <sstream>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"
#include "teleport/trace.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;
using trace::Span;

// Keeps every ended span (from any I/O thread).
class Recorder final : public trace::SpanExporter {
 public:
  void on_end(const Span& span) override {
    std::lock_guard lock(mutex_);
    spans_.push_back(span);
  }
  // The ended span of `kind` for `sm`; fails the test if there is none within 5 s.
  Span find(Span::Kind kind, std::string_view sm) {
    Span found;
    const bool seen = test::eventually(
        [&] {
          std::lock_guard lock(mutex_);
          for (const auto& s : spans_) {
            if (s.kind == kind && s.service_method == sm) {
              found = s;
              return true;
            }
          }
          return false;
        },
        5s);
    EXPECT_TRUE(seen) << trace::kind_name(kind) << " " << sm;
    return found;
  }

 private:
  std::mutex mutex_;
  std::vector<Span> spans_;
};

struct Traced {
  std::shared_ptr<Recorder> spans = std::make_shared<Recorder>();
  PluginPtr plugin = trace::plugin(spans);
};

// A middle peer whose /mid/add (on a worker) calls the server's /math/add; `async` makes it an
// async handler that calls later and passes its Ctx on with trace::propagate.
struct Middle {
  Middle(const std::string& server_addr, Plugins plugins, bool async)
      : peer({.listen_address = "127.0.0.1:0"}, std::move(plugins)) {
    upstream = peer.dial(server_addr).value;
    EXPECT_TRUE(upstream);
    if (async) {
      EXPECT_TRUE(peer.router()
                      .route_call_async("/mid/add",
                                        [this](Ctx& ctx, std::function<void(Status)> done) {
                                          CallOptions opts;
                                          trace::propagate(ctx, opts);
                                          upstream->async_call<int>(
                                              "/math/add", std::vector{1, 2},
                                              [&ctx, done](Status st, int sum) {
                                                if (st.ok()) st = ctx.set_reply(sum);
                                                done(st);
                                              },
                                              std::move(opts));
                                        })
                      .ok());
    } else {
      EXPECT_TRUE(peer.route_call_func("/mid/add",
                                       [this](Ctx&, const std::vector<int>& xs) -> Result<int> {
                                         return upstream->call<int>("/math/add", xs);
                                       },
                                       {.blocking = true})
                      .ok());
    }
    EXPECT_TRUE(peer.listen().ok());
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(peer.listen_port()); }
  Peer peer;
  std::shared_ptr<Session> upstream;
};

TEST(Trace, FollowsACallThroughAMiddlePeerSpanBySpan) {
  for (bool async : {false, true}) {
    SCOPED_TRACE(async ? "async middle handler" : "blocking middle handler");
    Traced s, m, c;
    Peer traced_server({.listen_address = "127.0.0.1:0"}, {s.plugin});
    ASSERT_TRUE(traced_server
                    .route_call_func("/math/add",
                                     [](Ctx&, const std::vector<int>& xs) -> Result<int> {
                                       return xs.at(0) + xs.at(1);
                                     })
                    .ok());
    ASSERT_TRUE(traced_server.listen().ok());
    Middle middle("127.0.0.1:" + std::to_string(traced_server.listen_port()), {m.plugin}, async);
    Peer client({}, {c.plugin});
    auto sess = client.dial(middle.addr()).value;
    ASSERT_TRUE(sess);
    auto r = sess->call<int>("/mid/add", std::vector{1, 2});
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    EXPECT_EQ(r.value, 3);

    const Span client_call = c.spans->find(Span::Kind::kCaller, "/mid/add");
    const Span middle_handler = m.spans->find(Span::Kind::kHandler, "/mid/add");
    const Span middle_call = m.spans->find(Span::Kind::kCaller, "/math/add");
    const Span server_handler = s.spans->find(Span::Kind::kHandler, "/math/add");
    EXPECT_TRUE(client_call.parent_span_id.empty()) << "the client started the trace";
    const std::string trace_id = client_call.context.trace_id_hex();
    for (const Span* span : {&middle_handler, &middle_call, &server_handler})
      EXPECT_EQ(span->context.trace_id_hex(), trace_id) << trace::kind_name(span->kind);
    EXPECT_EQ(middle_handler.parent_span_id, client_call.context.span_id_hex());
    EXPECT_EQ(middle_call.parent_span_id, middle_handler.context.span_id_hex());
    EXPECT_EQ(server_handler.parent_span_id, middle_call.context.span_id_hex());
    EXPECT_EQ(server_handler.code, 0);
    EXPECT_GE(client_call.duration, middle_handler.duration);
    EXPECT_GE(middle_handler.duration, middle_call.duration);
    EXPECT_EQ(server_handler.remote, middle.upstream->local_addr());
  }
}

// A middle peer without the plugin carries the incoming traceparent on unchanged (a Go eRPC
// handler that copies meta does the same): the trace stays one.
TEST(Trace, AMiddlePeerWithoutTracingKeepsTheTraceIntact) {
  Traced s, c;
  Peer server({.listen_address = "127.0.0.1:0"}, {s.plugin});
  ASSERT_TRUE(server
                  .route_call_func("/math/add",
                                   [](Ctx&, const std::vector<int>& xs) -> Result<int> {
                                     return xs.at(0) + xs.at(1);
                                   })
                  .ok());
  ASSERT_TRUE(server.listen().ok());
  Middle middle("127.0.0.1:" + std::to_string(server.listen_port()), {}, false);
  Peer client({}, {c.plugin});
  auto sess = client.dial(middle.addr()).value;
  ASSERT_TRUE(sess);
  const auto sum = sess->call<int>("/mid/add", std::vector{1, 2});
  ASSERT_TRUE(sum.ok()) << sum.status.to_string();
  const Span client_call = c.spans->find(Span::Kind::kCaller, "/mid/add");
  const Span server_handler = s.spans->find(Span::Kind::kHandler, "/math/add");
  EXPECT_EQ(server_handler.context.trace_id_hex(), client_call.context.trace_id_hex());
  EXPECT_EQ(server_handler.parent_span_id, client_call.context.span_id_hex());
}

TEST(Trace, ACallersOwnContextIsContinuedAndABrokenOneStartsANewTrace) {
  Traced s;
  Peer server({.listen_address = "127.0.0.1:0"}, {s.plugin});
  std::string seen_by_handler;
  std::mutex mutex;
  ASSERT_TRUE(server
                  .route_call_func("/math/add",
                                   [&](Ctx& ctx, const std::vector<int>& xs) -> Result<int> {
                                     std::lock_guard lock(mutex);
                                     seen_by_handler = ctx.peek_meta("traceparent").value_or("");
                                     return xs.at(0);
                                   })
                  .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client;  // no plugin: the meta is the caller's own
  auto sess = client.dial("127.0.0.1:" + std::to_string(server.listen_port())).value;
  ASSERT_TRUE(sess);
  CallOptions opts;
  opts.meta.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  opts.meta.add("tracestate", "congo=t61rcWkgMzE");
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{7}, opts).ok());
  const Span continued = s.spans->find(Span::Kind::kHandler, "/math/add");
  EXPECT_EQ(continued.context.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(continued.parent_span_id, "00f067aa0ba902b7");
  EXPECT_EQ(continued.context.tracestate, "congo=t61rcWkgMzE");
  {
    std::lock_guard lock(mutex);  // the handler sees its own span as the parent of its calls
    EXPECT_EQ(seen_by_handler, continued.context.traceparent());
  }

  Traced s2;
  Peer server2({.listen_address = "127.0.0.1:0"}, {s2.plugin});
  ASSERT_TRUE(
      server2.route_call_func("/x", [](Ctx&, const int& x) -> Result<int> { return x; }).ok());
  ASSERT_TRUE(server2.listen().ok());
  auto sess2 = client.dial("127.0.0.1:" + std::to_string(server2.listen_port())).value;
  CallOptions broken;
  broken.meta.add("traceparent", "00-NOT-A-TRACE-01");
  ASSERT_TRUE(sess2->call<int>("/x", 1, broken).ok());
  const Span fresh = s2.spans->find(Span::Kind::kHandler, "/x");
  EXPECT_TRUE(fresh.parent_span_id.empty());
  EXPECT_TRUE(trace::TraceContext::parse(fresh.context.traceparent()));
}

TEST(Trace, PushesAndTheLoggingExporter) {
  std::ostringstream lines;
  auto logger = std::make_shared<spdlog::logger>(
      "trace-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  test::MathServer server({.listen_address = "127.0.0.1:0"});
  Peer client({}, {trace::plugin(trace::log_exporter(logger))});
  auto sess = client.dial(server.addr()).value;
  ASSERT_TRUE(sess);
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1, 2}).ok());
  ASSERT_TRUE(sess->push("/chat/say", std::string("hi")).ok());
  ASSERT_TRUE(test::eventually([&] { return server.pushes == 1; }, 5s));
  ASSERT_TRUE(test::eventually(
      [&] { return lines.str().find("span push-out /chat/say") != std::string::npos; }, 5s));
  logger->flush();
  const std::string text = lines.str();
  EXPECT_NE(text.find("span caller /math/add " + server.addr() + " code=0"), std::string::npos)
      << text;
  EXPECT_NE(text.find("trace="), std::string::npos);
  EXPECT_NE(text.find("parent=-"), std::string::npos);
}

// A call whose reply never comes still ends its span: with 102 when its session closes.
TEST(Trace, ACallWithoutAReplyEndsWhenItsSessionCloses) {
  Traced c;
  Peer server({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(
      server.router().route_call_async("/never", [](Ctx&, std::function<void(Status)>) {}).ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client({}, {c.plugin});
  auto sess = client.dial("127.0.0.1:" + std::to_string(server.listen_port())).value;
  ASSERT_TRUE(sess);
  EXPECT_EQ(sess->call<int>("/never", 1, {.timeout = 100ms}).status.code(), code::kHandleTimeout);
  sess->close();
  const Span span = c.spans->find(Span::Kind::kCaller, "/never");
  EXPECT_EQ(span.code, code::kConnClosed);
  EXPECT_GE(span.duration, 100ms);
}

}  // namespace
}  // namespace tp
