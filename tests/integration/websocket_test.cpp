// WebSocket as a transport over loopback: a peer dialing ws://, calls and pushes both ways,
// error statuses, the protobuf sub-protocol, a wrong path, and a raw Beast client sending the
// exact text Go's eRPC WebSocket client sends.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <thread>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

std::string ws_url(const Peer& server, const std::string& path = "/ws") {
  return "ws://127.0.0.1:" + std::to_string(server.listen_port()) + path;
}

// What Go's eRPC WebSocket client writes for a call of /math/add with [1,2,3].
constexpr std::string_view kGoCall =
    R"({"seq":1,"mtype":1,"serviceMethod":"/math/add","meta":"","bodyCodec":106,)"
    R"("body":"[1,2,3]","xferPipe":[]})";

// A raw Beast WebSocket client upgraded to `server`'s /ws, writing binary messages as Go does.
std::unique_ptr<websocket::stream<tcp::socket>> raw_client(boost::asio::io_context& io,
                                                           const Peer& server) {
  auto ws = std::make_unique<websocket::stream<tcp::socket>>(io);
  ws->next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), server.listen_port()});
  ws->handshake("127.0.0.1", "/ws");
  ws->binary(true);
  return ws;
}

TEST(WebSocket, CallsAndPushesBothWays) {
  for (const char* sub : {"json", "pb"}) {
    SCOPED_TRACE(sub);
    test::MathServer server(
        {.listen_address = "127.0.0.1:0", .websocket_path = "/ws", .websocket_sub_proto = sub});
    Peer client({.websocket_sub_proto = sub});
    std::atomic<int> pushed{0};
    ASSERT_TRUE(client
                    .route_push_func("/news",
                                     [&](Ctx&, const std::string& s) {
                                       if (s == "hello") ++pushed;
                                     })
                    .ok());
    ASSERT_TRUE(client
                    .route_call_func("/client/twice",
                                     [](Ctx&, const int& x) -> Result<int> { return 2 * x; })
                    .ok());
    auto [sess, st] = client.dial(ws_url(server.peer));
    ASSERT_TRUE(st.ok()) << st.to_string();
    auto sum = sess->call<int>("/math/add", std::vector{1, 2, 3});
    ASSERT_TRUE(sum.ok()) << sum.status.to_string();
    EXPECT_EQ(sum.value, 6);
    // A message of a megabyte arrives in many reads, each charged to the read budget.
    const Bytes big(1 << 20, 'x');
    auto echoed = sess->call<Bytes>("/echo/bytes", big);
    ASSERT_TRUE(echoed.ok()) << echoed.status.to_string();
    EXPECT_EQ(echoed.value, big);
    // An error status crosses too (Go's format has none: ours adds it).
    EXPECT_EQ(sess->call<int>("/no/such", 1).status.code(), code::kNotFound);
    EXPECT_EQ(sess->call<int>("/math/add", std::vector<int>{}).status.code(), 1001);
    ASSERT_TRUE(sess->push("/chat/say", std::string("hi")).ok());
    EXPECT_TRUE(test::eventually([&] { return server.pushes == 1; }, 5s));
    // The server calls and pushes back over the same WebSocket.
    auto back = test::first_session(server.peer);
    ASSERT_TRUE(back);
    auto twice = back->call<int>("/client/twice", 21);
    ASSERT_TRUE(twice.ok()) << twice.status.to_string();
    EXPECT_EQ(twice.value, 42);
    ASSERT_TRUE(back->push("/news", std::string("hello")).ok());
    EXPECT_TRUE(test::eventually([&] { return pushed == 1; }, 5s));
  }
}

TEST(WebSocket, AWrongPathIsRefused) {
  test::MathServer server({.listen_address = "127.0.0.1:0", .websocket_path = "/ws"});
  Peer client;
  auto [sess, st] = client.dial(ws_url(server.peer, "/elsewhere"));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.cause().find("websocket handshake"), std::string::npos) << st.to_string();
  EXPECT_EQ(client.dial("ws://").status.code(), code::kDialFailed);
}

