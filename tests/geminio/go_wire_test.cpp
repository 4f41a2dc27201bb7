// tp::geminio (the Go wire) over real sockets: Go's client bytes get Go's server answers from our
// Server, backpressure holds frames instead of dropping them, and bad frames close only their
// connection.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "geminio/gowire/bodies.hpp"
#include "geminio/gowire/frame.hpp"
#include "geminio/raw_go_client.hpp"
#include "interop/vectors.hpp"
#include "teleport/geminio.hpp"

namespace tp::geminio {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using gotest::encoded;
using gotest::RawClient;
using gowire::DecodeOutcome;
using gowire::Frame;
using gowire::Type;
using std::chrono::milliseconds;

// The capture's Go server: echo and add on the default stream; messages acked, "reject" refused.
void serve_like_the_capture(Server& server) {
  server.on_endpoint([](std::shared_ptr<Endpoint> ep) {
    auto s = ep->default_stream();
    s.serve("echo", [](Request r) { r.reply(r.data()); });
    s.serve("add", [](Request r) {
      boost::system::error_code ec;
      const auto v = boost::json::parse(r.data(), ec);
      if (ec) return r.fail("add: want a JSON list of ints");
      std::int64_t sum = 0;
      for (const auto& x : v.as_array()) sum += x.as_int64();
      r.reply(std::to_string(sum));
    });
    s.on_message([](Message m) {
      if (m.topic() == "reject") return m.error("rejected by server");
      m.done();
    });
  });
}

TEST(GeminioGo, GoClientBytesGetGoServerAnswers) {
  Server server;
  serve_like_the_capture(server);
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  const auto captured = test::load_geminio_capture("geminio-capture.txt");
  std::map<std::pair<Type, std::uint64_t>, std::string> go_answers;
  std::vector<std::string> go_client;
  for (const auto& c : captured) {
    if (c.bytes.size() != c.total) continue;
    Frame f;
    ASSERT_EQ(gowire::decode_frame(c.bytes, 64 << 20, f).kind, DecodeOutcome::Kind::kFrame);
    if (c.direction == "S->C")
      go_answers[{f.type, f.packet_id}] = c.bytes;
    else
      go_client.push_back(c.bytes);
  }
  RawClient client(server.local_address());
  std::size_t compared = 0;
  for (const auto& bytes : go_client) {
    Frame sent;
    ASSERT_EQ(gowire::decode_frame(bytes, 64 << 20, sent).kind, DecodeOutcome::Kind::kFrame);
    gowire::MessageData body;
    if (sent.type == Type::kMessage || sent.type == Type::kRequest) {
      ASSERT_TRUE(gowire::from_json(sent.body, body).ok());
    }
    const bool default_stream = sent.session_id == gowire::kDefaultStream;
    const Type answer_type = sent.type == Type::kConn        ? Type::kConnAck
                             : sent.type == Type::kHeartbeat ? Type::kHeartbeatAck
                             : sent.type == Type::kRequest   ? Type::kResponse
                             : sent.type == Type::kMessage   ? Type::kMessageAck
                                                             : Type::kConn;
    // Frames whose answer needs the server to act first, or streams it chose IDs for, are left
    // to the check program (teleport geminio check) that speaks both sides.
    if (answer_type == Type::kConn ||
        (sent.type != Type::kConn && sent.type != Type::kHeartbeat && !default_stream) ||
        body.topic == "callback" || body.topic == "open-stream" || body.key == "client.echo")
      continue;
    client.write(bytes);
    Frame got;
    std::string got_bytes;
    do {
      ASSERT_TRUE(client.next(got, &got_bytes)) << "no answer to " << type_name(sent.type);
    } while (got.type != answer_type || got.packet_id != sent.packet_id);
    const auto go = go_answers.find({answer_type, sent.packet_id});
    ASSERT_NE(go, go_answers.end()) << type_name(answer_type);
    if (answer_type == Type::kConnAck) {
      // The ID is the server's choice: everything else is Go's bytes.
      Frame go_ack;
      (void)gowire::decode_frame(go->second, 64 << 20, go_ack);
      go_ack.client_id = got.client_id;
      EXPECT_EQ(test::to_hex(got_bytes), test::to_hex(encoded(go_ack)));
    } else if (body.key == "add" && got.body.find("\"error\"") != std::string::npos) {
      gowire::MessageData answer;
      ASSERT_TRUE(gowire::from_json(got.body, answer).ok());
      EXPECT_EQ(answer.error, "add: want a JSON list of ints");  // Go's text names Go's parser
    } else {
      EXPECT_EQ(test::to_hex(got_bytes), test::to_hex(go->second)) << type_name(answer_type);
    }
    ++compared;
  }
  EXPECT_GE(compared, 8u);
}

TEST(GeminioGo, WantedClientIdIsHonouredWhenFree) {
  Server server;
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  Client a({.client_id = 42}), b({.client_id = 42});
  auto first = a.connect(server.local_address());
  ASSERT_TRUE(first.ok()) << first.status.to_string();
  EXPECT_EQ(first.value->client_id(), 42u);
  auto second = b.connect(server.local_address());
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second.value->client_id(), 42u);  // in use: a new one
}

