// Every JSONProto and PBProto frame captured from Go (v7 and v5) decodes to its fields and
// re-encodes byte for byte (gzip frames by round trip, as for the raw protocol).
#include <gtest/gtest.h>

#include "interop/vectors.hpp"
#include "teleport/proto/json_proto.hpp"
#include "teleport/proto/pb_proto.hpp"

namespace tp {
namespace {

struct Case {
  RawVersion version;
  const char* file;
};

class JsonPbVectors : public ::testing::TestWithParam<Case> {};

TEST_P(JsonPbVectors, DecodeAndReencode) {
  const auto vectors = test::load_vectors(GetParam().file);
  const JsonProto json({.version = GetParam().version});
  const PbProto pb({.version = GetParam().version});
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    const Proto& proto = v.name.rfind("json_", 0) == 0 ? static_cast<const Proto&>(json) : pb;
    const std::string frame = test::from_hex(v.hex);
    Message m;
    const DecodeResult r = proto.decode(frame, m);
    ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
    EXPECT_EQ(r.consumed, frame.size());
    const auto& f = v.fields;
    EXPECT_EQ(m.size, f.at("size_field").to_number<std::uint32_t>() + 4);
    XferPipe pipe;
    for (const auto& id : f.at("xfer_pipe").as_array())
      pipe.push_back(id.to_number<std::uint8_t>());
    EXPECT_EQ(m.xfer_pipe, pipe);
    EXPECT_EQ(m.seq, f.at("seq").to_number<std::int32_t>());
    EXPECT_EQ(static_cast<int>(m.type), f.at("mtype").to_number<int>());
    EXPECT_EQ(m.service_method, f.at("service_method").as_string());
    if (GetParam().version == RawVersion::kV7) {
      EXPECT_EQ(m.status.to_query(), f.at("status").as_string());
    }
    Meta meta;
    ASSERT_TRUE(Meta::decode(f.at("meta").as_string(), meta).ok());
    meta.del(kReplyErrorMetaKey);  // v5 carries errors there; decoded into the status
    EXPECT_EQ(m.meta, meta);
    EXPECT_EQ(m.body_codec, f.at("body_codec").to_number<std::uint8_t>());
    EXPECT_EQ(m.body, f.at("body").as_string());

    std::string again;
    ASSERT_TRUE(proto.encode(m, again).ok());
    if (pipe.empty()) {
      EXPECT_EQ(test::to_hex(again), v.hex);
    } else {
      Message back;
      ASSERT_EQ(proto.decode(again, back).kind, DecodeResult::Kind::kMessage);
      back.size = m.size;
      EXPECT_EQ(back, m);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Go, JsonPbVectors,
                         ::testing::Values(Case{RawVersion::kV7, "jsonpb-proto-vectors.jsonl"},
                                           Case{RawVersion::kV5, "jsonpb-proto-v5-vectors.jsonl"}),
                         [](const auto& info) {
                           return info.param.version == RawVersion::kV7 ? "v7" : "v5";
                         });

TEST(JsonPbMalformed, BadPayloadsAre400) {
  auto frame = [](std::string payload) {
    const auto n = static_cast<std::uint32_t>(payload.size() + 1);
    return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n), '\0'} +
           payload;
  };
  Message m;
  DecodeResult r = JsonProto().decode(frame("{not json"), m);
  EXPECT_EQ(r.kind, DecodeResult::Kind::kError);
  EXPECT_EQ(r.status.cause(), "json proto: payload is not a JSON object");
  r = JsonProto().decode(frame(R"({"seq":1,"mtype":9})"), m);
  EXPECT_EQ(r.status.cause(), "invalid message type 9");
  r = JsonProto().decode(frame(R"({"seq":"x","mtype":1})"), m);
  EXPECT_EQ(r.status.cause(), "json proto: a header member has the wrong type");
  r = PbProto().decode(frame("\xff\xff\xff"), m);
  EXPECT_EQ(r.status.cause(), "pb proto: payload is not a valid protobuf message");
  r = PbProto().decode(std::string("\xff\xff\xff\xff", 4), m);
  EXPECT_NE(r.status.cause().find("exceeds limit"), std::string::npos);
}

// Go escapes only '"' in the body; a body with a backslash or a control character (the fuzzer's
// "hello\r") must still be written as JSON that parses back to the same bytes.
TEST(JsonPbBody, BackslashesAndControlCharactersRoundTrip) {
  const JsonProto proto;
  Message push;
  push.seq = 1;
  push.type = MsgType::kPush;
  push.service_method = "/push/hello";
  push.body_codec = 's';  // plain
  constexpr char kBody[] = "quote \" back\\slash cr\r nl\n nul\0 tab\t end";
  push.body = std::string(kBody, sizeof kBody - 1);
  std::string frame;
  ASSERT_TRUE(proto.encode(push, frame).ok());
  Message back;
  const DecodeResult r = proto.decode(frame, back);
  ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
  EXPECT_EQ(back.body, push.body);
  // A quote alone keeps Go's bytes: \" inside the string.
  push.body = R"(["a"])";
  frame.clear();
  ASSERT_TRUE(proto.encode(push, frame).ok());
  EXPECT_NE(frame.find(R"("body":"[\"a\"]")"), std::string::npos) << frame;
}

}  // namespace
}  // namespace tp
