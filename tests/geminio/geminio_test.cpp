// The Geminio layer over loopback: identity, messages with acknowledgment, RPC both ways, streams
// with flow control, Beast over a stream, reconnects and server restarts.
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <set>
#include <thread>

#include "geminio/survive_restarts.hpp"
#include "support/eventually.hpp"
#include "teleport/geminio_teleport.hpp"
#include "teleport/plugin/overloader.hpp"

namespace tp::geminio::teleport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string addr_of(Server& s) { return "127.0.0.1:" + std::to_string(s.peer().listen_port()); }

// The outcome of one read_some as an error code (errors through futures would be exceptions,
// whose shared ownership TSan cannot follow inside libstdc++).
std::future<boost::system::error_code> read_outcome(Stream& s, asio::mutable_buffer b) {
  auto p = std::make_shared<std::promise<boost::system::error_code>>();
  auto f = p->get_future();
  s.async_read_some(b, [p](boost::system::error_code ec, std::size_t) { p->set_value(ec); });
  return f;
}

PeerConfig client_config() {
  return {.redial_times = -1, .redial_interval = std::chrono::milliseconds(10)};
}

TEST(Geminio, ClientIdsComeFromTheHookAndMessagesAreAcknowledged) {
  Server server({.listen_address = "127.0.0.1:0"});
  server.set_assign_id([](std::uint64_t requested, const Meta& meta) -> Result<std::uint64_t> {
    if (meta.get("token") != "ok") return Status::from_code(code::kUnauthorized, "bad token");
    return requested ? requested + 1000 : 77;
  });
  std::promise<std::shared_ptr<Endpoint>> seen;
  server.on_endpoint([&](std::shared_ptr<Endpoint> ep) { seen.set_value(ep); });
  ASSERT_TRUE(server.listen().ok());

  Meta bad_meta;
  bad_meta.add("token", "nope");
  Client refused(client_config(), {}, {.meta = bad_meta});
  EXPECT_EQ(refused.connect(addr_of(server)).status.code(), code::kUnauthorized);

  Meta meta;
  meta.add("token", "ok");
  Client client(client_config(), {}, {.client_id = 5, .meta = meta});
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(ep->client_id(), 1005u);
  auto server_ep = seen.get_future().get();
  EXPECT_EQ(server_ep->client_id(), 1005u);
  EXPECT_EQ(server_ep->client_meta().get("token"), "ok");
  EXPECT_EQ(server_ep->side(), Side::kServer);

  // Client → server: done() and error(reason) reach the publisher.
  std::thread receiver([&] {
    for (int i = 0; i < 2; ++i) {
      auto in = server_ep->receive(5s);
      ASSERT_TRUE(in);
      if (in->topic() == "good") {
        EXPECT_EQ(in->payload(), "hello");
        EXPECT_EQ(in->custom(), "c1");
        in->done();
      } else {
        in->error("not today");
      }
    }
  });
  EXPECT_TRUE(ep->publish({.topic = "good", .payload = "hello", .custom = "c1"}).ok());
  Status rejected = ep->publish({.topic = "bad", .payload = "x"});
  EXPECT_EQ(rejected.cause(), "not today");
  receiver.join();

  // Server → client, and a message nobody acknowledges times out with 408.
  std::thread client_receiver([&] {
    auto in = ep->receive(5s);
    ASSERT_TRUE(in);
    EXPECT_EQ(in->payload(), "from server");
    in->done();
  });
  EXPECT_TRUE(server_ep->publish({.payload = "from server"}).ok());
  client_receiver.join();
  EXPECT_EQ(server_ep->publish({.payload = "ignored", .timeout = 100ms}).code(),
            code::kHandleTimeout);
}