// The server's handler holds every message unanswered: past max_held_frames it stops reading
// the socket, and once it answers, every one of the client's messages is acknowledged.
TEST(GeminioGo, SlowMessageHandlerPausesReadingAndLosesNothing) {
  Server server({.conn = {.max_held_frames = 100}});
  std::mutex mutex;
  std::vector<Message> held;
  std::size_t seen = 0;
  server.on_endpoint([&](std::shared_ptr<Endpoint> ep) {
    ep->default_stream().on_message([&](Message m) {
      std::lock_guard lock(mutex);
      ++seen;
      held.push_back(std::move(m));
    });
  });
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  constexpr int kMessages = 3000;
  std::atomic<int> acked{0}, failed{0};
  std::promise<void> all;
  Client client;  // after what its callbacks use: it goes first
  auto ep = client.connect(server.local_address());
  ASSERT_TRUE(ep.ok());
  for (int i = 0; i < kMessages; ++i) {
    ep.value->default_stream().async_publish(
        {.topic = "t", .data = std::string(200, 'x'), .timeout = std::chrono::seconds(30)},
        [&](Status st) {
          (st.ok() ? acked : failed)++;
          if (acked + failed == kMessages) all.set_value();
        });
  }
  std::this_thread::sleep_for(milliseconds(800));
  {
    std::lock_guard lock(mutex);
    EXPECT_GE(seen, 100u);
    EXPECT_LT(seen, 1000u) << "the server kept reading past its limit";
  }
  // Answer everything, now and as it comes.
  for (int round = 0; round < 200 && acked + failed < kMessages; ++round) {
    std::vector<Message> batch;
    {
      std::lock_guard lock(mutex);
      batch.swap(held);
    }
    for (auto& m : batch) m.done();
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(acked, kMessages);
  EXPECT_EQ(failed, 0);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, static_cast<std::size_t>(kMessages));
}

// Nobody reads the server's stream: its reading stops at max_held_bytes, so the client's write
// waits on TCP instead of either side buffering without bound; reading releases it.
TEST(GeminioGo, UnreadStreamBytesPauseTheWriter) {
  Server server({.conn = {.max_held_bytes = 1 << 20}});
  std::promise<Stream> server_side;
  server.on_endpoint(
      [&](std::shared_ptr<Endpoint> ep) { server_side.set_value(ep->default_stream()); });
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  Client client;
  auto ep = client.connect(server.local_address());
  ASSERT_TRUE(ep.ok());
  const std::string data(48 << 20, 'b');
  std::promise<boost::system::error_code> written;
  auto s = ep.value->default_stream();
  asio::async_write(s, asio::buffer(data),
                    [&](boost::system::error_code ec, std::size_t) { written.set_value(ec); });
  auto w = written.get_future();
  EXPECT_EQ(w.wait_for(milliseconds(1000)), std::future_status::timeout);
  Stream reader = server_side.get_future().get();
  std::string got(data.size(), '\0');
  std::promise<boost::system::error_code> read;
  asio::async_read(reader, asio::buffer(got),
                   [&](boost::system::error_code ec, std::size_t) { read.set_value(ec); });
  ASSERT_EQ(w.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_FALSE(w.get());
  auto r = read.get_future();
  ASSERT_EQ(r.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_FALSE(r.get());
  EXPECT_TRUE(got == data);
}

// An unknown type, a REQUEST whose JSON is broken, and a header declaring a payload past the
// limit each close their own connection; the server goes on serving others.
TEST(GeminioGo, BadFramesCloseOnlyTheirConnection) {
  Server server({.conn = {.max_payload = 1 << 20}});
  serve_like_the_capture(server);
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  const Frame conn{
      .type = Type::kConn, .packet_id = 1, .flags = gowire::conn_flags_for(20), .body = "{}"};
  std::string unknown = encoded({.type = Type::kHeartbeat, .packet_id = 2});
  unknown[1] = static_cast<char>(0x99);
  const std::string bad_json =
      encoded({.type = Type::kRequest, .packet_id = 3, .session_id = 1, .body = "{\"key\":"});
  std::string oversize = encoded({.type = Type::kStream, .packet_id = 4, .session_id = 1});
  oversize[10] = 0x7f;  // payloadLen's top byte
  for (const std::string& bad : {unknown, bad_json, oversize}) {
    RawClient client(server.local_address());
    client.write(encoded(conn));
    Frame ack;
    ASSERT_TRUE(client.next(ack));
    EXPECT_EQ(ack.type, Type::kConnAck);
    client.write(bad);
    EXPECT_TRUE(client.closed_by_server()) << test::to_hex(bad.substr(0, 14));
  }
  Client good({.wait_methods = {"echo"}});
  auto ep = good.connect(server.local_address());
  ASSERT_TRUE(ep.ok()) << ep.status.to_string();
  auto r = ep.value->default_stream().call("echo", "still here");
  EXPECT_EQ(r.value, "still here");
}

}  // namespace
}  // namespace tp::geminio

