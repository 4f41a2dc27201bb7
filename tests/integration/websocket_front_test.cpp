// The WebSocket front of a listener: upgrades beside raw, HTTP and the other protocols on one
// port, static files for the browser (and nothing outside their root), the pre-handshake hook,
// a message that is not the sub-protocol, and a listener that only speaks WebSocket.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "integration/math_peer.hpp"
#include "integration/shell.hpp"
#include "socket/web_front.hpp"

namespace tp {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

// A web root with a page and a script, and a secret beside (not under) it.
struct WebRoot {
  std::filesystem::path base =
      std::filesystem::path(::testing::TempDir()) / ("ws-front-" + std::to_string(::getpid()));
  std::filesystem::path root = base / "web";
  WebRoot() {
    std::filesystem::create_directories(root / "js");
    std::ofstream(root / "index.html") << "<!doctype html><title>page</title>";
    std::ofstream(root / "js" / "app.js") << "export const x = 1;";
    std::ofstream(base / "secret.txt") << "do not serve";
    std::filesystem::create_symlink(base / "secret.txt", root / "link.txt");
  }
  ~WebRoot() { std::filesystem::remove_all(base); }
};

std::string curl(const Peer& p, const std::string& args) {
  return test::run_command("curl -s --path-as-is " + args +
                           " http://127.0.0.1:" + std::to_string(p.listen_port()));
}

TEST(WebSocketFront, SharesThePortWithRawHttpAndFiles) {
  WebRoot web;
  test::MathServer server(
      {.listen_address = "127.0.0.1:0", .websocket_path = "/ws", .web_root = web.root.string()});
  const std::string port = std::to_string(server.peer.listen_port());
  Peer client;
  auto [raw, st] = client.dial("127.0.0.1:" + port);  // eRPC's raw protocol
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(raw->call<int>("/math/add", std::vector{1, 2}).value, 3);
  auto [ws, st2] = client.dial("ws://127.0.0.1:" + port + "/ws");
  ASSERT_TRUE(st2.ok()) << st2.to_string();
  EXPECT_EQ(ws->call<int>("/math/add", std::vector{3, 4}).value, 7);
  // HTTP calls still reach the routes; GETs of files get the files.
  EXPECT_EQ(test::run_command("curl -s -X POST -H 'Content-Type: application/json' -d '[5,6]' "
                              "http://127.0.0.1:" +
                              port + "/math/add"),
            "11");
  EXPECT_EQ(curl(server.peer, "-i").find("HTTP/1.1 200"), 0u);
  EXPECT_NE(curl(server.peer, "-i").find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(curl(server.peer, "-i").find("<title>page</title>"), std::string::npos);
  EXPECT_EQ(test::run_command("curl -s http://127.0.0.1:" + port + "/js/app.js"),
            "export const x = 1;");
  // Nothing outside the root: "..", its percent-encoded form, a link out of it.
  for (const char* path :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/js/..%2f..%2fsecret.txt", "/link.txt"}) {
    SCOPED_TRACE(path);
    const std::string got =
        test::run_command("curl -s --path-as-is http://127.0.0.1:" + port + path);
    EXPECT_EQ(got.find("do not serve"), std::string::npos) << got;
  }
}

TEST(WebSocketFront, FindsFilesOnlyUnderTheRoot) {
  WebRoot web;
  const std::string root = web.root.string();
  EXPECT_EQ(detail::find_web_file(root, "/"), std::filesystem::canonical(web.root / "index.html"));
  EXPECT_TRUE(detail::find_web_file(root, "/js/app.js?v=2"));
  EXPECT_TRUE(detail::find_web_file(root, "//js//app.js"));
  EXPECT_FALSE(detail::find_web_file(root, "/js"));  // a directory without index.html
  EXPECT_FALSE(detail::find_web_file(root, "/nope.js"));
  EXPECT_FALSE(detail::find_web_file(root, "/../secret.txt"));
  EXPECT_FALSE(detail::find_web_file(root, "/%2E%2E/secret.txt"));
  EXPECT_FALSE(detail::find_web_file(root, "/js/%2f..%2f..%2fsecret.txt"));
  EXPECT_FALSE(detail::find_web_file(root, "/link.txt"));
  EXPECT_FALSE(detail::find_web_file(root, "http://x/index.html"));
  EXPECT_FALSE(detail::find_web_file(root + "/missing", "/"));
  using detail::WebRequest;
  const auto classify = [&](std::string_view bytes) {
    return detail::classify_web_request(bytes, "/ws", root);
  };
  EXPECT_EQ(classify("GE"), WebRequest::kNeedMore);
  EXPECT_EQ(classify("GET / HTTP/1.1\r\nHost: x\r\n"), WebRequest::kNeedMore);
  EXPECT_EQ(classify("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), WebRequest::kFile);
  EXPECT_EQ(classify("GET /math/add HTTP/1.1\r\nHost: x\r\n\r\n"), WebRequest::kNotOurs);
  EXPECT_EQ(classify("POST / HTTP/1.1\r\n\r\n"), WebRequest::kNotOurs);
  EXPECT_EQ(classify(std::string(4, '\0')), WebRequest::kNotOurs);
  const std::string upgrade =
      "GET /ws?x=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  EXPECT_EQ(classify(upgrade), WebRequest::kUpgrade);
  EXPECT_EQ(detail::classify_web_request(upgrade, "/other", root), WebRequest::kNotOurs);
  // A head that never ends is not ours past the limit (HTTP refuses it).
  EXPECT_EQ(classify("GET / HTTP/1.1\r\nX: " + std::string(detail::kWebHeadLimit, 'a')),
            WebRequest::kNotOurs);
}

// Go's PreWebsocketHandshakePlugin: here a token in the query or a header.
class TokenCheck final : public Plugin {
 public:
  std::string_view name() const override { return "token-check"; }
  Status pre_websocket_handshake(const WsHandshake& req) override {
    seen_remote = std::string(req.remote);
    if (req.target.ends_with("?token=good") || req.header("x-token") == "good") return {};
    return Status::from_code(code::kUnauthorized, "no good token");
  }
  std::string seen_remote;
};

TEST(WebSocketFront, APreHandshakePluginRefusesWith401) {
  auto check = std::make_shared<TokenCheck>();
  test::MathServer server({.listen_address = "127.0.0.1:0", .websocket_path = "/ws"}, {check});
  const std::string base = "ws://127.0.0.1:" + std::to_string(server.peer.listen_port());
  Peer client;
  auto [ok_session, st] = client.dial(base + "/ws?token=good");
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(ok_session->call<int>("/math/add", std::vector{1, 1}).value, 2);
  EXPECT_EQ(check->seen_remote.rfind("127.0.0.1:", 0), 0u) << check->seen_remote;
  auto refused = client.dial(base + "/ws?token=bad");
  EXPECT_EQ(refused.status.code(), code::kDialFailed);
  // What a browser sees: the 401 and the plugin's status.
  const std::string answer = test::run_command(
      "curl -s -i -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' "
      "-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' http://127.0.0.1:" +
      std::to_string(server.peer.listen_port()) + "/ws");
  EXPECT_EQ(answer.find("HTTP/1.1 401"), 0u) << answer;
  EXPECT_NE(answer.find("no good token"), std::string::npos) << answer;
  // A header passes too.
  boost::asio::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), server.peer.listen_port()});
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set("X-Token", "good"); }));
  boost::system::error_code ec;
  ws.handshake("127.0.0.1", "/ws", ec);
  EXPECT_FALSE(ec) << ec.message();
}