TEST(Geminio, RpcBothWaysWaitForMethodsAndACatchAll) {
  Server server({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server.listen().ok());
  server.peer().router().set_unknown_call(
      [](Ctx& ctx) -> Status { return ctx.set_reply("hijacked " + ctx.path()); });
  std::thread late([&] {
    // Registered once the server has answered the client's hello (without it): the client is
    // waiting for it then, and connect() returns only because the later announcement arrived.
    ASSERT_TRUE(test::eventually([&] { return server.endpoints().size() == 1; }));
    (void)server.peer().route_call_func("/math/add",
                                        [](Ctx& ctx, const std::vector<int>& xs) -> Result<int> {
                                          int sum = 0;
                                          for (int x : xs) sum += x;
                                          if (auto s = stream_of(ctx); s && s->id() != 0)
                                            sum += 1000;  // called in a stream's context
                                          return sum;
                                        });
  });
  // (A loaded machine may take seconds before the late route is announced.)
  Client client(client_config(), {},
                {.wait_methods = {"/math/add"}, .wait_timeout = std::chrono::seconds(30)});
  (void)client.peer().route_call_func(
      "/client/name", [](Ctx& ctx, const int&) -> Result<std::string> {
        return "client " + std::to_string(endpoint_of(ctx)->client_id());
      });
  auto [ep, st] = client.connect(addr_of(server));
  late.join();
  ASSERT_TRUE(st.ok()) << st.to_string();
  int sum = 0;
  ASSERT_TRUE(ep->call<int>("/math/add", std::vector{1, 2, 3}).into(sum).ok());
  EXPECT_EQ(sum, 6);
  auto [stream, sst] = ep->open_stream();
  ASSERT_TRUE(sst.ok());
  ASSERT_TRUE(stream.call<int>("/math/add", std::vector{1}).into(sum).ok());
  EXPECT_EQ(sum, 1001);
  std::string hijacked;
  ASSERT_TRUE(ep->call<std::string>("/anything/else", 1).into(hijacked).ok());
  EXPECT_EQ(hijacked, "hijacked /anything/else");

  auto server_ep = server.endpoint(ep->client_id());
  ASSERT_TRUE(server_ep);
  std::string name;
  ASSERT_TRUE(server_ep->call<std::string>("/client/name", 0).into(name).ok());
  EXPECT_EQ(name, "client " + std::to_string(ep->client_id()));
  const auto methods = server_ep->remote_methods();
  EXPECT_NE(std::find(methods.begin(), methods.end(), "/client/name"), methods.end());

  Client impatient(client_config(), {}, {.wait_methods = {"/never"}, .wait_timeout = 200ms});
  EXPECT_EQ(impatient.connect(addr_of(server)).status.code(), code::kDialFailed);
}

TEST(Geminio, StreamsCarryBytesCloseResetAndAreLimited) {
  Server server({.listen_address = "127.0.0.1:0"}, {.max_streams = 3});
  ASSERT_TRUE(server.listen().ok());
  Client client(client_config(), {.max_streams = 3});
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  auto server_ep = server.endpoint(ep->client_id());

  Meta meta;
  meta.add("purpose", "copy");
  auto [a, ast] = ep->open_stream(meta);
  ASSERT_TRUE(ast.ok());
  auto accepted = server_ep->accept_stream(5s);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->id(), a.id());
  EXPECT_EQ(accepted->meta().get("purpose"), "copy");
  EXPECT_EQ(accepted->opened_by(), Side::kClient);
  EXPECT_EQ(accepted->client_id(), ep->client_id());

  const std::string data(1 << 20, 'x');
  auto wrote = asio::async_write(a, asio::buffer(data), asio::use_future);
  std::string got(data.size(), '\0');
  auto read = asio::async_read(*accepted, asio::buffer(got), asio::use_future);
  EXPECT_EQ(wrote.get(), data.size());
  EXPECT_EQ(read.get(), data.size());
  EXPECT_EQ(got, data);

  // Close: the other side reads eof; reset: operations fail with connection_reset.
  a.close();
  char byte = 0;
  EXPECT_EQ(read_outcome(*accepted, asio::buffer(&byte, 1)).get(), asio::error::eof);
  auto [b, bst] = ep->open_stream();
  ASSERT_TRUE(bst.ok());
  auto b_server = server_ep->accept_stream(5s);
  ASSERT_TRUE(b_server);
  auto pending = read_outcome(b, asio::buffer(&byte, 1));
  b_server->reset("no thanks");
  EXPECT_EQ(pending.get(), asio::error::connection_reset);

  // The limit: 3 open streams per connection.
  std::vector<Stream> open;
  Status limit;
  for (int i = 0; i < 5 && limit.ok(); ++i) {
    auto [s, sst] = ep->open_stream();
    if (sst.ok()) open.push_back(s);
    limit = sst;
  }
  EXPECT_EQ(limit.msg(), "too many streams");
  EXPECT_LE(ep->list_streams().size(), 4u);  // the default stream and at most 3
}

