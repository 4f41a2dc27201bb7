// A typed handler's protobuf argument is one object per thread, reused call after call: what a
// handler that echoes it moves into its reply comes back to it, and neither a big request nor a
// big reply stays behind in it. Seen from the handler, over a real socket: the capacity of the
// string the next request is parsed into.
#include <gtest/gtest.h>

#include <vector>

#include "benchmark.pb.h"
#include "teleport/teleport.hpp"

namespace tp {
namespace {

using bench::BenchmarkMessage;

TEST(ReusedArgument, EchoKeepsItsMemoryAndBigBodiesDoNotStay) {
  Peer server(PeerConfig{.listen_address = "127.0.0.1:0", .io_threads = 1});
  std::vector<std::size_t> capacity;  // field1's, as each request arrives (one server thread)
  ASSERT_TRUE(server
                  .route_call_func("/echo",
                                   [&](Ctx&, BenchmarkMessage& in) -> Result<BenchmarkMessage> {
                                     capacity.push_back(in.field1().capacity());
                                     BenchmarkMessage other;
                                     other.set_field1("small");
                                     other.set_field2(0);
                                     other.set_field3(0);
                                     if (in.field2() == 1) {  // a big reply of the same type
                                       other.set_field1(std::string(100 << 10, 'r'));
                                       return other;
                                     }
                                     if (in.field2() == 2) return other;  // not an echo
                                     return std::move(in);                // an echo
                                   })
                  .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client;
  auto dialed = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(dialed.ok());
  auto call = [&](std::size_t field1_bytes, int kind) {
    BenchmarkMessage m;
    m.set_field1(std::string(field1_bytes, 'a'));
    m.set_field2(kind);
    m.set_field3(0);
    auto r = dialed.value->call<BenchmarkMessage>("/echo", m, {.body_codec = codec_id::kProtobuf});
    EXPECT_TRUE(r.ok()) << r.status.to_string();
  };
  call(4000, 0);    // echoed: the 4000-byte string goes out in the reply and comes back
  call(10, 0);      // parsed into that string: it still holds 4000 bytes
  call(100000, 2);  // a big request, not echoed: the argument is made anew after it
  call(10, 0);      // so it holds no 100 000 bytes
  call(10, 1);      // a big reply: not taken back into the argument
  call(10, 0);      // so this one holds no 100 KiB either
  ASSERT_EQ(capacity.size(), 6u);
  EXPECT_GE(capacity[1], 4000u);
  EXPECT_LT(capacity[3], 64u << 10);
  EXPECT_LT(capacity[5], 64u << 10);
}

}  // namespace
}  // namespace tp