namespace tp::geminio {
namespace {

// Bytes that arrive before anyone reads wait for the reader; the reader gets them whole.
TEST(GeminioGo, StreamBytesWaitForTheirReader) {
  Server server;
  std::promise<Stream> at_server;
  server.on_endpoint([&](std::shared_ptr<Endpoint> ep) {
    ep->on_stream([&](Stream s) { at_server.set_value(s); });
  });
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  Client client;
  auto ep = client.connect(server.local_address());
  ASSERT_TRUE(ep.ok());
  auto opened = ep.value->open_stream("m");
  ASSERT_TRUE(opened.ok());
  const std::string hello = "hello, b!\n!";
  asio::async_write(opened.value, asio::buffer(hello), asio::use_future).get();
  Stream s = at_server.get_future().get();
  EXPECT_EQ(s.meta(), "m");
  std::this_thread::sleep_for(milliseconds(100));
  std::array<char, 16384> buf{};
  const std::size_t n = s.async_read_some(asio::buffer(buf), asio::use_future).get();
  EXPECT_EQ(std::string(buf.data(), n), hello);
}

}  // namespace
}  // namespace tp::geminio

namespace tp::geminio {
namespace {

// A client that loses its connection dials again, asks for the same client ID, runs on_connect
// again and sends the messages left unacknowledged on the new connection: every publish ends OK.
TEST(GeminioGo, ClientReconnectsAndResendsUnacknowledgedMessages) {
  std::mutex mutex;
  std::vector<Message> held;  // the first server's, never acknowledged
  auto first = std::make_unique<Server>();
  first->on_endpoint([&](std::shared_ptr<Endpoint> ep) {
    ep->default_stream().on_message([&](Message m) {
      std::lock_guard lock(mutex);
      held.push_back(std::move(m));
    });
  });
  ASSERT_TRUE(first->listen("127.0.0.1:0").ok());
  const std::string addr = first->local_address();

  std::atomic<int> connects{0};
  std::vector<std::promise<Status>> published(3);
  Client client({.client_id = 77, .on_connect = [&](Endpoint&) { ++connects; }});
  auto ep = client.connect(addr);
  ASSERT_TRUE(ep.ok()) << ep.status.to_string();
  for (int i = 0; i < 3; ++i) {
    ep.value->default_stream().async_publish(
        {.topic = "t", .data = "m" + std::to_string(i), .timeout = std::chrono::seconds(20)},
        [&published, i](Status st) { published[i].set_value(std::move(st)); });
  }
  for (int i = 0; i < 250; ++i) {
    std::this_thread::sleep_for(milliseconds(20));
    std::lock_guard lock(mutex);
    if (held.size() == 3) break;
  }
  ASSERT_EQ(held.size(), 3u);

  std::mutex seen_mutex;
  std::vector<std::string> seen;
  std::uint64_t seen_id = 0;
  first->close();  // the connection ends with the messages unacknowledged
  Server second;
  second.on_endpoint([&](std::shared_ptr<Endpoint> e) {
    const std::uint64_t id = e->client_id();
    e->default_stream().on_message([&, id](Message m) {
      std::lock_guard lock(seen_mutex);
      seen.push_back(m.data());
      seen_id = id;
      m.done();
    });
  });
  ASSERT_TRUE(second.listen(addr).ok());
  for (auto& p : published) {
    auto f = p.get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(15)), std::future_status::ready);
    EXPECT_TRUE(f.get().ok());
  }
  std::lock_guard lock(seen_mutex);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"m0", "m1", "m2"}));
  EXPECT_EQ(seen_id, 77u);
  EXPECT_EQ(connects, 2);
  EXPECT_TRUE(ep.value->is_open());
  const Metrics m = client.metrics();
  EXPECT_EQ(m.connections, 2u);
  EXPECT_EQ(m.reconnects, 1u);
  EXPECT_EQ(m.resent, 3u);
  EXPECT_EQ(m.messages_published, 6u);  // each message twice: once per connection
  EXPECT_EQ(m.acks_received, 3u);
  held.clear();
}

}  // namespace
}  // namespace tp::geminio
