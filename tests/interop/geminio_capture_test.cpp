// Go geminio's frames, as captured between real Go peers (vectors/geminio-capture.txt): each
// whole frame decodes to its type, encodes back to the same bytes, and its JSON part reads into
// our body types and writes back to Go's very text (base64, RFC 3339 times, key order).
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "geminio/gowire/bodies.hpp"
#include "geminio/gowire/frame.hpp"
#include "geminio/gowire/link.hpp"
#include "interop/vectors.hpp"

namespace tp::geminio::gowire {
namespace {

// The body of `f` read into `Body` and written again.
template <class Body>
std::string rewritten(const Frame& f) {
  Body body;
  const Status st = from_json(f.body, body);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return to_json(body);
}

std::string rewritten_body(const Frame& f) {
  switch (f.type) {
    case Type::kConn:
    case Type::kConnAck:
    case Type::kDisconnAck:
      return rewritten<ConnData>(f);
    case Type::kSession:
    case Type::kSessionAck:
    case Type::kDismiss:
    case Type::kDismissAck:
      return rewritten<SessionData>(f);
    case Type::kRegisterAck:
      return rewritten<RegisterData>(f);
    default:
      return rewritten<MessageData>(f);
  }
}

TEST(GeminioCapture, EveryFrameDecodesAndEncodesToGosBytes) {
  const auto frames = test::load_geminio_capture("geminio-capture.txt");
  std::size_t whole = 0, bodies = 0;
  std::set<Type> types;
  for (const auto& c : frames) {
    SCOPED_TRACE("#" + std::to_string(c.number) + " " + c.type);
    Frame f;
    if (c.bytes.size() != c.total) {
      // Cut in the middle by the capture: the header still names the type and length.
      const auto r = decode_frame(c.bytes, 1 << 20, f);
      EXPECT_EQ(r.kind, DecodeOutcome::Kind::kNeedMore);
      continue;
    }
    ++whole;
    const auto r = decode_frame(c.bytes, 1 << 20, f);
    ASSERT_EQ(r.kind, DecodeOutcome::Kind::kFrame) << r.error.to_string();
    EXPECT_EQ(r.consumed, c.total);
    EXPECT_EQ(type_name(f.type), c.type);
    types.insert(f.type);
    std::string again;
    encode_frame(f, again);
    EXPECT_EQ(test::to_hex(again), test::to_hex(c.bytes));
    if (has_json(f.type)) {
      ++bodies;
      EXPECT_EQ(rewritten_body(f), f.body);
    }
    // Every shorter prefix needs more bytes.
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, kHeaderSize, c.total - 1}) {
      Frame part;
      EXPECT_EQ(
          decode_frame(std::string_view(c.bytes).substr(0, n), 1 << 20, part).kind,
          n < 2 || n < c.total ? DecodeOutcome::Kind::kNeedMore : DecodeOutcome::Kind::kFrame);
    }
  }
  EXPECT_GE(whole, 59u);
  EXPECT_GE(bodies, 40u);
  // Every type Go sends appeared whole at least once.
  for (Type t : {Type::kConn, Type::kConnAck, Type::kDisconn, Type::kDisconnAck, Type::kHeartbeat,
                 Type::kHeartbeatAck, Type::kSession, Type::kSessionAck, Type::kDismiss,
                 Type::kDismissAck, Type::kMessage, Type::kMessageAck, Type::kStream,
                 Type::kRequest, Type::kResponse, Type::kRegister, Type::kRegisterAck}) {
    EXPECT_TRUE(types.contains(t)) << type_name(t);
  }
}

