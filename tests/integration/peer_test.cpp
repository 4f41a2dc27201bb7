// Peers talking over real loopback sockets (TCP and Unix).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cstring>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

TEST(Peer, CallRoutesByPathAndHandsOverTheQuery) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(sess->call<int>("/math/add?author=henry", std::vector{1, 2, 3, 4, 5}).into(sum).ok());
  EXPECT_EQ(sum, 15);
  EXPECT_EQ(srv.last_author(), "henry");
  EXPECT_EQ(srv.peer.count_sessions(), 1U);
}

TEST(Peer, StatusesOnTheWire) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  int out = 0;
  Status nf = sess->call<int>("/no/such", 1).into(out);
  EXPECT_EQ(nf.code(), code::kNotFound);
  EXPECT_EQ(nf.msg(), "Not Found");
  Status app = sess->call<int>("/math/add", std::vector<int>{}).into(out);
  EXPECT_EQ(app, Status(1001, "empty list", "need at least one number"));
  Status boom = sess->call<int>("/math/throw", 1).into(out);
  EXPECT_EQ(boom.code(), code::kInternalServerError);
  EXPECT_EQ(boom.cause(), "boom");
  Status push_only = sess->call<int>("/chat/say", std::string("x")).into(out);
  EXPECT_EQ(push_only.code(), code::kMtypeNotAllowed);
  Status bad_body = sess->call<int>("/math/add", std::string("not a list")).into(out);
  EXPECT_EQ(bad_body.code(), code::kBadMessage);
  // The session survives every error reply.
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{2, 2}).into(out).ok());
  EXPECT_EQ(out, 4);
}

TEST(Peer, AcceptBodyCodecAndBytes) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  std::string text;
  ASSERT_TRUE(sess->call<std::string>("/math/add", std::vector{1, 2},
                                      {.accept_body_codec = codec_id::kPlain})
                  .into(text)
                  .ok());
  EXPECT_EQ(text, "3");  // plain codec: the reply body is the text "3", not JSON
  Bytes raw{0, 1, 255}, back;
  ASSERT_TRUE(
      sess->call<Bytes>("/echo/bytes", raw, {.body_codec = codec_id::kPlain}).into(back).ok());
  EXPECT_EQ(back, raw);
}

TEST(Peer, XmlBodiesOverTheWire) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  std::promise<Message> got;
  sess->call_raw("/math/add", codec_id::kXml, "<int>4</int><int>5</int>", {},
                 [&](Message& reply) { got.set_value(reply); });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const Message reply = future.get();
  EXPECT_TRUE(reply.status.ok());
  EXPECT_EQ(reply.body_codec, codec_id::kXml);
  EXPECT_EQ(reply.body, "<int>9</int>");  // Go's xml.Marshal(9)
  int sum = 0;
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1, 2, 3}, {.body_codec = codec_id::kXml})
                  .into(sum)
                  .ok());
  EXPECT_EQ(sum, 6);
  EXPECT_EQ(sess->call<int>("/math/add", std::string("<int>x"),
                            {.body_codec = codec_id::kPlain, .accept_body_codec = codec_id::kXml})
                .into(sum)
                .code(),
            code::kBadMessage);  // plain text is not a list of numbers
}

// A caller that does not want the reply passes an empty callback: the call goes out, its reply
// (or failure) is dropped, and nothing on the I/O thread calls the empty function.
TEST(Peer, AnEmptyReplyCallbackDropsTheReply) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  sess->call_raw("/math/add?author=dropped", codec_id::kJson, "[1,2]", {}, nullptr);
  sess->call_raw("/math/throw", codec_id::kJson, "0", {}, Session::ReplyCallback());
  int sum = 0;
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{4}).into(sum).ok());  // after both
  EXPECT_EQ(sum, 4);
  EXPECT_EQ(srv.last_author(), "dropped");
  sess->close();
  sess->call_raw("/math/add", codec_id::kJson, "[1]", {}, nullptr);  // fails 102, dropped
  std::this_thread::sleep_for(50ms);                                 // let the failure land
  EXPECT_EQ(sess->call<int>("/math/add", std::vector{1}).status.code(), code::kConnClosed);
}

