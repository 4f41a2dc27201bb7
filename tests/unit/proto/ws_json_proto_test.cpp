// eRPC's WebSocket JSON sub-protocol: Go's exact text for what Go writes, the status member Go
// lacks, filters, Go's quirks, and malformed messages (400, never a crash).
#include <gtest/gtest.h>

#include "teleport/proto/ws_json_proto.hpp"

namespace tp {
namespace {

Message call_add() {
  Message m;
  m.seq = 1;
  m.type = MsgType::kCall;
  m.service_method = "/math/add";
  m.meta.add("author", "x");
  m.body_codec = 'j';
  m.body = "[1,2,3]";
  return m;
}

Message decoded(std::string_view text, const WsJsonProto& proto = WsJsonProto()) {
  Message m;
  const DecodeResult r = proto.decode(text, m);
  EXPECT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string() << "\n" << text;
  EXPECT_EQ(r.consumed, text.size());
  return m;
}

void expect_bad(std::string_view text, std::string_view reason,
                const WsJsonProto& proto = WsJsonProto()) {
  Message m;
  const DecodeResult r = proto.decode(text, m);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kError) << text;
  EXPECT_EQ(r.status.code(), code::kBadMessage);
  EXPECT_NE(r.status.cause().find(reason), std::string::npos) << r.status.cause();
}

// What Go's fmt.Sprintf of jsonSubProto's format gives for the same message.
TEST(WsJsonProto, WritesGosTextForACall) {
  Message m = call_add();
  std::string text;
  ASSERT_TRUE(WsJsonProto().encode(m, text).ok());
  EXPECT_EQ(text,
            R"({"seq":1,"mtype":1,"serviceMethod":"/math/add","meta":"author=x","bodyCodec":106,)"
            R"("body":"[1,2,3]","xferPipe":[]})");
  EXPECT_EQ(m.size, text.size());
  // A JSON body: Go escapes its quotes, nothing else.
  m.body = R"({"a":"b"})";
  text.clear();
  ASSERT_TRUE(WsJsonProto().encode(m, text).ok());
  EXPECT_NE(text.find(R"("body":"{\"a\":\"b\"}")"), std::string::npos) << text;
}

TEST(WsJsonProto, RoundTripsEveryFieldAndAnErrorStatus) {
  Message reply;
  reply.seq = -7;
  reply.type = MsgType::kReply;
  reply.status = Status(404, "Not Found", "no \"route\"");
  reply.meta.add("k", "a b&c");
  std::string text;
  ASSERT_TRUE(WsJsonProto().encode(reply, text).ok());
  EXPECT_NE(text.find(R"("status":"code=404&msg=Not%20Found&cause=no%20%22route%22")"),
            std::string::npos)
      << text;
  const Message back = decoded(text);
  EXPECT_EQ(back.seq, -7);
  EXPECT_EQ(back.type, MsgType::kReply);
  EXPECT_EQ(back.status, reply.status);
  EXPECT_EQ(back.meta, reply.meta);
  // An OK reply carries no status member: Go's bytes exactly.
  Message ok;
  ok.seq = 2;
  ok.type = MsgType::kReply;
  ok.body_codec = 'j';
  ok.body = "6";
  text.clear();
  ASSERT_TRUE(WsJsonProto().encode(ok, text).ok());
  EXPECT_EQ(text, R"({"seq":2,"mtype":2,"serviceMethod":"","meta":"","bodyCodec":106,"body":"6",)"
                  R"("xferPipe":[]})");
}

TEST(WsJsonProto, FiltersTheBodyAndNamesThemInXferPipe) {
  Message m = call_add();
  m.body = std::string(2000, 'z') + "\\\"\x01\xff";
  m.xfer_pipe = {'g'};
  std::string text;
  ASSERT_TRUE(WsJsonProto().encode(m, text).ok());
  EXPECT_NE(text.find(R"("xferPipe":[103]})"), std::string::npos);
  EXPECT_LT(text.size(), 500u);  // gzipped
  const Message back = decoded(text);
  EXPECT_EQ(back.body, m.body);
  ASSERT_EQ(back.xfer_pipe.size(), 1u);
  // The gzip output, capped: a body that would unpack past the budget is refused.
  Message capped;
  EXPECT_EQ(WsJsonProto().decode_within(text, capped, 1000).kind, DecodeResult::Kind::kError);
}

// Go's reader looks members up by name: any order, unknown members and missing ones are fine.
TEST(WsJsonProto, ReadsMembersInAnyOrderAsGoDoes) {
  const Message m =
      decoded(R"({"xferPipe":[],"body":"[4]","extra":{"x":1},"bodyCodec":106,"mtype":1,"seq":3,)"
              R"("serviceMethod":"/a"})");
  EXPECT_EQ(m.seq, 3);
  EXPECT_EQ(m.service_method, "/a");
  EXPECT_EQ(m.body, "[4]");
  EXPECT_TRUE(m.meta.empty());
  EXPECT_TRUE(m.status.ok());
}

TEST(WsJsonProto, MalformedMessagesAreBadMessages) {
  expect_bad("", "not a JSON object");
  expect_bad("[1,2]", "not a JSON object");
  expect_bad(R"({"seq":1,"mtype":1)", "not a JSON object");
  expect_bad(R"({"seq":"1","mtype":1})", "wrong type");
  expect_bad(R"({"seq":1,"mtype":9})", "");
  expect_bad(R"({"seq":4294967296,"mtype":1})", "seq out of int32 range");
  expect_bad(R"({"seq":18446744073709551615,"mtype":1})", "wrong type");
  expect_bad(R"({"seq":1,"mtype":1,"bodyCodec":300})", "bodyCodec out of range");
  expect_bad(R"({"seq":1,"mtype":1,"xferPipe":[256]})", "not a byte");
  expect_bad(R"({"seq":1,"mtype":1,"xferPipe":"g"})", "bad xferPipe");
  expect_bad(R"({"seq":1,"mtype":1,"xferPipe":[120],"body":"x"})", "");  // no filter 'x'
  expect_bad(R"({"seq":1,"mtype":1,"xferPipe":[103],"body":"not gzip"})", "");
  expect_bad(std::string(100, '[') + std::string(100, ']'), "not a JSON object");
  expect_bad(std::string(200, 'x'), "exceeds the limit", WsJsonProto({.size_limit = 100}));
  // A Go frame whose body held a backslash is not JSON (Go escapes only quotes): refused.
  expect_bad(R"({"seq":1,"mtype":1,"body":"a\qb"})", "not a JSON object");
}

TEST(WsJsonProto, OversizeWritesAreRefused) {
  Message m = call_add();
  m.body = std::string(500, 'a');
  std::string text = "kept";
  const Status st = WsJsonProto({.size_limit = 100}).encode(m, text);
  EXPECT_EQ(st.code(), code::kWriteFailed);
  EXPECT_EQ(text, "kept");
}

}  // namespace
}  // namespace tp