TEST(GeminioCapture, TheFirstFramesFieldByField) {
  const auto frames = test::load_geminio_capture("geminio-capture.txt");
  Frame conn;
  ASSERT_EQ(decode_frame(frames.at(0).bytes, 1 << 20, conn).kind, DecodeOutcome::Kind::kFrame);
  EXPECT_EQ(conn.type, Type::kConn);
  EXPECT_EQ(conn.packet_id, 0x6b0fa50835d938caULL);
  EXPECT_EQ(conn.flags, 0x18);
  EXPECT_EQ(heartbeat_seconds(conn.flags), 20u);
  EXPECT_EQ(conn_flags_for(20), 0x18);
  EXPECT_EQ(conn.client_id, 0u);
  ConnData data;
  ASSERT_TRUE(from_json(conn.body, data).ok());
  EXPECT_EQ(data.meta, "gogeminio-client");
  Frame ack;
  ASSERT_EQ(decode_frame(frames.at(1).bytes, 1 << 20, ack).kind, DecodeOutcome::Kind::kFrame);
  EXPECT_EQ(ack.type, Type::kConnAck);
  EXPECT_EQ(ack.packet_id, conn.packet_id);
  EXPECT_EQ(ack.client_id, 7714566144339940131ULL);
  Frame request;
  ASSERT_EQ(decode_frame(frames.at(8).bytes, 1 << 20, request).kind, DecodeOutcome::Kind::kFrame);
  MessageData call;
  ASSERT_TRUE(from_json(request.body, call).ok());
  EXPECT_EQ(call.key, "echo");
  EXPECT_EQ(call.value, "hello geminio");
  EXPECT_TRUE(call.deadline.zero);
  EXPECT_EQ(call.context_deadline.text(), "2026-12-02T04:56:45.011925637Z");
}

// Go's client side of the capture replayed into our server link, with an application that does
// what the capture's Go server did: every frame the link or the application sends that answers a
// client frame (same packet ID) is Go's server frame byte for byte.
TEST(GeminioCapture, OurServerLinkAnswersAsGosServerDid) {
  const auto captured = test::load_geminio_capture("geminio-capture.txt");
  std::map<std::pair<Type, std::uint64_t>, std::string> go_answers;
  std::uint64_t server_opened = 0;  // the stream Go's server opened (its SESSION's negotiateID)
  for (const auto& c : captured) {
    Frame f;
    if (c.direction != "S->C" || c.bytes.size() != c.total) continue;
    ASSERT_EQ(decode_frame(c.bytes, 1 << 20, f).kind, DecodeOutcome::Kind::kFrame);
    go_answers[{f.type, f.packet_id}] = c.bytes;
    if (f.type == Type::kSession) server_opened = f.negotiate_id;
  }
  std::deque<std::uint64_t> ids_to_give;  // Go's IDs where they must match, else a counter
  std::uint64_t counter = 1000;
  Link link({.client_id =
                 [](std::uint64_t wanted, const std::string& meta) {
                   EXPECT_EQ(wanted, 0u);
                   EXPECT_EQ(meta, "gogeminio-client");
                   return std::uint64_t{7714566144339940131ULL};  // what Go's server chose
                 },
             .next_id =
                 [&] {
                   if (ids_to_give.empty()) return ++counter;
                   const std::uint64_t id = ids_to_give.front();
                   ids_to_give.pop_front();
                   return id;
                 }});
  std::vector<Frame> sent;
  const auto now = Link::Clock::now();
  // What the capture's Go server does with each event.
  const auto act = [&](const LinkEvent& e) {
    using Kind = LinkEvent::Kind;
    if (e.kind == Kind::kConnected) {
      sent.push_back(link.serve(kDefaultStream, "echo"));
      sent.push_back(link.serve(kDefaultStream, "add"));
    } else if (e.kind == Kind::kStreamOpened) {
      sent.push_back(link.serve(e.stream, "echo"));
      sent.push_back(link.serve(e.stream, "add"));
    } else if (e.kind == Kind::kRequest && e.method == "echo") {
      sent.push_back(link.respond(e.stream, e.packet_id, e.method, e.data.value, ""));
    } else if (e.kind == Kind::kRequest && e.method == "add") {
      boost::system::error_code ec;
      const auto list = boost::json::parse(e.data.value, ec);
      if (ec) {
        sent.push_back(link.respond(e.stream, e.packet_id, e.method, "",
                                    "add: want a JSON list of ints: invalid character 'o' in "
                                    "literal null (expecting 'u')"));
      } else {
        std::int64_t sum = 0;
        for (const auto& x : list.as_array()) sum += x.as_int64();
        sent.push_back(link.respond(e.stream, e.packet_id, e.method, std::to_string(sum), ""));
      }
    } else if (e.kind == Kind::kMessage) {
      if (e.data.topic == "open-stream") {
        ids_to_give = {++counter, server_opened};  // the SESSION's packet ID, then Go's stream ID
        sent.push_back(link.open_stream({}));
      }
      sent.push_back(
          link.ack(e.stream, e.packet_id, e.data.topic == "reject" ? "rejected by server" : ""));
    }
  };
  std::size_t events = 0;
  for (const auto& c : captured) {
    if (c.direction != "C->S") continue;
    Frame f;
    if (c.bytes.size() != c.total) {
      // The 200 KiB STREAM was cut by the capture: its header is enough to skip it.
      ASSERT_EQ(decode_frame(c.bytes, 1 << 20, f).kind, DecodeOutcome::Kind::kNeedMore);
      continue;
    }
    ASSERT_EQ(decode_frame(c.bytes, 1 << 20, f).kind, DecodeOutcome::Kind::kFrame);
    if (f.type == Type::kSession) {
      // The stream ID Go's server chose, from its SESSION_ACK.
      Frame ack;
      (void)decode_frame(go_answers.at({Type::kSessionAck, f.packet_id}), 1 << 20, ack);
      ids_to_give.push_back(ack.session_id);
    }
    std::vector<LinkEvent> seen;
    ASSERT_TRUE(link.receive(f, now, sent, seen).ok()) << "#" << c.number;
    for (const auto& e : seen) act(e);
    events += seen.size();
  }
  // Go's client dismissed every stream before it disconnected, the default one included.
  EXPECT_TRUE(link.streams().empty());
  std::size_t matched = 0;
  std::set<Type> answered;
  for (const auto& f : sent) {
    const auto go = go_answers.find({f.type, f.packet_id});
    if (go == go_answers.end()) continue;
    std::string ours;
    encode_frame(f, ours);
    EXPECT_EQ(test::to_hex(ours), test::to_hex(go->second)) << type_name(f.type);
    ++matched;
    answered.insert(f.type);
  }
  EXPECT_GE(matched, 18u);
  for (Type t : {Type::kConnAck, Type::kRegisterAck, Type::kResponse, Type::kMessageAck,
                 Type::kSessionAck, Type::kDismissAck, Type::kHeartbeatAck, Type::kDisconnAck})
    EXPECT_TRUE(answered.contains(t)) << type_name(t);
  EXPECT_GE(events, 20u);
}