// Text that is not the JSON sub-protocol: a close frame 1007 naming the 400, then a clean close.
TEST(WebSocketFront, NotTheSubProtocolClosesWithTheReason) {
  test::MathServer server({.listen_address = "127.0.0.1:0", .websocket_path = "/ws"});
  boost::asio::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), server.peer.listen_port()});
  ws.handshake("127.0.0.1", "/ws");
  ws.text(true);
  ws.write(boost::asio::buffer(std::string("{\"seq\":1,\"mtype\":1,")));  // cut short
  beast::flat_buffer in;
  boost::system::error_code ec;
  ws.read(in, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws.reason().code, websocket::close_code::bad_payload);
  EXPECT_EQ(std::string(ws.reason().reason.c_str()).rfind("400", 0), 0u) << ws.reason().reason;
  // The server goes on serving others.
  Peer client;
  auto [s, st] = client.dial("ws://127.0.0.1:" + std::to_string(server.peer.listen_port()) + "/ws");
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(s->call<int>("/math/add", std::vector{2, 2}).value, 4);
}

// Without protocol detection the port only speaks WebSocket: other requests get 400 or 404.
TEST(WebSocketFront, WithoutDetectionEveryConnectionMustUpgrade) {
  test::MathServer server(
      {.listen_address = "127.0.0.1:0", .detect_protocol = false, .websocket_path = "/ws"});
  const std::string url = "http://127.0.0.1:" + std::to_string(server.peer.listen_port());
  EXPECT_EQ(test::run_command("curl -s -o /dev/null -w '%{http_code}' " + url + "/"), "400");
  Peer client;
  auto [s, st] = client.dial("ws://127.0.0.1:" + std::to_string(server.peer.listen_port()) + "/ws");
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(s->call<int>("/math/add", std::vector{2, 3}).value, 5);
  // A raw eRPC frame is not an HTTP request: the connection closes and the call fails.
  auto [raw, st2] = client.dial("127.0.0.1:" + std::to_string(server.peer.listen_port()));
  if (st2.ok()) {
    EXPECT_EQ(raw->call<int>("/math/add", std::vector{1}, {.timeout = std::chrono::seconds(5)})
                  .status.code(),
              code::kConnClosed);
  }
}

