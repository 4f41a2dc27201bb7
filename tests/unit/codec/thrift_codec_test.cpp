// The thrift codec: Thrift-generated structs in the binary protocol, the bytes eRPC's thrift
// codec (Go's TBinaryProtocol) writes.
#include <gtest/gtest.h>

#include "demo_types.h"
#include "interop/vectors.hpp"
#include "teleport/codec/marshal.hpp"

namespace tp {
namespace {

TEST(ThriftCodec, WritesTheBinaryProtocolBytesGoWrites) {
  tp_demo::Test t;
  t.__set_author("henrylee2cn");
  std::string out;
  ASSERT_TRUE(marshal(codec_id::kThrift, t, out).ok());
  // field 1 STRING (0b 0001), length 11, the text, then STOP (00).
  EXPECT_EQ(test::to_hex(out), "0b00010000000b68656e72796c656532636e00");
  tp_demo::Test back;
  ASSERT_TRUE(unmarshal(codec_id::kThrift, out, back).ok());
  EXPECT_EQ(back.author, "henrylee2cn");
}

TEST(ThriftCodec, OptionalsListsAndRoundTrips) {
  tp_demo::Point p;
  p.x = -3;
  p.y = 7;
  p.__set_label("here");
  p.tags = {1, 1LL << 40};
  std::string out;
  ASSERT_TRUE(marshal(codec_id::kThrift, p, out).ok());
  tp_demo::Point back;
  ASSERT_TRUE(unmarshal(codec_id::kThrift, out, back).ok());
  EXPECT_EQ(back, p);
  EXPECT_TRUE(back.__isset.label);
  // An unset optional is not written at all.
  tp_demo::Point bare;
  std::string bare_out;
  ASSERT_TRUE(marshal(codec_id::kThrift, bare, bare_out).ok());
  EXPECT_EQ(bare_out.find("here"), std::string::npos);
}

TEST(ThriftCodec, MalformedBytesAre400) {
  tp_demo::Test t;
  EXPECT_EQ(unmarshal(codec_id::kThrift, test::from_hex("0b0001000000"), t).code(),
            code::kBadMessage);  // truncated length
  // A string claiming 1 GiB in a 12-byte body is refused before anything is allocated for it.
  Status lying = unmarshal(codec_id::kThrift, test::from_hex("0b00014000000061626300"), t);
  EXPECT_EQ(lying.code(), code::kBadMessage);
  EXPECT_NE(lying.cause().find("thrift unmarshal"), std::string::npos);
  tp_demo::Point p;
  EXPECT_EQ(unmarshal(codec_id::kThrift, test::from_hex("0f000409ffffffff00"), p).code(),
            code::kBadMessage);  // a list claiming 2^32-1 elements
  EXPECT_EQ(CodecRegistry::global().find("thrift")->id(), codec_id::kThrift);
}

}  // namespace
}  // namespace tp