// The other side: Go's server frames replayed into our client link, which starts what Go's client
// started (CONN, REGISTER, SESSION, DISMISS, HEARTBEAT, DISCONN) and answers the rest by itself
// or through an application acting as Go's client: every frame is Go's client frame byte for byte.
TEST(GeminioCapture, OurClientLinkSpeaksAsGosClientDid) {
  const auto captured = test::load_geminio_capture("geminio-capture.txt");
  std::deque<std::uint64_t> ids;  // the IDs Go's client used, handed out as it used them
  Link link({.server = false, .next_id = [&] {
               EXPECT_FALSE(ids.empty());
               const std::uint64_t id = ids.empty() ? 0 : ids.front();
               if (!ids.empty()) ids.pop_front();
               return id;
             }});
  std::map<std::pair<Type, std::uint64_t>, std::string> go_frames;  // what Go's client sent
  std::vector<Frame> sent;
  std::uint64_t client_stream = 0;
  std::size_t started = 0;
  const auto now = Link::Clock::now();
  for (const auto& c : captured) {
    Frame f;
    if (c.bytes.size() != c.total) continue;  // the cut STREAM frames carry no state
    ASSERT_EQ(decode_frame(c.bytes, 1 << 20, f).kind, DecodeOutcome::Kind::kFrame);
    if (c.direction == "C->S") {
      go_frames[{f.type, f.packet_id}] = c.bytes;
      // What Go's client started, started through our link with Go's IDs.
      std::optional<Frame> ours;
      ids.push_back(f.packet_id);
      if (f.type == Type::kConn) {
        ours = link.connect("gogeminio-client", 0, 20);
      } else if (f.type == Type::kRegister) {
        ours = link.serve(f.session_id, f.body);
      } else if (f.type == Type::kSession) {
        ids.push_back(f.negotiate_id);
        ours = link.open_stream({.meta = "client-stream"});
      } else if (f.type == Type::kDismiss) {
        ours = link.dismiss(f.session_id);
      } else if (f.type == Type::kHeartbeat) {
        ours = link.heartbeat();
      } else if (f.type == Type::kDisconn) {
        ours = link.disconnect();
      } else {
        ids.pop_back();  // an answer, or data the application writes itself
      }
      if (ours) {
        std::string bytes;
        encode_frame(*ours, bytes);
        EXPECT_EQ(test::to_hex(bytes), test::to_hex(c.bytes)) << "#" << c.number;
        ++started;
      }
      continue;
    }
    std::vector<LinkEvent> seen;
    ASSERT_TRUE(link.receive(f, now, sent, seen).ok()) << "#" << c.number;
    for (const auto& e : seen) {
      if (e.kind == LinkEvent::Kind::kConnected) {
        EXPECT_EQ(e.id, 7714566144339940131ULL);
      }
      if (e.kind == LinkEvent::Kind::kStreamAccepted) client_stream = e.stream;
      if (e.kind == LinkEvent::Kind::kRequest)  // the server calls client.echo back
        sent.push_back(link.respond(e.stream, e.packet_id, e.method, e.data.value, ""));
    }
  }
  EXPECT_EQ(client_stream, 7714566143906093902ULL);  // the ID Go's server chose
  EXPECT_EQ(started, 8u);  // CONN, REGISTER, SESSION, 3 DISMISS, HEARTBEAT, DISCONN, as Go's
  std::size_t matched = 0;
  for (const auto& f : sent) {
    const auto go = go_frames.find({f.type, f.packet_id});
    ASSERT_NE(go, go_frames.end()) << type_name(f.type) << " that Go's client did not send";
    std::string ours;
    encode_frame(f, ours);
    EXPECT_EQ(test::to_hex(ours), test::to_hex(go->second)) << type_name(f.type);
    ++matched;
  }
  EXPECT_EQ(matched, 8u);  // 2 REGISTER_ACK, RESPONSE, SESSION_ACK, 3 DISMISS_ACK, DISCONN_ACK
  EXPECT_TRUE(link.streams().empty());
}

