// eRPC's WebSocket protobuf sub-protocol: Go's exact bytes for what Go writes, the status field
// Go lacks, filters, and malformed messages (400, never a crash).
#include <gtest/gtest.h>

#include "teleport/proto/ws_pb_proto.hpp"

namespace tp {
namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

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

// What Go's proto.Marshal(&pb.Payload{...}) gives: fields in number order, empty ones left out.
TEST(WsPbProto, WritesGosBytesForACall) {
  Message m = call_add();
  std::string bytes;
  ASSERT_TRUE(WsPbProto().encode(m, bytes).ok());
  EXPECT_EQ(bytes, unhex("0801"                    // seq 1
                         "1001"                    // mtype 1
                         "1a092f6d6174682f616464"  // serviceMethod "/math/add"
                         "2208617574686f723d78"    // meta "author=x"
                         "286a"                    // bodyCodec 106
                         "32075b312c322c335d"));   // body "[1,2,3]"
  EXPECT_EQ(m.size, bytes.size());
}

TEST(WsPbProto, RoundTripsAnErrorStatusFiltersAndEveryField) {
  Message m = call_add();
  m.type = MsgType::kReply;
  m.seq = -3;
  m.status = Status(1001, "empty list", "need one");
  m.body = std::string(3000, 'q') + std::string("\0\xff", 2);
  m.xfer_pipe = {'g', 'm'};
  std::string bytes;
  ASSERT_TRUE(WsPbProto().encode(m, bytes).ok());
  EXPECT_LT(bytes.size(), 500u);
  Message back;
  const DecodeResult r = WsPbProto().decode(bytes, back);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
  EXPECT_EQ(r.consumed, bytes.size());
  EXPECT_EQ(back.seq, -3);
  EXPECT_EQ(back.type, MsgType::kReply);
  EXPECT_EQ(back.status, m.status);
  EXPECT_EQ(back.meta, m.meta);
  EXPECT_EQ(back.body, m.body);
  EXPECT_EQ(back.xfer_pipe, m.xfer_pipe);
  Message capped;
  EXPECT_EQ(WsPbProto().decode_within(bytes, capped, 100).kind, DecodeResult::Kind::kError);
}

TEST(WsPbProto, MalformedMessagesAreBadMessages) {
  for (const std::string& bad : {
           std::string("\xff\xff\xff", 3),  // not protobuf
           unhex("1a10"),                   // a string longer than the message
           unhex("1009"),                   // mtype 9
           unhex("28ac02"),                 // bodyCodec 300
           unhex("1001"
                 "3a0178"
                 "3201"
                 "61"),  // filter 'x' (none such)
           unhex("1001"
                 "3a0167"
                 "3203"
                 "616263"),  // "abc" is not gzip
           unhex("1001"
                 "1a02c328"),  // serviceMethod not UTF-8 (proto3)
       }) {
    Message m;
    const DecodeResult r = WsPbProto().decode(bad, m);
    EXPECT_EQ(r.kind, DecodeResult::Kind::kError);
    EXPECT_EQ(r.status.code(), code::kBadMessage);
  }
  Message m;
  EXPECT_EQ(WsPbProto({.size_limit = 4}).decode(unhex("0801100120"), m).kind,
            DecodeResult::Kind::kError);
}

}  // namespace
}  // namespace tp
