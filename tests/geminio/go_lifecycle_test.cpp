// How Go-wire connections end and what they count, over real sockets: a client that misses two
// heartbeat periods is closed by the server while one that beats stays; a close whose remote
// half never comes gives up after 3 s; both ends' metrics count what crossed the wire.
#include <gtest/gtest.h>

#include <poll.h>

#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "geminio/gowire/link.hpp"
#include "geminio/raw_go_client.hpp"
#include "teleport/geminio.hpp"

namespace tp::geminio {
namespace {

namespace asio = boost::asio;
using gotest::encoded;
using gotest::RawClient;
using gowire::Frame;
using gowire::Type;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A hand-driven Go client: its own Link makes the frames, the socket carries them.
struct RawGoClient {
  gowire::Link link{{.server = false, .next_id = [n = std::uint64_t{0}]() mutable { return ++n; }}};
  RawClient socket;

  // Connects and passes the handshake, promising a heartbeat every `heartbeat_s` seconds.
  RawGoClient(const std::string& addr, std::uint32_t heartbeat_s) : socket(addr) {
    socket.write(encoded(link.connect("", 0, heartbeat_s)));
    Frame ack;
    EXPECT_TRUE(socket.next(ack));
    EXPECT_EQ(ack.type, Type::kConnAck);
  }
  // True when the server has closed the connection by `deadline` (frames before are skipped).
  bool closed_before(Clock::time_point deadline) {
    while (Clock::now() < deadline) {
      // Asio's blocking read waits without a timeout: poll first, to look at the clock.
      pollfd p{.fd = socket.socket.native_handle(), .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      std::array<char, 4096> b{};
      boost::system::error_code ec;
      socket.socket.read_some(asio::buffer(b), ec);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
    }
    return false;
  }
};

// Go closes a client that sends no HEARTBEAT for two of its periods; ours does too, and a client
// that keeps beating stays connected meanwhile. The shortest period a client can ask for is 5 s.
TEST(GeminioGoLifecycle, ServerClosesAClientThatMissesTwoHeartbeats) {
  Server server;
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  const auto start = Clock::now();
  RawGoClient silent(server.local_address(), 5);
  RawGoClient beating(server.local_address(), 5);
  std::atomic<bool> stop{false};
  std::thread beats([&] {
    while (!stop) {
      beating.socket.write(encoded(beating.link.heartbeat()));
      for (int i = 0; i < 20 && !stop; ++i) std::this_thread::sleep_for(milliseconds(100));
    }
  });
  EXPECT_EQ(server.metrics().endpoints_connected, 2u);
  EXPECT_FALSE(silent.closed_before(start + seconds(8)));  // still inside two periods
  EXPECT_TRUE(silent.closed_before(start + seconds(16)));
  const auto closed_after = Clock::now() - start;
  EXPECT_GE(closed_after, seconds(9));
  stop = true;
  beats.join();
  // The beating client is still served: its next HEARTBEAT is answered.
  beating.socket.write(encoded(beating.link.heartbeat()));
  Frame f;
  do {
    ASSERT_TRUE(beating.socket.next(f));
  } while (f.type != Type::kHeartbeatAck);
  EXPECT_EQ(server.metrics().endpoints_connected, 1u);
}

// Endpoint::close() sends DISCONN and waits for the remote end's half of the 4-way close; a peer
// that never sends it is closed after 3 s and close() says the remote half did not come.
TEST(GeminioGoLifecycle, CloseGivesUpAfterThreeSecondsWithoutTheRemoteHalf) {
  Server server;
  std::promise<std::shared_ptr<Endpoint>> accepted;
  server.on_endpoint([&](std::shared_ptr<Endpoint> ep) { accepted.set_value(ep); });
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  RawGoClient mute(server.local_address(), 20);
  auto ep = accepted.get_future().get();
  const auto start = Clock::now();
  const Status st = ep->close();
  const auto took = Clock::now() - start;
  EXPECT_FALSE(st.ok());
  EXPECT_GE(took, milliseconds(2900));
  EXPECT_LT(took, seconds(6));
  Frame f;
  ASSERT_TRUE(mute.socket.next(f));
  EXPECT_EQ(f.type, Type::kDisconn);
  EXPECT_TRUE(mute.closed_before(Clock::now() + seconds(2)));
  EXPECT_FALSE(ep->is_open());
}

// Every count of both ends after a scripted exchange: calls served and failed, messages done and
// refused, a stream opened and closed, and the close.
TEST(GeminioGoLifecycle, MetricsCountBothEnds) {
  Server server;
  server.on_endpoint([](std::shared_ptr<Endpoint> ep) {
    ep->default_stream().serve("echo", [](Request r) { r.reply(r.data()); });
    ep->default_stream().on_message([](Message m) {
      if (m.topic() == "reject") return m.error("no");
      m.done();
    });
    ep->on_stream([](Stream) {});
  });
  ASSERT_TRUE(server.listen("127.0.0.1:0").ok());
  Client client({.wait_methods = {"echo"}});
  auto [ep, st] = client.connect(server.local_address());
  ASSERT_TRUE(st.ok()) << st.to_string();
  Stream def = ep->default_stream();
  EXPECT_TRUE(def.call("echo", "a").ok());
  EXPECT_TRUE(def.call("echo", "b").ok());
  EXPECT_EQ(def.call("nope", "c").status.code(), code::kNotFound);
  EXPECT_TRUE(def.publish({.data = "m"}).ok());
  EXPECT_FALSE(def.publish({.topic = "reject", .data = "m"}).ok());
  auto s = ep->open_stream("meta");
  ASSERT_TRUE(s.ok());
  Metrics c = client.metrics();
  EXPECT_EQ(c.endpoints_connected, 1u);
  EXPECT_EQ(c.connections, 1u);
  EXPECT_EQ(c.calls_sent, 3u);
  EXPECT_EQ(c.calls_failed, 1u);
  EXPECT_EQ(c.messages_published, 2u);
  EXPECT_EQ(c.acks_received, 2u);
  EXPECT_EQ(c.acks_received_error, 1u);
  EXPECT_EQ(c.streams_opened, 1u);
  EXPECT_EQ(c.streams_open, 1u);
  s.value.close();
  // The server's counts settle when its answers are sent; the stream's close takes a round trip.
  for (int i = 0; i < 100 && (server.metrics().streams_open != 0 || client.metrics().streams_open);
       ++i)
    std::this_thread::sleep_for(milliseconds(20));
  Metrics m = server.metrics();
  EXPECT_EQ(m.endpoints_connected, 1u);
  EXPECT_EQ(m.requests_received, 3u);
  EXPECT_EQ(m.requests_failed, 1u);  // "no such rpc: nope"
  EXPECT_EQ(m.messages_received, 2u);
  EXPECT_EQ(m.acks_sent, 2u);
  EXPECT_EQ(m.acks_sent_error, 1u);
  EXPECT_EQ(m.streams_opened, 1u);
  EXPECT_EQ(m.streams_open, 0u);
  EXPECT_EQ(client.metrics().streams_open, 0u);
  std::vector<MetricSample> samples;
  server.metric_samples(samples);
  auto value = [&](const std::string& name, const std::string& label, const std::string& v) {
    for (const auto& x : samples) {
      if (x.name != name) continue;
      for (const auto& [k, lv] : x.labels)
        if (k == label && lv == v) return x.value;
    }
    return -1.0;
  };
  EXPECT_EQ(value("teleport_geminio_go_endpoints", "side", "server"), 1.0);
  EXPECT_EQ(value("teleport_geminio_go_messages_total", "direction", "received"), 2.0);
  EXPECT_TRUE(ep->close().ok());
  EXPECT_EQ(client.metrics().endpoints_connected, 0u);
  for (int i = 0; i < 100 && server.metrics().endpoints_connected != 0; ++i)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(server.metrics().endpoints_connected, 0u);
  EXPECT_EQ(server.metrics().bad_input_closes, 0u);
}

}  // namespace
}  // namespace tp::geminio