TEST(Geminio, AThousandStreamsWithIndependentFlowControl) {
  Server server({.listen_address = "127.0.0.1:0"}, {.max_streams = 2000, .window = 64 * 1024});
  ASSERT_TRUE(server.listen().ok());
  Client client(client_config(), {.max_streams = 2000, .window = 64 * 1024});
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  auto server_ep = server.endpoint(ep->client_id());

  constexpr int kStreams = 1000;
  constexpr std::size_t kBytes = 100 * 1024;  // more than a window: credit must flow back
  std::vector<Stream> mine;
  for (int i = 0; i < kStreams; ++i) {
    auto [s, sst] = ep->open_stream();
    ASSERT_TRUE(sst.ok()) << i;
    mine.push_back(s);
  }
  const std::string payload(kBytes, 'p');
  std::atomic<int> written{0};
  for (auto& s : mine) {
    asio::async_write(s, asio::buffer(payload),
                      [&, s](boost::system::error_code ec, std::size_t n) mutable {
                        if (!ec && n == kBytes) ++written;
                        s.close();
                      });
  }
  std::atomic<int> complete{0};
  std::deque<Stream> theirs;  // composed operations refer to their stream: keep each in place
  std::deque<std::string> buffers;
  for (int i = 0; i < kStreams; ++i) {
    auto s = server_ep->accept_stream(10s);
    ASSERT_TRUE(s) << i;
    theirs.push_back(*s);
    std::string& buf = buffers.emplace_back();
    asio::async_read(theirs.back(), asio::dynamic_buffer(buf),
                     [&complete, &buf](boost::system::error_code ec, std::size_t) {
                       if (ec == asio::error::eof && buf.size() == kBytes) ++complete;
                     });
  }
  EXPECT_TRUE(test::eventually([&] { return complete == kStreams; }, 60s)) << complete;
  EXPECT_EQ(written.load(), kStreams);
}