// A server that speaks first: on accept it pushes /welcome and calls the client's /whoami.
struct Welcome : Plugin {
  std::string_view name() const override { return "welcome"; }
  Status post_accept(Session& s) override {
    (void)s.push_raw("/welcome", codec_id::kJson, "\"hi\"", {});
    s.call_raw("/whoami", codec_id::kJson, "0", {}, [this](Message& reply) {
      std::lock_guard lock(mutex);
      answers.push_back(reply.status.ok() ? reply.body : reply.status.to_string());
    });
    return {};
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex);
    return answers;
  }
  std::mutex mutex;
  std::vector<std::string> answers;  // what /whoami answered (or why it failed)
};

// A client that has it: counts /welcome pushes, answers /whoami with `me`.
struct WelcomedClient {
  explicit WelcomedClient(std::string me) {
    EXPECT_TRUE(peer.route_push_func("/welcome",
                                     [this](Ctx&, const std::string& text) {
                                       if (text == "hi") welcomes.set_value();
                                     })
                    .ok());
    EXPECT_TRUE(peer.route_call_func("/whoami",
                                     [me](Ctx&, const int&) -> Result<std::string> { return me; })
                    .ok());
  }
  Peer peer;
  std::promise<void> welcomes;
};

// What the server sends before a connection's first bytes waits for them: it goes out in the
// protocol they name (raw, WebSocket), and a browser fetching a file gets a clean HTTP answer,
// not an eRPC frame in front of it (which Chromium rejects as an invalid response).
TEST(WebSocketFront, WhatTheServerSaysFirstWaitsForTheProtocol) {
  WebRoot web;
  auto welcome = std::make_shared<Welcome>();
  test::MathServer server(
      {.listen_address = "127.0.0.1:0", .websocket_path = "/ws", .web_root = web.root.string()},
      {welcome});
  const std::string port = std::to_string(server.peer.listen_port());
  const std::string page = test::run_command("curl -s -i http://127.0.0.1:" + port + "/");
  EXPECT_EQ(page.find("HTTP/1.1 200"), 0u) << page;
  EXPECT_NE(page.find("<title>page</title>"), std::string::npos) << page;

  WelcomedClient browser("ws");
  auto [ws, st] = browser.peer.dial("ws://127.0.0.1:" + port + "/ws");
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(ws->call<int>("/math/add", std::vector{1, 2}).value, 3);
  EXPECT_EQ(browser.welcomes.get_future().wait_for(std::chrono::seconds(5)),
            std::future_status::ready);

  WelcomedClient raw_client("raw");
  auto [raw, st2] = raw_client.peer.dial("127.0.0.1:" + port);
  ASSERT_TRUE(st2.ok()) << st2.to_string();
  EXPECT_EQ(raw->call<int>("/math/add", std::vector{2, 2}).value, 4);
  EXPECT_EQ(raw_client.welcomes.get_future().wait_for(std::chrono::seconds(5)),
            std::future_status::ready);

  // The file's connection closed with its call unanswered (102); the others answered it.
  for (int i = 0; i < 500 && welcome->seen().size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto seen = welcome->seen();
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], "\"raw\"");
  EXPECT_EQ(seen[1], "\"ws\"");
  EXPECT_EQ(seen[2].rfind("102", 0), 0u) << seen[2];
}

// What waits for the first bytes is bounded: past 1 MiB of bodies a call fails at once with 102
// (what fitted still goes out once the client speaks).
TEST(WebSocketFront, WhatWaitsForTheFirstBytesIsBounded) {
  struct Flood : Plugin {
    std::string_view name() const override { return "flood"; }
    Status post_accept(Session& s) override {
      (void)s.push_raw("/big", codec_id::kPlain, std::string((1 << 20) - 8, 'x'), {});
      s.call_raw("/whoami", codec_id::kJson, "\"0123456789\"", {},
                 [this](Message& reply) { refused.set_value(reply.status); });
      return {};
    }
    std::promise<Status> refused;
  };
  auto flood = std::make_shared<Flood>();
  test::MathServer server({.listen_address = "127.0.0.1:0", .websocket_path = "/ws"}, {flood});
  auto refused = flood->refused.get_future();
  Peer client;
  std::promise<std::size_t> big;
  ASSERT_TRUE(
      client.route_push_func("/big", [&](Ctx&, const Bytes& b) { big.set_value(b.size()); }).ok());
  auto [raw, st] = client.dial("127.0.0.1:" + std::to_string(server.peer.listen_port()));
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const Status why = refused.get();
  EXPECT_EQ(why.code(), code::kConnClosed) << why.to_string();
  EXPECT_NE(why.cause().find("1 MiB"), std::string::npos) << why.to_string();
  EXPECT_EQ(raw->call<int>("/math/add", std::vector{1, 1}).value, 2);
  auto got = big.get_future();
  ASSERT_EQ(got.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(got.get(), (1u << 20) - 8);
}

}  // namespace
}  // namespace tp