TEST(Peer, PushBothWays) {
  test::MathServer srv;
  Peer cli;
  std::promise<std::string> got;
  EXPECT_TRUE(
      cli.route_push_func("/push/status", [&](Ctx&, const std::string& s) { got.set_value(s); })
          .ok());
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(sess->push("/chat/say", std::string("hi")).ok());
  int dummy = 0;
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1})
                  .into(dummy)
                  .ok());  // the push was read before this call
  EXPECT_EQ(srv.pushes.load(), 1);
  std::shared_ptr<Session> server_side = test::first_session(srv.peer);
  ASSERT_TRUE(server_side);
  ASSERT_TRUE(server_side->push("/push/status", std::string("all good")).ok());
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), "all good");
}

TEST(Peer, UnixSocket) {
  const std::string path = (std::filesystem::temp_directory_path() / "teleport_test.sock").string();
  test::MathServer srv({.network = "unix", .listen_address = path});
  Peer cli({.network = "unix"});
  auto [sess, st] = cli.dial(path);
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(sess->call<int>("/math/add", std::vector{4, 5}).into(sum).ok());
  EXPECT_EQ(sum, 9);
  EXPECT_EQ(sess->remote_addr(), path);
}

constexpr std::size_t kPacketBytes = 256 * 1024;

TEST(Peer, UnixPacketSocket) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("teleport_packet_" + std::to_string(::getpid()) + ".sock"))
                               .string();
  std::atomic<int> seqpacket_fds{0};
  auto count_type = [&](int fd) {
    int type = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET)
      ++seqpacket_fds;
  };
  test::MathServer srv({.network = "unixpacket", .listen_address = path, .control_fd = count_type});
  Peer cli({.network = "unixpacket", .control_fd = count_type});
  auto [sess, st] = cli.dial(path);
  ASSERT_TRUE(st.ok()) << st.to_string();
  // Both ends really are SOCK_SEQPACKET (the server's end once it has accepted: dial() returns
  // when the client end is connected, which may come first).
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (seqpacket_fds < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(seqpacket_fds.load(), 2);
  int sum = 0;
  ASSERT_TRUE(sess->call<int>("/math/add?author=packet", std::vector{4, 5}).into(sum).ok());
  EXPECT_EQ(sum, 9);
  EXPECT_EQ(srv.last_author(), "packet");
  // A body far larger than a packet, and many calls at once: packets carry a byte stream.
  Bytes big(3 * 1024 * 1024 + 7, 9);
  Bytes back;
  ASSERT_TRUE(
      sess->call<Bytes>("/echo/bytes", big, {.body_codec = codec_id::kPlain}).into(back).ok());
  EXPECT_EQ(back, big);
  std::atomic<int> right{0};
  std::atomic<int> left{1000};
  std::promise<void> all;
  for (int i = 0; i < 1000; ++i) {
    sess->async_call<int, std::vector<int>>("/math/add", {i, 1}, [&, i](Status cs, int r) {
      if (cs.ok() && r == i + 1) ++right;
      if (--left == 0) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(right.load(), 1000);

  // A peer that writes a whole 150 KiB frame as one packet (as Go does) is read intact.
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  Message call;
  call.seq = 1;
  call.type = MsgType::kCall;
  call.service_method = "/echo/bytes";
  call.body_codec = codec_id::kPlain;
  call.body.assign(150 * 1024, 'q');
  std::string frame;
  ASSERT_TRUE(RawProto().encode(call, frame).ok());
  ASSERT_EQ(::send(fd, frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
  std::string reply_bytes;
  Message reply;
  while (true) {
    std::string packet(kPacketBytes, '\0');
    const ssize_t n = ::recv(fd, packet.data(), packet.size(), 0);
    ASSERT_GT(n, 0);
    reply_bytes.append(packet.data(), static_cast<std::size_t>(n));
    if (RawProto().decode(reply_bytes, reply).kind == DecodeResult::Kind::kMessage) break;
  }
  ::close(fd);
  EXPECT_EQ(reply.body, call.body);
}

TEST(Peer, TimeoutGives408) {
  Peer srv({.listen_address = "127.0.0.1:0"});
  EXPECT_TRUE(srv.route_call_func("/slow",
                                  [](Ctx&, const int& ms) -> Result<int> {
                                    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                    return ms;
                                  })
                  .ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli;
  auto [sess, st] = cli.dial("127.0.0.1:" + std::to_string(srv.listen_port()));
  ASSERT_TRUE(st.ok());
  int out = 0;
  EXPECT_EQ(sess->call<int>("/slow", 300, {.timeout = 50ms}).into(out).code(),
            code::kHandleTimeout);
  EXPECT_TRUE(sess->call<int>("/slow", 1, {.timeout = 2000ms}).into(out).ok());
}

TEST(Peer, DialFailureAndClosedSession) {
  Peer cli;
  auto [none, st] = cli.dial("127.0.0.1:1");
  EXPECT_EQ(st.code(), code::kDialFailed);
  EXPECT_EQ(none, nullptr);

  auto srv = std::make_unique<test::MathServer>();
  auto [sess, ok] = cli.dial(srv->addr());
  ASSERT_TRUE(ok.ok());
  std::promise<void> closed;
  sess->on_close([&] { closed.set_value(); });
  srv.reset();  // the server goes away
  ASSERT_EQ(closed.get_future().wait_for(5s), std::future_status::ready);
  int out = 0;
  EXPECT_EQ(sess->call<int>("/math/add", std::vector{1}).into(out).code(), code::kConnClosed);
  EXPECT_FALSE(sess->health());
  EXPECT_EQ(cli.count_sessions(), 0U);
}

TEST(Peer, TenThousandConcurrentCallsFromHundredSessions) {
  test::MathServer srv;
  Peer cli;
  std::vector<std::shared_ptr<Session>> sessions;
  for (int i = 0; i < 100; ++i) {
    auto [s, st] = cli.dial(srv.addr());
    ASSERT_TRUE(st.ok());
    sessions.push_back(s);
  }
  std::atomic<int> ok{0}, answered{0};
  std::promise<void> all;
  constexpr int kCalls = 10000;
  for (int i = 0; i < kCalls; ++i) {
    sessions[i % 100]->async_call<int, std::vector<int>>("/math/add", {i, 1},
                                                         [&, i](Status st, int sum) {
                                                           if (st.ok() && sum == i + 1) ++ok;
                                                           if (++answered == kCalls)
                                                             all.set_value();
                                                         });
  }
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(ok.load(), kCalls);
}

TEST(Peer, CloseWhileSixteenThreadsCallAndPush) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  std::atomic<bool> go{true};
  std::atomic<int> answered{0};
  std::atomic<int> refused_closed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      while (go) {
        const Status st = t % 2 ? sess->push("/chat/say", std::string("x"))
                                : sess->call<int>("/math/add", std::vector{1}).status;
        if (st.ok()) ++answered;
        if (st.code() == code::kConnClosed) ++refused_closed;
      }
    });
  }
  ASSERT_TRUE(test::eventually([&] { return answered > 100; }));  // calls and pushes flow
  sess->close();
  ASSERT_TRUE(test::eventually([&] { return refused_closed > 100; }));  // now they see the close
  go = false;
  for (auto& th : threads) th.join();
  int out = 0;
  EXPECT_EQ(sess->call<int>("/math/add", std::vector{1}).into(out).code(), code::kConnClosed);
}

TEST(Peer, BlockingCallFromAHandlerIsRefusedNotDeadlocked) {
  test::MathServer srv;
  Peer cli;
  std::promise<Status> inner;
  EXPECT_TRUE(
      cli.route_push_func("/nested",
                          [&](Ctx& ctx, const int&) {
                            int out = 0;
                            inner.set_value(
                                ctx.session().call<int>("/math/add", std::vector{1}).into(out));
                          })
          .ok());
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  std::shared_ptr<Session> server_side = test::first_session(srv.peer);
  ASSERT_TRUE(server_side);
  ASSERT_TRUE(server_side->push("/nested", 1).ok());
  auto f = inner.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get().code(), code::kInvalidOp);
}

}  // namespace
}  // namespace tp