TEST(GeminioWire, ServerLinkDropsWhatGoDropsAndWatchesHeartbeats) {
  std::uint64_t next = 10;
  Link link({.client_id = [](std::uint64_t wanted, const std::string&) { return wanted; },
             .next_id = [&] { return next += 2; }});
  std::vector<Frame> out;
  std::vector<LinkEvent> events;
  const auto t0 = Link::Clock::now();
  Frame request{.type = Type::kRequest, .packet_id = 5, .session_id = 1};
  request.body = to_json(MessageData{.key = "echo"});
  ASSERT_TRUE(link.receive(request, t0, out, events).ok());  // before CONN: dropped
  EXPECT_TRUE(out.empty() && events.empty());
  Frame conn{.type = Type::kConn, .packet_id = 1, .flags = conn_flags_for(5), .client_id = 42};
  conn.body = "{}";
  ASSERT_TRUE(link.receive(conn, t0, out, events).ok());
  EXPECT_EQ(link.client_id(), 42u);  // the wanted ID honoured, as v1.1.7-rc.1 lets a server do
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, Type::kConnAck);
  EXPECT_EQ(out[0].client_id, 42u);
  EXPECT_FALSE(link.receive(conn, t0, out, events).ok());  // a second CONN
  out.clear();
  // A method nobody serves is answered by the link; a stream nobody opened gets nothing.
  ASSERT_TRUE(link.receive(request, t0, out, events).ok());
  ASSERT_EQ(out.size(), 1u);
  MessageData answer;
  ASSERT_TRUE(from_json(out[0].body, answer).ok());
  EXPECT_EQ(answer.error, "no such rpc: echo");
  out.clear();
  Frame elsewhere = request;
  elsewhere.session_id = 77;
  ASSERT_TRUE(link.receive(elsewhere, t0, out, events).ok());
  EXPECT_TRUE(out.empty());
  // Heartbeats: 5 s period, missed after 10 s without one.
  EXPECT_FALSE(link.heartbeat_missed(t0 + std::chrono::seconds(9)));
  ASSERT_TRUE(link.receive({.type = Type::kHeartbeat, .packet_id = 9}, t0 + std::chrono::seconds(9),
                           out, events)
                  .ok());
  EXPECT_EQ(out.back().type, Type::kHeartbeatAck);
  EXPECT_FALSE(link.heartbeat_missed(t0 + std::chrono::seconds(18)));
  EXPECT_TRUE(link.heartbeat_missed(t0 + std::chrono::seconds(20)));
  // A bad JSON part closes the connection.
  request.body = "{";
  EXPECT_FALSE(link.receive(request, t0, out, events).ok());
}