// A raw WebSocket client sending what Go's eRPC client sends, byte for byte, gets Go's reply
// text back; a message past the size limit closes the connection with 1009.
TEST(WebSocket, GoClientBytesAndTooBigMessages) {
  test::MathServer server(
      {.listen_address = "127.0.0.1:0", .message_size_limit = 4096, .websocket_path = "/ws"});
  boost::asio::io_context io;
  auto client = raw_client(io, server.peer);
  auto& ws = *client;
  const std::string call(kGoCall);
  ws.write(boost::asio::buffer(call));
  beast::flat_buffer in;
  ws.read(in);
  EXPECT_EQ(beast::buffers_to_string(in.data()),
            R"({"seq":1,"mtype":2,"serviceMethod":"","meta":"","bodyCodec":106,"body":"6",)"
            R"("xferPipe":[]})");  // a reply names no service method, as Go's do
  // Past message_size_limit: Beast closes with 1009 (message too big).
  ws.write(boost::asio::buffer(std::string(5000, 'x')));
  beast::flat_buffer rest;
  boost::system::error_code ec;
  ws.read(rest, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws.reason().code, websocket::close_code::too_big);
}

// A message in many small frames after a ping, as browsers may send them, is one frame.
TEST(WebSocket, FragmentedMessagesAndPings) {
  test::MathServer server({.listen_address = "127.0.0.1:0", .websocket_path = "/ws"});
  boost::asio::io_context io;
  auto client = raw_client(io, server.peer);
  auto& ws = *client;
  const std::string call(kGoCall);
  beast::flat_buffer in;
  // A ping, then a message in 8-byte frames.
  ws.auto_fragment(true);
  ws.write_buffer_bytes(8);
  ws.ping({});
  ws.write(boost::asio::buffer(call));
  ws.read(in);
  EXPECT_NE(beast::buffers_to_string(in.data()).find(R"("body":"6")"), std::string::npos);
}

// Our client against a server answering as Go's eRPC WebSocket server does: what it sends is
// Go's jsonSubProto text member for member, and Go's reply text is understood.
TEST(WebSocket, CallsAServerSpeakingGosBytes) {
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string port = std::to_string(acceptor.local_endpoint().port());
  std::string seen;
  std::thread go_server([&] {
    websocket::stream<tcp::socket> ws(acceptor.accept());
    ws.accept();
    beast::flat_buffer in;
    ws.read(in);
    seen = beast::buffers_to_string(in.data());
    const auto call = boost::json::parse(seen).as_object();
    ws.binary(true);
    ws.write(boost::asio::buffer(
        R"({"seq":)" + std::to_string(call.at("seq").as_int64()) +
        R"(,"mtype":2,"serviceMethod":"","meta":"","bodyCodec":106,"body":"6","xferPipe":[]})"));
    beast::flat_buffer rest;
    boost::system::error_code ec;
    ws.read(rest, ec);  // until the client goes
  });
  {
    Peer client;
    auto [s, st] = client.dial("ws://127.0.0.1:" + port + "/ws");
    ASSERT_TRUE(st.ok()) << st.to_string();
    auto sum = s->call<int>("/math/add?author=cpp", std::vector{1, 2, 3});
    ASSERT_TRUE(sum.ok()) << sum.status.to_string();
    EXPECT_EQ(sum.value, 6);
  }
  go_server.join();
  const auto call = boost::json::parse(seen).as_object();
  const std::string go_text = R"({"seq":)" + std::to_string(call.at("seq").as_int64()) +
                              R"(,"mtype":1,"serviceMethod":"/math/add?author=cpp","meta":)" +
                              boost::json::serialize(call.at("meta")) +
                              R"(,"bodyCodec":106,"body":"[1,2,3]","xferPipe":[]})";
  EXPECT_EQ(seen, go_text);
}

}  // namespace
}  // namespace tp
