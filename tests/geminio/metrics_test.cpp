// Geminio's counts over loopback: endpoints, streams, messages by delivery level, acks (done and
// error), a re-send after a dropped connection and the duplicate it makes, both in
// Server/Client::metrics() and in the peer's Prometheus text.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "support/eventually.hpp"
#include "teleport/geminio_teleport.hpp"

namespace tp::geminio::teleport {
namespace {

using namespace std::chrono_literals;

TEST(GeminioMetrics, CountEndpointsStreamsMessagesAcksAndResends) {
  std::promise<Inbound> held;  // the first "drop" message, acknowledged only at the end
  std::atomic<bool> dropped{false};
  Server* server_ptr = nullptr;
  Server server({.listen_address = "127.0.0.1:0"}, {.on_message = [&](Inbound in) {
                  if (in.topic() == "reject") return in.error("no");
                  if (in.topic() == "drop" && !dropped.exchange(true)) {
                    held.set_value(std::move(in));
                    // The connection breaks before the ack: the client re-sends.
                    std::thread([server_ptr] {
                      server_ptr->peer().range_sessions([](const auto& s) {
                        s->close();
                        return true;
                      });
                    }).detach();
                    return;
                  }
                  in.done();
                }});
  server_ptr = &server;
  ASSERT_TRUE(server.listen().ok());
  Client client({.redial_times = -1, .redial_interval = 10ms});
  auto [ep, st] = client.connect("127.0.0.1:" + std::to_string(server.peer().listen_port()));
  ASSERT_TRUE(st.ok());

  EXPECT_TRUE(ep->publish({.payload = "a", .delivery = Delivery::kAtMostOnce}).ok());
  EXPECT_TRUE(ep->publish({.payload = "b"}).ok());
  EXPECT_TRUE(ep->publish({.payload = "c", .delivery = Delivery::kEffectivelyOnce}).ok());
  EXPECT_FALSE(ep->publish({.topic = "reject", .payload = "d"}).ok());

  auto drop = std::async(std::launch::async, [&] {
    return ep->publish({.topic = "drop", .payload = "e", .delivery = Delivery::kEffectivelyOnce});
  });
  Inbound first = held.get_future().get();
  // After the reconnect the client re-sends it; the server drops the copy as a duplicate.
  EXPECT_TRUE(test::eventually(
      [&] { return client.metrics().resent >= 1 && server.metrics().duplicates >= 1; }, 10s))
      << "resent " << client.metrics().resent << ", duplicates " << server.metrics().duplicates;
  first.done();  // the ack travels on the new connection
  EXPECT_TRUE(drop.get().ok());

  auto [stream, sst] = ep->open_stream();
  ASSERT_TRUE(sst.ok());
  auto server_ep = server.endpoint(ep->client_id());
  ASSERT_TRUE(server_ep);
  auto accepted = server_ep->accept_stream(5s);
  ASSERT_TRUE(accepted);
  accepted->reset("done with it");

  const GeminioMetrics c = client.metrics();
  EXPECT_EQ(c.endpoints_created, 1u);
  EXPECT_EQ(c.endpoints_connected, 1u);
  EXPECT_EQ(c.published[0], 1u);
  EXPECT_EQ(c.published[1], 2u);
  EXPECT_EQ(c.published[2], 2u);
  EXPECT_EQ(c.rejected, 1u);
  EXPECT_GE(c.acks_received, 5u);
  EXPECT_EQ(c.streams_opened, 1u);
  EXPECT_TRUE(test::eventually([&] { return client.metrics().streams_reset == 1; }, 5s));

  const GeminioMetrics s = server.metrics();
  EXPECT_EQ(s.endpoints_created, 1u);
  EXPECT_EQ(s.received[0], 1u);
  EXPECT_EQ(s.received[1], 2u);
  EXPECT_EQ(s.received[2], 2u);  // "c" and the first "drop"; its copy was a duplicate
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_GE(s.acks_sent, 5u);
  EXPECT_EQ(s.streams_opened, 1u);
  EXPECT_EQ(s.streams_reset, 1u);

  const std::string text = to_prometheus(server.peer().metrics());
  EXPECT_NE(text.find("# TYPE teleport_geminio_messages_received_total counter\n"),
            std::string::npos);
  EXPECT_NE(text.find("teleport_geminio_messages_received_total{side=\"server\",delivery="
                      "\"effectively_once\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("teleport_geminio_duplicates_total{side=\"server\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("teleport_geminio_endpoints{side=\"server\",state=\"connected\"} 1\n"),
            std::string::npos);
}

// A closed client's endpoint is gone; its counts stay in the totals.
TEST(GeminioMetrics, CountsOutliveTheirEndpoints) {
  Server server({.listen_address = "127.0.0.1:0"},
                {.on_message = [](Inbound in) { in.done(); }, .resume_timeout = 50ms});
  ASSERT_TRUE(server.listen().ok());
  for (int i = 0; i < 3; ++i) {
    Client client;
    auto [ep, st] = client.connect("127.0.0.1:" + std::to_string(server.peer().listen_port()));
    ASSERT_TRUE(st.ok());
    EXPECT_TRUE(ep->publish({.payload = "x"}).ok());
  }
  EXPECT_TRUE(test::eventually(
      [&] {
        const auto m = server.metrics();
        (void)server.endpoints();  // forgets clients gone past resume_timeout
        return m.endpoints_connected == 0 && m.endpoints_waiting == 0;
      },
      5s));
  const auto m = server.metrics();
  EXPECT_EQ(m.endpoints_created, 3u);
  EXPECT_EQ(m.received[1], 3u);
  EXPECT_EQ(m.acks_sent, 3u);
}

}  // namespace
}  // namespace tp::geminio::teleport
