// serve_conn, the session swap, coroutine calls and config files.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include "demo_types.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>

#include "integration/math_peer.hpp"
#include "support/eventually.hpp"
#include "teleport/asio.hpp"
#include "teleport/config_file.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;

TEST(ServeConn, TwoPeersOverASocketPair) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  test::MathServer srv(PeerConfig{});  // no listener: the connection is handed over
  Peer cli;
  auto [server_side, st1] = srv.peer.serve_conn(fds[0]);
  auto [client_side, st2] = cli.serve_conn(fds[1]);
  ASSERT_TRUE(st1.ok() && st2.ok()) << st1.to_string() << st2.to_string();
  int sum = 0;
  ASSERT_TRUE(client_side->call<int>("/math/add", std::vector{7, 8}).into(sum).ok());
  EXPECT_EQ(sum, 15);
  EXPECT_EQ(srv.peer.serve_conn(-1).status.code(), code::kWrongConn);
}

TEST(Session, SwapKeepsValuesOfAnyType) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  sess->swap().set("user", std::string("henry"));
  sess->swap().set("level", 3);
  EXPECT_EQ(sess->swap().get<std::string>("user"), "henry");
  EXPECT_EQ(sess->swap().get<int>("level"), 3);
  EXPECT_FALSE(sess->swap().get<int>("user"));  // wrong type
  EXPECT_TRUE(sess->swap().erase("user"));
  EXPECT_EQ(sess->swap().size(), 1U);
  ASSERT_TRUE(sess->set_id("client-1").ok());
  EXPECT_EQ(cli.get_session("client-1"), sess);
}

TEST(Coroutine, CoAwaitACallAndTheClose) {
  test::MathServer srv;
  Peer cli;
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  boost::asio::io_context ioc;
  int sum = 0;
  Status call_status(code::kUnknownError, "not run");
  bool closed = false;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        // Named arguments: GCC 12 cannot keep a braced or literal temporary across a co_await
        // ("array used as initializer").
        const std::string service_method = "/math/add";
        const std::vector<int> xs{1, 2, 3};
        CallOptions opts;
        std::tuple<Status, int> result =
            co_await async_call<int>(*sess, service_method, xs, opts, boost::asio::use_awaitable);
        call_status = std::get<0>(result);
        sum = std::get<1>(result);
        sess->close();
        co_await async_wait_closed(*sess, boost::asio::use_awaitable);
        closed = true;
      },
      boost::asio::detached);
  ioc.run_for(5s);
  EXPECT_TRUE(call_status.ok()) << call_status.to_string();
  EXPECT_EQ(sum, 6);
  EXPECT_TRUE(closed);
}

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigFile, YamlAndTomlWithErpcKeys) {
  PeerConfig yaml;
  ASSERT_TRUE(load_peer_config(write_file("tp.yaml",
                                          "network: tcp4\nlocal_ip: 127.0.0.1\nlisten_port: 9090\n"
                                          "redial_times: -1\nredial_interval: 250ms\n"
                                          "default_body_codec: plain\nslow_comet_duration: 1m30s\n"
                                          "print_detail: true\n"),
                               yaml)
                  .ok());
  EXPECT_EQ(yaml.network, "tcp4");
  EXPECT_EQ(yaml.listen_address, "127.0.0.1:9090");
  EXPECT_EQ(yaml.redial_times, -1);
  EXPECT_EQ(yaml.redial_interval, 250ms);
  EXPECT_EQ(yaml.default_body_codec, codec_id::kPlain);
  EXPECT_EQ(yaml.slow_call_threshold, 90s);
  EXPECT_TRUE(yaml.print_detail);

  PeerConfig toml;
  ASSERT_TRUE(
      load_peer_config(write_file("tp.toml",
                                  "listen_address = \":0\"\ndial_timeout = 1500\n"
                                  "count_time = true\nname_style = \"rpc\"\nraw_version = 5\n"),
                       toml)
          .ok());
  EXPECT_EQ(toml.listen_address, ":0");
  EXPECT_EQ(toml.dial_timeout, 1500ms);
  EXPECT_TRUE(toml.count_time);
  EXPECT_EQ(toml.name_style, NameStyle::kRpc);
  EXPECT_EQ(toml.raw_version, RawVersion::kV5);
  Peer from_file(toml);
  ASSERT_TRUE(from_file.listen().ok());
}

TEST(ConfigFile, MistakesAreNamed) {
  PeerConfig cfg;
  Status st = load_peer_config(write_file("bad1.yaml", "redial_tims: 3\n"), cfg);
  EXPECT_EQ(st.cause(), "config redial_tims: unknown key");
  st = load_peer_config(write_file("bad2.toml", "dial_timeout = \"5 parsecs\"\n"), cfg);
  EXPECT_NE(st.cause().find("config dial_timeout: not a duration"), std::string::npos)
      << st.cause();
  st = load_peer_config(write_file("bad3.yaml", "print_detail: [1\n"), cfg);
  EXPECT_EQ(st.code(), code::kBadMessage);
  EXPECT_EQ(load_peer_config("/nonexistent.ini", cfg).code(), code::kBadMessage);
  EXPECT_EQ(cfg.dial_timeout, PeerConfig{}.dial_timeout);  // a failed load changes nothing
}

}  // namespace
}  // namespace tp

