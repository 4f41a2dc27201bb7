#include "teleport/proto/raw_proto.hpp"

#include <gtest/gtest.h>

#include <climits>

#include "interop/vectors.hpp"
#include "teleport/xfer/filters.hpp"
#include "unit/proto/frame_builder.hpp"

namespace tp {
namespace {

Message sample_call() {
  Message m;
  m.seq = 1;
  m.type = MsgType::kCall;
  m.service_method = "/math/add";
  m.meta.add("author", "x");
  m.body_codec = 'j';
  m.body = "[1,2,3]";
  return m;
}

Message round_trip(const RawProto& proto, Message m) {
  std::string frame;
  EXPECT_TRUE(proto.encode(m, frame).ok());
  EXPECT_EQ(m.size, frame.size());
  Message back;
  const DecodeResult r = proto.decode(frame, back);
  EXPECT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
  EXPECT_EQ(r.consumed, frame.size());
  return back;
}

TEST(RawProto, EncodesTheWorkedExampleByteForByte) {
  Message m = sample_call();
  std::string frame;
  ASSERT_TRUE(RawProto().encode(m, frame).ok());
  EXPECT_EQ(
      test::to_hex(frame),
      "0000002c00013101092f6d6174682f6164640006636f64653d300008617574686f723d786a5b312c322c335d");
  EXPECT_EQ(m.size, 44U);
}

TEST(RawProto, V5HasNoStatusFieldAndCarriesErrorsInMeta) {
  RawProto v5({.version = RawVersion::kV5});
  Message m = sample_call();
  std::string frame;
  ASSERT_TRUE(v5.encode(m, frame).ok());
  EXPECT_EQ(test::to_hex(frame),
            "0000002400013101092f6d6174682f6164640008617574686f723d786a5b312c322c335d");

  Message reply;
  reply.seq = 2;
  reply.type = MsgType::kReply;
  reply.status = Status::from_code(code::kNotFound, "");
  frame.clear();
  ASSERT_TRUE(v5.encode(reply, frame).ok());
  EXPECT_NE(frame.find("X-Reply-Error=%7B%22code%22%3A404%2C%22message%22%3A%22Not%20Found%22%7D"),
            std::string::npos);
  Message back;
  ASSERT_EQ(v5.decode(frame, back).kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(back.status.code(), 404);
  EXPECT_EQ(back.status.msg(), "Not Found");
  EXPECT_TRUE(back.meta.empty());
}

TEST(RawProto, SeqIsLowercaseBase36) {
  const std::pair<std::int32_t, const char*> cases[] = {{0, "0"},
                                                        {1, "1"},
                                                        {35, "z"},
                                                        {36, "10"},
                                                        {1295, "zz"},
                                                        {1296, "100"},
                                                        {60466175, "zzzzz"},
                                                        {60466176, "100000"},
                                                        {INT32_MAX, "zik0zj"},
                                                        {-5, "-5"},
                                                        {INT32_MIN, "-zik0zk"}};
  for (auto [seq, text] : cases) {
    Message m = sample_call();
    m.seq = seq;
    std::string frame;
    ASSERT_TRUE(RawProto().encode(m, frame).ok());
    EXPECT_EQ(frame.substr(6, static_cast<unsigned char>(frame[5])), text);
    EXPECT_EQ(round_trip(RawProto(), m).seq, seq);
  }
}

TEST(RawProto, AcceptsUpperCaseAndSignedSeqLikeGo) {
  for (auto [text, want] :
       {std::pair{"Z", 35}, std::pair{"+10", 36}, std::pair{"-1", -1}, std::pair{"ZzZzZ", 60466175},
        std::pair{"aB", 371}, std::pair{"0000000001", 1}, std::pair{"ZIK0ZJ", INT32_MAX}}) {
    test::FrameBuilder b;
    b.u8(0).short_field(text).u8(3).short_field("/p").long_field("").long_field("").u8(0);
    Message m;
    const DecodeResult r = RawProto().decode(b.frame(), m);
    ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << text << ": " << r.status.to_string();
    EXPECT_EQ(m.seq, want);
    EXPECT_TRUE(m.status.ok());  // an empty status field means OK
  }
}

TEST(RawProto, FiltersApplyLastToFirstAndRoundTrip) {
  const XferPipe pipes[] = {{'g'}, {'m'}, {'g', 'm'},          {'m', 'g'},
                            {'z'}, {'l'}, {'z', 'l', 'm', 'g'}};
  for (const auto& pipe : pipes) {
    Message m = sample_call();
    m.body.assign(2000, 'a');
    m.xfer_pipe = pipe;
    Message back = round_trip(RawProto(), m);
    back.size = m.size;
    EXPECT_EQ(back, m);
  }
  // ['g','m']: md5 is appended first, then everything is gzipped: the bytes after the ids gunzip.
  Message m = sample_call();
  m.xfer_pipe = {'g', 'm'};
  std::string frame;
  ASSERT_TRUE(RawProto().encode(m, frame).ok());
  std::string plain;
  ASSERT_TRUE(make_gzip_filter()->unpack(std::string_view(frame).substr(7), plain, 1 << 20).ok());
  std::string payload;
  ASSERT_TRUE(make_md5_filter()->unpack(plain, payload, 1 << 20).ok());
  EXPECT_EQ(payload.substr(0, 2), std::string("\x01"
                                              "1",
                                              2));
}

TEST(RawProto, EncodeRefusesWhatGoCannotCarry) {
  std::string frame = "keep";
  Message m = sample_call();
  m.service_method.assign(256, 'a');
  Status st = RawProto().encode(m, frame);
  EXPECT_EQ(st.code(), code::kWriteFailed);
  EXPECT_NE(st.cause().find("longer than 255"), std::string::npos);
  EXPECT_EQ(frame, "keep");

  m = sample_call();
  m.meta.add("k", std::string(70000, 'v'));
  st = RawProto().encode(m, frame);
  EXPECT_EQ(st.code(), code::kWriteFailed);
  EXPECT_NE(st.cause().find("meta longer than 65535"), std::string::npos);

  m = sample_call();
  m.body.assign(100, 'b');
  st = RawProto({.size_limit = 100}).encode(m, frame);
  EXPECT_EQ(st.code(), code::kWriteFailed);
  EXPECT_NE(st.cause().find("size of package exceeds limit"), std::string::npos);
  EXPECT_EQ(frame, "keep");

  m = sample_call();
  m.xfer_pipe = {'Q'};
  st = RawProto().encode(m, frame);
  EXPECT_NE(st.cause().find("unknown xfer filter id 0x51"), std::string::npos);
}

TEST(RawProto, SizeLimitIsInclusive) {
  Message m = sample_call();
  std::string frame;
  ASSERT_TRUE(RawProto().encode(m, frame).ok());
  Message out;
  EXPECT_EQ(RawProto({.size_limit = 44}).decode(frame, out).kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(RawProto({.size_limit = 43}).decode(frame, out).kind, DecodeResult::Kind::kError);
}

TEST(RawProto, DecodesOneFrameAtATimeFromAStream) {
  Message a = sample_call();
  Message b = sample_call();
  b.seq = 2;
  b.type = MsgType::kPush;
  std::string stream;
  ASSERT_TRUE(RawProto().encode(a, stream).ok());
  ASSERT_TRUE(RawProto().encode(b, stream).ok());
  Message out;
  DecodeResult r = RawProto().decode(stream, out);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(out.seq, 1);
  r = RawProto().decode(std::string_view(stream).substr(r.consumed), out);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(out.seq, 2);
  EXPECT_EQ(out.type, MsgType::kPush);
}

}  // namespace
}  // namespace tp