TEST(GeminioWire, BadFramesAreRefusedFromTheHeader) {
  Frame f;
  const auto error = [&](std::string_view bytes, std::size_t limit = 1 << 20) {
    const auto r = decode_frame(bytes, limit, f);
    return r.kind == DecodeOutcome::Kind::kError ? r.error.cause() : std::string("no error");
  };
  const std::string header_of_big =
      std::string("\x01\x51", 2) + std::string(8, '\0') + std::string("\x7f\xff\xff\xff", 4);
  EXPECT_NE(error(header_of_big).find("past the limit"), std::string::npos);
  EXPECT_NE(error(std::string("\x01\x99", 2)).find("unknown frame type 153"), std::string::npos);
  const std::string heartbeat_with_payload =
      std::string("\x01\x21", 2) + std::string(8, '\0') + std::string("\0\0\0\x01x", 5);
  EXPECT_NE(error(heartbeat_with_payload).find("Go reads none"), std::string::npos);
  const std::string short_conn =
      std::string("\x01\x01", 2) + std::string(8, '\0') + std::string("\0\0\0\x03xyz", 7);
  EXPECT_NE(error(short_conn).find("too short"), std::string::npos);  // Go's u32 underflow
  const std::string message_without_json = std::string("\x01\x51", 2) + std::string(8, '\0') +
                                           std::string("\0\0\0\x08", 4) + std::string(8, '\0');
  EXPECT_NE(error(message_without_json).find("too short"), std::string::npos);
  MessageData m;
  EXPECT_FALSE(from_json("", m).ok());
  EXPECT_FALSE(from_json("[1]", m).ok());
  EXPECT_FALSE(from_json(R"({"key":"not base64!"})", m).ok());
  EXPECT_FALSE(from_json(R"({"deadline":"yesterday"})", m).ok());
  EXPECT_FALSE(from_json(R"({"context":3})", m).ok());
  ASSERT_TRUE(from_json(R"({"value":"aGk=","extra":[1,{}],"topic":null})", m).ok());
  EXPECT_EQ(m.value, "hi");  // unknown keys ignored, null is zero, as Go's decoder does
}

TEST(GeminioWire, GoConventionsForStringsAndTimes) {
  std::string out;
  append_go_string("a<b>&\"\\\n\x01\xe2\x80\xa8\xff", out);
  EXPECT_EQ(out, R"("a\u003cb\u003e\u0026\"\\\n\u0001\u2028\ufffd")");
  const auto t = GoTime::parse("2026-12-02T12:56:45.5+08:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->offset_minutes, 480);
  EXPECT_EQ(t->text(), "2026-12-02T12:56:45.5+08:00");
  EXPECT_EQ(GoTime::at(t->utc).text(), "2026-12-02T04:56:45.5Z");
  EXPECT_EQ(GoTime::parse("0001-01-01T00:00:00Z")->text(), "0001-01-01T00:00:00Z");
  EXPECT_FALSE(GoTime::parse("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(GoTime::parse("2026-12-02T00:00:00"));
  EXPECT_FALSE(GoTime::parse("9999-12-02T00:00:00Z"));  // past what nanoseconds hold
  MessageData d;
  d.key = "add";
  d.value = "[1,2]";
  d.deadline = GoTime::at(t->utc);
  EXPECT_EQ(to_json(d), R"({"key":"YWRk","value":"WzEsMl0=","deadline":"2026-12-02T04:56:45.5Z",)"
                        R"("context":{"deadline":"0001-01-01T00:00:00Z"}})");
  EXPECT_EQ(to_json(SessionData{"", "", "edge-1"}), R"({"peer":"edge-1"})");
  EXPECT_EQ(to_json(ConnData{}), "{}");
}

}  // namespace
}  // namespace tp::geminio::gowire