namespace tp {
namespace {

class EachProto : public ::testing::TestWithParam<const char*> {};

TEST_P(EachProto, PeersTalkOverIt) {
  test::MathServer srv({.listen_address = "127.0.0.1:0", .proto = GetParam()});
  Peer cli({.proto = GetParam()});
  auto [sess, st] = cli.dial(srv.addr());
  ASSERT_TRUE(st.ok());
  int sum = 0;
  CallOptions opts;
  if (std::string_view(GetParam()) != "http") opts.xfer_pipe = {'g'};  // HTTP carries no filters
  ASSERT_TRUE(
      sess->call<int>("/math/add?author=proto", std::vector{1, 2, 3, 4}, opts).into(sum).ok());
  EXPECT_EQ(sum, 10);
  EXPECT_EQ(srv.last_author(), "proto");
  EXPECT_EQ(sess->call<int>("/nope", 1).into(sum).code(), code::kNotFound);
}

TEST(Protos, ThriftProtocolWithThriftBodies) {
  // eRPC's thriftproto README example: Home.Test over the Thrift protocol with thrift bodies.
  Peer srv({.listen_address = "127.0.0.1:0",
            .default_body_codec = codec_id::kThrift,
            .proto = "thrift",
            .name_style = NameStyle::kRpc});
  EXPECT_TRUE(srv.route_call_func("Home.Test",
                                  [](Ctx& ctx, const tp_demo::Test& arg) -> Result<tp_demo::Test> {
                                    if (ctx.peek_meta("peer_id") != "110")
                                      return Status::bad_message("expected meta peer_id=110");
                                    tp_demo::Test out;
                                    out.__set_author(arg.author + "->OK");
                                    return out;
                                  })
                  .ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli({.default_body_codec = codec_id::kThrift, .proto = "thrift"});
  auto [sess, st] = cli.dial("127.0.0.1:" + std::to_string(srv.listen_port()));
  ASSERT_TRUE(st.ok());
  tp_demo::Test arg;
  arg.__set_author("henrylee2cn");
  tp_demo::Test result;
  CallOptions opts;
  opts.meta.add("peer_id", "110");
  opts.xfer_pipe = {'g'};
  ASSERT_TRUE(sess->call<tp_demo::Test>("Home.Test", arg, opts).into(result).ok());
  EXPECT_EQ(result.author, "henrylee2cn->OK");
  EXPECT_EQ(sess->call<tp_demo::Test>("Home.Test", arg).into(result).code(),
            code::kBadMessage);  // no meta
}

INSTANTIATE_TEST_SUITE_P(Protos, EachProto,
                         ::testing::Values("raw", "json", "pb", "http", "thrift"));

TEST(Protos, OnePortDetectsEveryProtocol) {
  test::MathServer srv;  // configured for raw; detects the others from the first bytes
  for (const char* proto : {"raw", "json", "pb", "http", "thrift"}) {
    Peer cli({.proto = proto});
    auto [sess, st] = cli.dial(srv.addr());
    ASSERT_TRUE(st.ok());
    int sum = 0;
    ASSERT_TRUE(sess->call<int>("/math/add", std::vector{2, 3}).into(sum).ok()) << proto;
    EXPECT_EQ(sum, 5) << proto;
    ASSERT_TRUE(sess->push("/chat/say", std::string("hi")).ok());
  }
  EXPECT_TRUE(test::eventually([&] { return srv.pushes.load() == 5; }));
}

TEST(Protos, UnknownProtocolIsRefused) {
  Peer bad({.listen_address = "127.0.0.1:0", .proto = "carrier-pigeon"});
  EXPECT_EQ(bad.listen().code(), code::kWrongConn);
  EXPECT_NE(bad.dial("127.0.0.1:1").status.cause().find("unknown protocol"), std::string::npos);
}

}  // namespace
}  // namespace tp

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace tp {
namespace {

TEST(Coroutine, HandlersAwaitWithoutBlockingTheThread) {
  Peer srv({.listen_address = "127.0.0.1:0", .io_threads = 1});
  ASSERT_TRUE(
      route_call_coro(srv.router(), "/slow/add",
                      [](Ctx&, const std::vector<int>& xs) -> boost::asio::awaitable<Result<int>> {
                        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                                        std::chrono::milliseconds(1500));
                        co_await timer.async_wait(boost::asio::use_awaitable);
                        int sum = 0;
                        for (int x : xs) sum += x;
                        co_return sum;
                      })
          .ok());
  ASSERT_TRUE(route_call_coro(srv.router(), "/coro/throw",
                              [](Ctx&, const int&) -> boost::asio::awaitable<Result<int>> {
                                throw std::runtime_error("coroutine boom");
                                co_return 0;
                              })
                  .ok());
  EXPECT_TRUE(
      srv.route_call_func("/fast", [](Ctx&, const int& x) -> Result<int> { return x; }).ok());
  ASSERT_TRUE(srv.listen().ok());
  Peer cli;
  auto [sess, st] = cli.dial("127.0.0.1:" + std::to_string(srv.listen_port()));
  ASSERT_TRUE(st.ok());
  std::promise<std::pair<Status, int>> slow;
  sess->async_call<int, std::vector<int>>("/slow/add", {1, 2, 3}, [&](Status s, int v) {
    slow.set_value({s, v});
  });
  auto slow_reply = slow.get_future();
  int out = 0;
  // The only I/O thread is free while /slow/add waits: /fast is answered before it.
  ASSERT_TRUE(sess->call<int>("/fast", 7).into(out).ok());
  EXPECT_EQ(slow_reply.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  auto [slow_status, slow_sum] = slow_reply.get();
  EXPECT_TRUE(slow_status.ok()) << slow_status.to_string();
  EXPECT_EQ(slow_sum, 6);
  Status boom = sess->call<int>("/coro/throw", 1).into(out);
  EXPECT_EQ(boom.code(), code::kInternalServerError);
  EXPECT_EQ(boom.cause(), "coroutine boom");
}

}  // namespace
}  // namespace tp
