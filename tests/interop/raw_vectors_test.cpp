// Every frame captured from Go eRPC v7 and Teleport v5 decodes to the captured fields and
// re-encodes byte for byte (gzip frames: Go's deflate bytes differ from zlib's, so those are
// checked by decoding our re-encoding instead, as RAWPROTO.md §6 prescribes).
#include <gtest/gtest.h>

#include <algorithm>

#include "benchmark_message.hpp"
#include "interop/vectors.hpp"
#include "teleport/codec/marshal.hpp"
#include "teleport/proto/raw_proto.hpp"

namespace tp {
namespace {

struct Case {
  RawVersion version;
  const char* file;
};

class RawVectors : public ::testing::TestWithParam<Case> {};

void expect_fields(const Message& m, const boost::json::object& f, RawVersion version) {
  EXPECT_EQ(m.size, f.at("size").to_number<std::uint32_t>());
  XferPipe pipe;
  for (const auto& id : f.at("xfer_pipe").as_array()) pipe.push_back(id.to_number<std::uint8_t>());
  EXPECT_EQ(m.xfer_pipe, pipe);
  EXPECT_EQ(m.seq, f.at("seq").to_number<std::int32_t>());
  EXPECT_EQ(static_cast<int>(m.type), f.at("mtype").to_number<int>());
  EXPECT_EQ(m.service_method, f.at("service_method").as_string());
  Meta meta;
  for (const auto& p : f.at("meta_pairs").as_array()) {
    meta.add(std::string(p.as_array()[0].as_string()), std::string(p.as_array()[1].as_string()));
  }
  if (version == RawVersion::kV7) {
    EXPECT_EQ(m.status.to_query(), f.at("status").as_string());
    EXPECT_EQ(m.meta, meta);
  } else {
    meta.del(kReplyErrorMetaKey);  // decoded into the status instead
    EXPECT_EQ(m.meta, meta);
    if (f.contains("x_reply_error")) {
      auto err = boost::json::parse(f.at("x_reply_error").as_string()).as_object();
      EXPECT_EQ(m.status.code(), err.at("code").to_number<std::int32_t>());
      EXPECT_EQ(m.status.msg(), err.at("message").as_string());
      if (err.contains("reason")) {
        EXPECT_EQ(m.status.cause(), err.at("reason").as_string());
      }
    } else {
      EXPECT_TRUE(m.status.ok());
    }
  }
  EXPECT_EQ(m.body_codec, f.at("body_codec").to_number<std::uint8_t>());
  EXPECT_EQ(test::to_hex(m.body), f.at("body_hex").as_string());
}

TEST_P(RawVectors, DecodeAndReencode) {
  const auto vectors = test::load_vectors(GetParam().file);
  RawProto proto({.version = GetParam().version});
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    const std::string frame = test::from_hex(v.hex);
    Message m;
    const DecodeResult r = proto.decode(frame, m);
    ASSERT_EQ(r.kind, DecodeResult::Kind::kMessage) << r.status.to_string();
    EXPECT_EQ(r.consumed, frame.size());
    expect_fields(m, v.fields, GetParam().version);

    std::string again;
    ASSERT_TRUE(proto.encode(m, again).ok());
    const bool gzip = std::count(m.xfer_pipe.begin(), m.xfer_pipe.end(), 'g') > 0;
    if (!gzip) {
      EXPECT_EQ(test::to_hex(again), v.hex);
    } else {
      Message back;
      ASSERT_EQ(proto.decode(again, back).kind, DecodeResult::Kind::kMessage);
      back.size = m.size;
      EXPECT_EQ(back, m);
    }
  }
}

TEST_P(RawVectors, DecodesWhenBytesArriveOneAtATime) {
  const auto vectors = test::load_vectors(GetParam().file);
  RawProto proto({.version = GetParam().version});
  std::string stream;
  for (const auto& v : vectors) stream += test::from_hex(v.hex);
  std::string received;
  std::size_t decoded = 0;
  for (char c : stream) {
    received += c;
    Message m;
    const DecodeResult r = proto.decode(received, m);
    ASSERT_NE(r.kind, DecodeResult::Kind::kError) << r.status.to_string();
    if (r.kind == DecodeResult::Kind::kMessage) {
      EXPECT_EQ(test::to_hex(received.substr(0, r.consumed)), vectors[decoded].hex);
      received.erase(0, r.consumed);
      ++decoded;
    }
  }
  EXPECT_EQ(decoded, vectors.size());
  EXPECT_TRUE(received.empty());
}

INSTANTIATE_TEST_SUITE_P(Go, RawVectors,
                         ::testing::Values(Case{RawVersion::kV7, "rawproto-vectors.jsonl"},
                                           Case{RawVersion::kV5, "rawproto-v5-vectors.jsonl"}),
                         [](const auto& info) {
                           return info.param.version == RawVersion::kV7 ? "v7" : "v5";
                         });

TEST(BenchmarkBody, OurProtobufBytesEqualGos) {
  const auto vectors = test::load_vectors("rawproto-vectors.jsonl");
  auto it = std::find_if(vectors.begin(), vectors.end(),
                         [](const auto& v) { return v.name == "call_hello_say_protobuf"; });
  ASSERT_NE(it, vectors.end());
  std::string body;
  ASSERT_TRUE(marshal(codec_id::kProtobuf, bench::make_benchmark_message(), body).ok());
  EXPECT_EQ(body.size(), 581U);
  EXPECT_EQ(test::to_hex(body), it->fields.at("body_hex").as_string());
}

}  // namespace
}  // namespace tp