TEST(Geminio, AStalledStreamDoesNotSlowTheOthers) {
  Server server({.listen_address = "127.0.0.1:0"}, {.window = 64 * 1024});
  ASSERT_TRUE(server.listen().ok());
  Client client(client_config(), {.window = 64 * 1024});
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  auto server_ep = server.endpoint(ep->client_id());
  auto stalled = ep->open_stream().value;
  auto stalled_server = server_ep->accept_stream(5s);  // never read
  auto busy = ep->open_stream().value;
  auto busy_server = server_ep->accept_stream(5s);
  ASSERT_TRUE(stalled_server && busy_server);

  const std::string big(1 << 20, 's');
  std::promise<boost::system::error_code> stalled_done;
  auto stalled_write = stalled_done.get_future();
  asio::async_write(stalled, asio::buffer(big),
                    [&](boost::system::error_code ec, std::size_t) { stalled_done.set_value(ec); });
  const std::string data(8 << 20, 'b');
  auto busy_write = asio::async_write(busy, asio::buffer(data), asio::use_future);
  std::string got(data.size(), '\0');
  auto busy_read = asio::async_read(*busy_server, asio::buffer(got), asio::use_future);
  ASSERT_EQ(busy_read.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(busy_read.get(), data.size());
  EXPECT_EQ(busy_write.get(), data.size());
  // The stalled writer is held at its window: it has not finished, and the connection is fine.
  EXPECT_EQ(stalled_write.wait_for(100ms), std::future_status::timeout);
  int sum = 0;
  (void)server.peer().route_call_func("/one", [](Ctx&, const int& x) -> Result<int> { return x; });
  EXPECT_TRUE(ep->call<int>("/one", 1).into(sum).ok());
  stalled.reset("giving up");
  EXPECT_EQ(stalled_write.get(), asio::error::connection_reset);
}

TEST(Geminio, BeastHttpOverAStream) {
  Server server({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server.listen().ok());
  Client client(client_config());
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  auto server_ep = server.endpoint(ep->client_id());
  auto stream = ep->open_stream().value;

  std::thread http_server([&] {
    auto s = server_ep->accept_stream(5s);
    ASSERT_TRUE(s);
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::async_read(*s, buffer, req, asio::use_future).get();
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.body() = "you asked for " + std::string(req.target()) + " with " + req.body();
    res.prepare_payload();
    http::async_write(*s, res, asio::use_future).get();
  });
  namespace http = boost::beast::http;
  http::request<http::string_body> req{http::verb::post, "/math/add", 11};
  req.set(http::field::host, "geminio");
  req.body() = "[1,2,3]";
  req.prepare_payload();
  http::async_write(stream, req, asio::use_future).get();
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::async_read(stream, buffer, res, asio::use_future).get();
  http_server.join();
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "you asked for /math/add with [1,2,3]");
}

TEST(Geminio, AfterADroppedConnectionMethodsAreRoutedAndDeadStreamsReportClosed) {
  Server server({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server.listen().ok());
  Client client(client_config());
  (void)client.peer().route_call_func("/client/ping",
                                      [](Ctx&, const int& x) -> Result<int> { return x + 1; });
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  auto server_ep = server.endpoint(ep->client_id());
  auto stream = ep->open_stream().value;
  ASSERT_TRUE(server_ep->accept_stream(5s));
  char byte = 0;
  auto pending = read_outcome(stream, asio::buffer(&byte, 1));

  server_ep->session()->close();  // the connection drops; the client reconnects on its own
  EXPECT_EQ(pending.get(), asio::error::connection_reset);  // a dead stream reports closed
  EXPECT_FALSE(stream.is_open());
  // The same endpoint on both ends, and the server routes calls to the client again (Geminio#117).
  int pong = 0;
  ASSERT_TRUE(
      test::eventually([&] { return server_ep->call<int>("/client/ping", 1).into(pong).ok(); }));
  EXPECT_EQ(pong, 2);
  EXPECT_EQ(server.endpoints().size(), 1u);
  EXPECT_TRUE(ep->publish({.payload = "still here", .timeout = 100ms}).code() ==
              code::kHandleTimeout);
}

TEST(Geminio, AtLeastOnceMessagesSurviveTwoServerRestarts) {
  std::map<std::uint64_t, int> deliveries;
  survive_restarts({.delivery = Delivery::kAtLeastOnce, .count = 100000, .client = client_config()},
                   deliveries);
}

TEST(Geminio, EffectivelyOnceDeliversEachMessageOnceAcrossRestarts) {
  std::map<std::uint64_t, int> deliveries;
  auto dedup = std::make_shared<DedupStore>();  // what a persistent store keeps across restarts
  survive_restarts({.delivery = Delivery::kEffectivelyOnce,
                    .count = 100000,
                    .dedup = dedup,
                    .client = client_config()},
                   deliveries);
  int repeated = 0;
  for (const auto& [id, n] : deliveries) repeated += n > 1;
  EXPECT_EQ(repeated, 0);
}

TEST(Geminio, ClosingAnEndpointWithAHundredActiveStreamsReleasesEverything) {
  auto server = std::make_unique<Server>(PeerConfig{.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server->listen().ok());
  auto client = std::make_unique<Client>(client_config());
  auto [ep, st] = client->connect(addr_of(*server));
  ASSERT_TRUE(st.ok());
  std::vector<std::future<boost::system::error_code>> reads;
  std::deque<Stream> streams;
  std::vector<std::array<char, 16>> bufs(100);
  for (int i = 0; i < 100; ++i) {
    streams.push_back(ep->open_stream().value);
    reads.push_back(read_outcome(streams.back(), asio::buffer(bufs[i])));
  }
  ep->close();
  for (auto& r : reads) {
    ASSERT_EQ(r.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(r.get(), asio::error::connection_reset);
  }
  client.reset();
  server.reset();  // LeakSanitizer (the asan run) checks nothing is left behind
}

TEST(Geminio, UserPluginsNeverSeeGeminiosOwnFrames) {
  // An overloader allowing 5 user calls or pushes a second: stream bytes, credits, messages and
  // acks are Geminio's, not the application's, and must all get through.
  auto limit = [] {
    return plugin::OverloadLimits{.qps_interval = std::chrono::milliseconds(1000),
                                  .max_total_qps = 5};
  };
  Server server({.listen_address = "127.0.0.1:0"}, {.on_message = [](Inbound in) { in.done(); }},
                {std::make_shared<plugin::Overloader>(limit())});
  ASSERT_TRUE(server.listen().ok());
  Client client(client_config(), {}, {}, {std::make_shared<plugin::Overloader>(limit())});
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  auto server_ep = server.endpoint(ep->client_id());
  auto [a, ast] = ep->open_stream();
  ASSERT_TRUE(ast.ok());
  auto accepted = server_ep->accept_stream(5s);
  ASSERT_TRUE(accepted);
  const std::string data(4 << 20, 'x');  // 64 chunks and their credits: far above 5 a second
  auto wrote = asio::async_write(a, asio::buffer(data), asio::use_future);
  std::string got(data.size(), '\0');
  auto read = asio::async_read(*accepted, asio::buffer(got), asio::use_future);
  ASSERT_EQ(read.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(wrote.get(), data.size());
  EXPECT_EQ(read.get(), data.size());
  EXPECT_EQ(got, data);
  for (int i = 0; i < 20; ++i) {
    const Status pub = ep->default_stream().publish({.payload = "m", .timeout = 5s});
    EXPECT_TRUE(pub.ok()) << i << " " << pub.to_string();
  }
}

TEST(Geminio, AServerForgetsClientsThatDoNotComeBack) {
  Server server({.listen_address = "127.0.0.1:0"}, {.resume_timeout = 300ms});
  ASSERT_TRUE(server.listen().ok());
  for (int i = 0; i < 5; ++i) {
    Client once(client_config());
    ASSERT_TRUE(once.connect(addr_of(server)).status.ok());
  }  // each client closed: gone for good
  Client staying(client_config());
  auto [ep, st] = staying.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(server.endpoints().size(), 6u);  // within the resume timeout they are kept
  ASSERT_TRUE(test::eventually([&] { return server.endpoints().size() == 1; }, 5s))
      << server.endpoints().size();
  EXPECT_EQ(server.endpoints().front()->client_id(), ep->client_id());
}

TEST(Geminio, MessagesAtOnceOnConnectSeeTheClientsId) {
  // The server publishes the moment the client is known: the client's I/O thread handles the
  // message while connect() is still storing the id it was given (TSan checks the handoff).
  Server server({.listen_address = "127.0.0.1:0"});
  server.on_endpoint([](std::shared_ptr<Endpoint> ep) {
    for (int i = 0; i < 50; ++i) {
      ep->default_stream().async_publish(
          {.payload = std::to_string(i), .delivery = Delivery::kEffectivelyOnce}, [](Status) {});
    }
  });
  ASSERT_TRUE(server.listen().ok());
  std::atomic<int> received{0};
  Client client(client_config(), {.on_message = [&](Inbound in) {
                  ++received;
                  in.done();
                }});
  auto [ep, st] = client.connect(addr_of(server));
  ASSERT_TRUE(st.ok());
  EXPECT_NE(ep->client_id(), 0u);
  EXPECT_TRUE(test::eventually([&] { return received == 50; }));
}

}  // namespace
}  // namespace tp::geminio::teleport
