// ThriftProto: eRPC's thriftproto frames (THeader + binary message), encoded by us and by the
// Thrift library's own THeaderProtocol (as a Go peer writes them), decoded incrementally.
#include <gtest/gtest.h>
#include <thrift/protocol/THeaderProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "interop/vectors.hpp"
#include "teleport/codec/codec.hpp"
#include "teleport/proto/thrift_proto.hpp"

namespace tp {
namespace {

Message sample() {
  Message m;
  m.seq = 42;
  m.type = MsgType::kCall;
  m.service_method = "Home.Test?x=1";
  m.status = Status(1001, "bad", "why");
  m.meta.add("peer_id", "110");
  m.meta.add("k", "a b");
  m.body_codec = codec_id::kJson;
  m.body = R"({"author":"henrylee2cn"})";
  return m;
}

void expect_same(const Message& a, const Message& b) {
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.service_method, b.service_method);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.meta, b.meta);
  EXPECT_EQ(a.body_codec, b.body_codec);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.xfer_pipe, b.xfer_pipe);
}

TEST(ThriftProto, RoundTripsEveryFieldAndIsATHeaderFrame) {
  ThriftProto proto;
  Message m = sample();
  std::string frame;
  ASSERT_TRUE(proto.encode(m, frame).ok());
  EXPECT_EQ(m.size, frame.size());
  EXPECT_EQ(test::to_hex(frame.substr(4, 2)), "0fff");  // THeader magic after the length
  EXPECT_NE(frame.find("Tp-Meta"), std::string::npos);
  EXPECT_NE(frame.find("Home.Test?x=1"), std::string::npos);
  Message back;
  DecodeResult r = proto.decode(frame, back);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
  EXPECT_EQ(r.consumed, frame.size());
  expect_same(back, m);

  // Byte by byte: nothing until the last byte.
  for (std::size_t n = 0; n < frame.size(); ++n) {
    ASSERT_EQ(proto.decode(std::string_view(frame).substr(0, n), back).kind,
              DecodeResult::Kind::kNeedMore);
  }
}

TEST(ThriftProto, ReplyAndPushTypesAndFilteredBodies) {
  ThriftProto proto;
  for (MsgType t : {MsgType::kReply, MsgType::kPush}) {
    Message m = sample();
    m.type = t;
    m.status = Status();
    m.xfer_pipe = {'g', 'm'};
    m.body = std::string(5000, 'z');
    std::string frame;
    ASSERT_TRUE(proto.encode(m, frame).ok());
    EXPECT_LT(frame.size(), 1000u);  // gzip shrank the body
    Message back;
    ASSERT_EQ(proto.decode(frame, back).kind, DecodeResult::Kind::kMessage);
    expect_same(back, m);
  }
}

TEST(ThriftProto, DecodesFramesTheThriftLibraryWritesLikeGo) {
  // Go's THeaderProtocol writes the info headers in map order; any order must decode.
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::THeaderProtocol go(buffer, apache::thrift::protocol::T_BINARY_PROTOCOL);
  go.setHeader("Tp-XferPipe", "");
  go.setHeader("Tp-BodyCodec", "j");
  go.setHeader("Tp-Meta", "peer_id=110");
  go.setHeader("Tp-Status", "");
  go.writeMessageBegin("Home.Test", apache::thrift::protocol::T_ONEWAY, 7);
  go.writeBinary(R"({"author":"go"})");
  go.writeMessageEnd();
  go.getTransport()->flush();
  const std::string frame = buffer->getBufferAsString();
  Message m;
  DecodeResult r = ThriftProto().decode(frame + "trailing", m);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
  EXPECT_EQ(r.consumed, frame.size());
  EXPECT_EQ(m.type, MsgType::kPush);
  EXPECT_EQ(m.seq, 7);
  EXPECT_EQ(m.service_method, "Home.Test");
  EXPECT_EQ(m.meta.get("peer_id"), "110");
  EXPECT_EQ(m.body_codec, 'j');
  EXPECT_EQ(m.body, R"({"author":"go"})");
  EXPECT_TRUE(m.status.ok());
}

TEST(ThriftProto, MalformedAndOversizeFramesAre400) {
  ThriftProto proto(RawProtoOptions{.size_limit = 1024});
  Message m;
  auto error_of = [&](const std::string& bytes) {
    DecodeResult r = proto.decode(bytes, m);
    EXPECT_EQ(r.kind, DecodeResult::Kind::kError);
    return r.status;
  };
  EXPECT_EQ(error_of(test::from_hex("7fffffff")).cause(),
            "frame size 2147483651 exceeds limit 1024");
  EXPECT_EQ(error_of(test::from_hex("00000006") + std::string(6, '\x01')).code(),
            code::kBadMessage);
  // A valid header whose message claims a 1 GiB name.
  Message big = sample();
  std::string frame;
  ASSERT_TRUE(ThriftProto().encode(big, frame).ok());
  const auto name_at = frame.find("Home.Test");
  ASSERT_NE(name_at, std::string::npos);
  frame.replace(name_at - 4, 4, test::from_hex("40000000"));
  EXPECT_EQ(error_of(frame).code(), code::kBadMessage);
  // Writing over the limit fails without output.
  Message huge = sample();
  huge.body.assign(2048, 'x');
  std::string out;
  EXPECT_EQ(proto.encode(huge, out).code(), code::kWriteFailed);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace tp
