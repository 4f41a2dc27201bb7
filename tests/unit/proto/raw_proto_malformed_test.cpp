// Every malformed frame gives a 400 with a precise reason; nothing over-reads or over-allocates.
#include <gtest/gtest.h>

#include "teleport/proto/raw_proto.hpp"
#include "unit/proto/frame_builder.hpp"

namespace tp {
namespace {

using test::FrameBuilder;

void expect_bad(std::string_view frame, std::string_view reason,
                const RawProto& proto = RawProto()) {
  Message m;
  const DecodeResult r = proto.decode(frame, m);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kError) << "expected: " << reason;
  EXPECT_EQ(r.status.code(), code::kBadMessage);
  EXPECT_EQ(r.status.msg(), "Bad Message");
  EXPECT_NE(r.status.cause().find(reason), std::string::npos) << r.status.cause();
}

TEST(RawProtoMalformed, GoodCallDecodes) {
  Message m;
  EXPECT_EQ(RawProto().decode(test::good_call().frame(), m).kind, DecodeResult::Kind::kMessage);
}

TEST(RawProtoMalformed, IncompleteFramesNeedMore) {
  const std::string frame = test::good_call().frame();
  for (std::size_t n = 0; n < frame.size(); ++n) {
    Message m;
    EXPECT_EQ(RawProto().decode(std::string_view(frame).substr(0, n), m).kind,
              DecodeResult::Kind::kNeedMore)
        << n;
  }
}

TEST(RawProtoMalformed, OversizeIsRefusedFromTheLengthAlone) {
  // Only the 4 length bytes have arrived: the decoder must not wait for (or allocate) 4 GiB.
  expect_bad(std::string("\xff\xff\xff\xff", 4), "frame size 4294967295 exceeds limit 1073741824");
  expect_bad(test::good_call().frame(), "exceeds limit 10", RawProto({.size_limit = 10}));
}

TEST(RawProtoMalformed, LengthBelowMinimum) {
  for (std::uint32_t len : {0U, 1U, 4U})
    expect_bad(FrameBuilder().with_length(len), "below minimum 5");
}

TEST(RawProtoMalformed, TruncatedFields) {
  expect_bad(FrameBuilder().u8(0).frame(), "no room for seq length");
  expect_bad(FrameBuilder().u8(0).u8(5).bytes("12").frame(), "no room for seq");
  expect_bad(FrameBuilder().u8(0).short_field("1").frame(), "no room for message type");
  expect_bad(FrameBuilder().u8(0).short_field("1").u8(1).frame(),
             "no room for service method length");
  expect_bad(FrameBuilder().u8(0).short_field("1").u8(1).u8(9).bytes("/a").frame(),
             "no room for service method");
  expect_bad(FrameBuilder().u8(0).short_field("1").u8(1).short_field("/a").u8(0).frame(),
             "no room for status length");
  expect_bad(FrameBuilder()
                 .u8(0)
                 .short_field("1")
                 .u8(1)
                 .short_field("/a")
                 .u16(100)
                 .bytes("code=0")
                 .frame(),
             "no room for status");
  expect_bad(FrameBuilder().u8(0).short_field("1").u8(1).short_field("/a").long_field("").frame(),
             "no room for meta length");
  expect_bad(
      FrameBuilder().u8(0).short_field("1").u8(1).short_field("/a").long_field("").u16(50).frame(),
      "no room for meta");
  expect_bad(FrameBuilder()
                 .u8(0)
                 .short_field("1")
                 .u8(1)
                 .short_field("/a")
                 .long_field("")
                 .long_field("")
                 .frame(),
             "no room for body codec");
}

TEST(RawProtoMalformed, XferPipeOverrunsFrame) {
  expect_bad(FrameBuilder().u8(200).bytes("gm").frame(), "xfer pipe of 200 ids overruns the frame");
}

TEST(RawProtoMalformed, UnknownFilterId) {
  expect_bad(FrameBuilder().u8(1).u8('Q').bytes("whatever").frame(), "unknown xfer filter id 0x51");
}

TEST(RawProtoMalformed, FilterThatFailsToUnpack) {
  expect_bad(FrameBuilder().u8(1).u8('g').bytes("not gzip at all").frame(), "gzip filter:");
  expect_bad(FrameBuilder().u8(1).u8('m').bytes("short").frame(), "md5 filter: payload shorter");
  expect_bad(FrameBuilder().u8(1).u8('m').bytes(std::string(40, 'x')).frame(),
             "md5 checksum mismatch");
  expect_bad(FrameBuilder().u8(1).u8('z').bytes("not zstd").frame(), "zstd filter:");
  expect_bad(FrameBuilder().u8(1).u8('l').bytes("not lz4!").frame(), "lz4 filter:");
}

TEST(RawProtoMalformed, BadBase36Seq) {
  for (const char* seq : {"", "-", "+", "1!", "zzzzzzzz", "+-1", " 1"}) {
    FrameBuilder b;
    b.u8(0).short_field(seq).u8(1).short_field("/a").long_field("").long_field("").u8(0);
    expect_bad(b.frame(), "bad base-36 seq");
  }
}

TEST(RawProtoMalformed, InvalidMessageType) {
  for (std::uint8_t type : {0, 6, 255}) {
    FrameBuilder b;
    b.u8(0).short_field("1").u8(type).short_field("/a").long_field("").long_field("").u8(0);
    expect_bad(b.frame(), "invalid message type " + std::to_string(type));
  }
}

TEST(RawProtoMalformed, MalformedPercentSequencesAreKeptAsGoKeepsThem) {
  FrameBuilder b;
  b.u8(0)
      .short_field("1")
      .u8(2)
      .short_field("")
      .long_field("code=1&msg=%")
      .long_field("a=%zz&c=100%")
      .u8(0);
  Message m;
  const DecodeResult r = RawProto().decode(b.frame(), m);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
  EXPECT_EQ(m.status.msg(), "%");
  EXPECT_EQ(m.meta, (Meta{{"a", "%zz"}, {"c", "100%"}}));
  FrameBuilder code;
  code.u8(0).short_field("1").u8(2).short_field("").long_field("code=x").long_field("").u8(0);
  expect_bad(code.frame(), "status code is not an int32");
}

TEST(RawProtoMalformed, BadV5ReplyError) {
  FrameBuilder b;
  b.u8(0).short_field("1").u8(2).short_field("").long_field("X-Reply-Error=%7Bnot").u8(0);
  expect_bad(b.frame(), "X-Reply-Error is not a JSON object",
             RawProto({.version = RawVersion::kV5}));
}

TEST(RawProtoMalformed, GzipBombIsCutAtTheSizeLimit) {
  Message m;
  m.type = MsgType::kPush;
  m.service_method = "/p";
  m.body.assign(1 << 20, 'a');  // compresses to about 1 KiB
  m.xfer_pipe = {'g'};
  std::string frame;
  ASSERT_TRUE(RawProto().encode(m, frame).ok());
  ASSERT_LT(frame.size(), 8192U);
  expect_bad(frame, "output exceeds the size limit", RawProto({.size_limit = 64 * 1024}));
}

}  // namespace
}  // namespace tp
