// A raw socket speaking Go eRPC's bytes to our server: Go's frames in, Go's frames out; bad bytes
// close only that connection.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>

#include "integration/math_peer.hpp"
#include "integration/raw_client.hpp"
#include "interop/vectors.hpp"
#include "unit/proto/frame_builder.hpp"

namespace tp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

TEST(RawSocket, GoCallFramesGetGoReplyFrames) {
  const auto vs = test::load_vectors("rawproto-vectors.jsonl");
  test::MathServer srv;
  test::RawClient go(srv.peer.listen_port());
  const std::pair<const char*, const char*> exchanges[] = {
      {"call_math_add_json", "reply_math_add_json"},
      {"call_math_add_empty_list", "reply_error_custom"},
      {"call_math_add_json_md5", "reply_math_add_json_md5"},
      {"call_accept_body_codec", "reply_accept_body_codec"},
      {"call_echo_bytes_plain", "reply_echo_bytes_plain"},
      {"call_meta_escaping", "reply_meta_escaping"},
      {"call_seq_36_base36", "reply_seq_36_base36"},
  };
  for (auto [call, reply] : exchanges) {
    SCOPED_TRACE(call);
    go.send(test::from_hex(test::vector_hex(vs, call)));
    EXPECT_EQ(test::to_hex(go.read_frame()), test::vector_hex(vs, reply));
  }
  // A gzip call: the reply is gzip-filtered too (bytes differ from Go's deflate; decode it).
  go.send(test::from_hex(test::vector_hex(vs, "call_math_add_json_gzip")));
  Message m;
  ASSERT_EQ(RawProto().decode(go.read_frame(), m).kind, DecodeResult::Kind::kMessage);
  EXPECT_EQ(m.xfer_pipe, XferPipe{'g'});
  EXPECT_EQ(m.body, "6");
  // Go answers 404 to a query in the service method; we route on the path and reply.
  go.send(test::from_hex(test::vector_hex(vs, "call_math_add_query_string")));
  ASSERT_EQ(RawProto().decode(go.read_frame(), m).kind, DecodeResult::Kind::kMessage);
  EXPECT_TRUE(m.status.ok());
  EXPECT_EQ(m.body, "6");
  EXPECT_EQ(srv.last_author(), "x");
}

TEST(RawSocket, MalformedPercentSequencesInAGoFrameAreKeptAndAnswered) {
  // Go eRPC writes whatever meta and query text it is given and reads a bad `%` literally.
  test::MathServer srv;
  test::RawClient go(srv.peer.listen_port());
  test::FrameBuilder call;
  call.u8(0)
      .short_field("1")
      .u8(1)
      .short_field("/math/add?author=100%")
      .long_field("code=0&msg=%zz")
      .long_field("c=100%&a=%zz")
      .u8('j')
      .bytes("[1,2]");
  go.send(call.frame());
  Message reply;
  ASSERT_EQ(RawProto().decode(go.read_frame(), reply).kind, DecodeResult::Kind::kMessage);
  EXPECT_TRUE(reply.status.ok()) << reply.status.to_string();
  EXPECT_EQ(reply.body, "3");
  EXPECT_EQ(srv.last_author(), "100%");
}

TEST(RawSocket, MalformedBytesCloseThatConnectionOnly) {
  test::MathServer srv;
  Peer cli;
  auto [good, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  const std::string bad_frames[] = {
      std::string("\x00\x00\x00\x09\x00\x01!\x01\x00", 9),  // bad base-36 seq
      std::string("\x00\x00\x00\x07\x01Q\x00", 7),          // unknown filter id
      std::string("\x00\x00\x00\x03", 4),                   // length below minimum
      std::string("\x7f\xff\xff\xff", 4),                   // oversize (2 GiB > 1 GiB)
      test::FrameBuilder()
          .u8(0)
          .short_field("1")
          .u8(9)
          .short_field("/")
          .long_field("")
          .long_field("")
          .u8(0)
          .frame(),
  };
  for (const auto& bad : bad_frames) {
    test::RawClient raw(srv.peer.listen_port());
    raw.send(bad);
    EXPECT_TRUE(raw.closed_by_peer()) << test::to_hex(bad);
    int sum = 0;
    ASSERT_TRUE(
        good->call<int>("/math/add", std::vector{1, 1}).into(sum).ok());  // others keep working
    EXPECT_EQ(sum, 2);
  }
}

TEST(RawSocket, OversizeFrameAgainstASmallLimit) {
  test::MathServer srv({.listen_address = "127.0.0.1:0", .message_size_limit = 1024});
  Peer cli;
  auto [small, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  test::RawClient raw(srv.peer.listen_port());
  Message big;
  big.type = MsgType::kCall;
  big.seq = 1;
  big.service_method = "/math/add";
  big.body_codec = 'j';
  big.body = "[" + std::string(3000, '1') + "]";
  std::string frame;
  ASSERT_TRUE(RawProto().encode(big, frame).ok());
  raw.send(frame);
  EXPECT_TRUE(raw.closed_by_peer());
  int sum = 0;
  EXPECT_TRUE(small->call<int>("/math/add", std::vector{5}).into(sum).ok());
}

}  // namespace
}  // namespace tp
