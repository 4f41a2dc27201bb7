// Go geminio's frames, as captured between real Go peers (vectors/geminio-capture.txt): each
// whole frame decodes to its type, encodes back to the same bytes, and its JSON part reads into
// our body types and writes back to Go's very text (base64, RFC 3339 times, key order).
#include <gtest/gtest.h>

#include <set>

#include "geminio/gowire/bodies.hpp"
#include "geminio/gowire/frame.hpp"
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
