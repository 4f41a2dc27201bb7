// A typed handler's protobuf argument is one object per thread, reused call after call: what a
// handler that echoes it moves into its reply comes back to it, and neither a big request nor a
// big reply stays behind in it. Seen from the handler, over a real socket: the capacity of the
// string the next request is parsed into. The caller's side does the same with a protobuf reply
// its callback takes by const reference, and marshals each request into the memory of its last.
#include <gtest/gtest.h>

#include <future>
#include <vector>

#include "benchmark.pb.h"
#include "teleport/channel.hpp"
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

// A client whose reply callbacks take the reply by const reference: the reply object is lent by the
// thread and comes back, so the next reply parses into its memory; a big reply does not stay, a
// callback taking it by value keeps it, and a reply delivered while one is lent gets its own.
TEST(ReusedReply, AReplyTakenByReferenceLendsItsMemoryToTheNext) {
  Peer server(PeerConfig{.listen_address = "127.0.0.1:0", .io_threads = 1});
  ASSERT_TRUE(
      server
          .route_call_func("/sized",  // a reply whose field1 has field2 bytes
                           [](Ctx&, const BenchmarkMessage& in) -> Result<BenchmarkMessage> {
                             BenchmarkMessage out;
                             out.set_field1(std::string(in.field2(), 'r'));
                             out.set_field2(in.field2());
                             out.set_field3(0);
                             return out;
                           })
          .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client(PeerConfig{.io_threads = 1});  // every callback on one thread
  auto dialed = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(dialed.ok());
  auto request = [](int bytes) {
    BenchmarkMessage m;
    m.set_field1("q");
    m.set_field2(bytes);
    m.set_field3(0);
    return m;
  };
  const CallOptions pb{.body_codec = codec_id::kProtobuf};
  // Calls with a callback taking `const BenchmarkMessage&` (or by value) and returns field1's
  // capacity as the callback saw it.
  auto by_ref = [&](int bytes) {
    std::promise<std::size_t> seen;
    dialed.value->async_call<BenchmarkMessage>(
        "/sized", request(bytes),
        [&](Status st, const BenchmarkMessage& reply) {
          EXPECT_TRUE(st.ok()) << st.to_string();
          EXPECT_EQ(reply.field1().size(), static_cast<std::size_t>(bytes));
          seen.set_value(reply.field1().capacity());
        },
        pb);
    return seen.get_future().get();
  };
  auto by_value = [&](int bytes) {
    std::promise<std::size_t> seen;
    dialed.value->async_call<BenchmarkMessage>(
        "/sized", request(bytes),
        [&](Status st, BenchmarkMessage reply) {  // NOLINT(performance-unnecessary-value-param)
          EXPECT_TRUE(st.ok()) << st.to_string();
          seen.set_value(reply.field1().capacity());
        },
        pb);
    return seen.get_future().get();
  };
  EXPECT_GE(by_ref(4000), 4000u);
  EXPECT_GE(by_ref(20), 4000u);        // parsed into the 4000-byte string of the last reply
  EXPECT_GE(by_ref(100000), 100000u);  // a big reply: made anew after its callback
  EXPECT_LT(by_ref(20), 64u << 10);    // so its 100 KB do not stay
  EXPECT_GE(by_value(4000), 4000u);    // taken by value: the callback keeps the memory
  EXPECT_LT(by_ref(20), 4000u);        // so the next parse starts afresh
  // A failed call's callback gets a cleared object, not the last reply's fields.
  EXPECT_GE(by_ref(4000), 4000u);
  std::promise<std::string> failed;
  dialed.value->async_call<BenchmarkMessage>(
      "/missing", request(1),
      [&](Status st, const BenchmarkMessage& reply) {
        EXPECT_EQ(st.code(), code::kNotFound) << st.to_string();
        failed.set_value(reply.field1());
      },
      pb);
  EXPECT_EQ(failed.get_future().get(), "");

  // While a reply is lent, a reply of the same type delivered on this thread (an unstarted
  // channel fails a call at once) gets an object of its own and leaves the lent one intact.
  Channel idle(client, "127.0.0.1:1");
  std::promise<void> checked;
  dialed.value->async_call<BenchmarkMessage>(
      "/sized", request(30),
      [&](Status st, const BenchmarkMessage& outer) {
        EXPECT_TRUE(st.ok()) << st.to_string();
        const BenchmarkMessage* inner_at = nullptr;
        idle.async_call<BenchmarkMessage>(
            "/sized", request(1),
            [&](Status inner_st, const BenchmarkMessage& inner) {
              EXPECT_EQ(inner_st.code(), code::kInvalidOp) << inner_st.to_string();
              inner_at = &inner;
            },
            pb);
        EXPECT_NE(inner_at, &outer);
        EXPECT_EQ(outer.field1(), std::string(30, 'r'));
        checked.set_value();
      },
      pb);
  checked.get_future().get();
}

// A typed call marshals its request into the memory of the thread's last request body, which the
// session hands back once the frame is encoded; a body past 64 KiB does not stay. Seen on the
// client's one I/O thread, where a call made in a reply callback is encoded before async_call
// returns, and checked against what the server received.
TEST(ReusedRequestBody, ACallMarshalsIntoTheLastBodysMemoryAndBigOnesDoNotStay) {
  Peer server(PeerConfig{.listen_address = "127.0.0.1:0", .io_threads = 1});
  ASSERT_TRUE(
      server
          .route_call_func("/size",  // replies with the size of the request's field1
                           [](Ctx&, const BenchmarkMessage& in) -> Result<BenchmarkMessage> {
                             BenchmarkMessage out;
                             out.set_field1(in.field1().substr(0, 8));
                             out.set_field2(static_cast<std::int32_t>(in.field1().size()));
                             out.set_field3(0);
                             return out;
                           })
          .ok());
  ASSERT_TRUE(server.listen().ok());
  Peer client(PeerConfig{.io_threads = 1});
  auto dialed = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  ASSERT_TRUE(dialed.ok());
  Session& session = *dialed.value;
  const CallOptions pb{.body_codec = codec_id::kProtobuf};
  auto request = [](std::size_t bytes, char fill) {
    BenchmarkMessage m;
    m.set_field1(std::string(bytes, fill));
    m.set_field2(0);
    m.set_field3(0);
    return m;
  };
  const std::vector<std::size_t> sizes = {4000, 20, 100000, 20};
  std::vector<std::size_t> spare;  // the thread's spare body capacity after each call went out
  int replies = 0;
  std::promise<void> all_replied;
  session.async_call<BenchmarkMessage>(
      "/size", request(1, 'x'),
      [&](Status first, const BenchmarkMessage&) {
        EXPECT_TRUE(first.ok()) << first.to_string();
        for (std::size_t i = 0; i < sizes.size(); ++i) {
          const char fill = static_cast<char>('a' + i);
          session.async_call<BenchmarkMessage>(
              "/size", request(sizes[i], fill),
              [&, i, fill](Status st, const BenchmarkMessage& reply) {
                EXPECT_TRUE(st.ok()) << st.to_string();
                EXPECT_EQ(static_cast<std::size_t>(reply.field2()), sizes[i]);
                EXPECT_EQ(reply.field1(), std::string(std::min<std::size_t>(sizes[i], 8), fill));
                if (++replies == static_cast<int>(sizes.size())) all_replied.set_value();
              },
              pb);
          spare.push_back(detail::spare_body().capacity());
        }
      },
      pb);
  all_replied.get_future().get();
  ASSERT_EQ(spare.size(), sizes.size());
  EXPECT_GE(spare[0], 4000u);      // the first body's memory came back to the thread
  EXPECT_GE(spare[1], 4000u);      // the small body was marshalled into it, and came back too
  EXPECT_LT(spare[2], 64u << 10);  // a 100 KB body does not stay
  EXPECT_LT(spare[3], 4000u);      // so the next small body started afresh
}

}  // namespace
}  // namespace tp
