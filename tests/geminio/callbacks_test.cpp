// Geminio without a waiting thread per endpoint: streams handed to on_stream, the endpoint-gone
// callback, and publish and stream calls completed through Asio completion tokens.
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <future>

#include "support/eventually.hpp"
#include "teleport/geminio_teleport.hpp"

namespace tp::geminio::teleport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string addr_of(Server& s) { return "127.0.0.1:" + std::to_string(s.peer().listen_port()); }

TEST(GeminioCallbacks, StreamsArriveThroughOnStream) {
  Server server({.listen_address = "127.0.0.1:0"});
  std::promise<std::string> first_bytes;
  server.on_endpoint([&](std::shared_ptr<Endpoint> ep) {
    ep->on_stream([&](Stream s) {
      auto buf = std::make_shared<std::array<char, 5>>();
      asio::async_read(
          s, asio::buffer(*buf), [&, s, buf](boost::system::error_code ec, std::size_t n) {
            first_bytes.set_value(ec ? ec.message() + " / " + s.meta().encode()
                                     : std::string(buf->data(), n) + " / " +
                                           std::string(s.meta().get("name").value_or("")));
          });
    });
  });
  ASSERT_TRUE(server.listen().ok());
  Client client;
  auto ep = client.connect(addr_of(server));
  ASSERT_TRUE(ep.ok()) << ep.status.to_string();
  Meta meta;
  meta.add("name", "upload");
  auto stream = ep.value->open_stream(meta);
  ASSERT_TRUE(stream.ok()) << stream.status.to_string();
  auto wrote =
      asio::async_write(stream.value, asio::buffer(std::string_view("hello")), asio::use_future);
  ASSERT_EQ(wrote.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(wrote.get(), 5u);
  auto got = first_bytes.get_future();
  ASSERT_EQ(got.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(got.get(), "hello / upload");
}

TEST(GeminioCallbacks, OnGoneRunsWhenTheClientDoesNotComeBack) {
  Server server({.listen_address = "127.0.0.1:0"}, MuxOptions{.resume_timeout = 200ms});
  std::promise<Status> gone;
  server.on_endpoint([&](std::shared_ptr<Endpoint> ep) {
    ep->on_gone([&](const Status& why) { gone.set_value(why); });
  });
  ASSERT_TRUE(server.listen().ok());
  {
    Client client;
    ASSERT_TRUE(client.connect(addr_of(server)).ok());
  }  // the client goes away for good
  auto why = gone.get_future();
  ASSERT_EQ(why.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(why.get().code(), code::kConnClosed);
}

TEST(GeminioCallbacks, PublishAndStreamCallsTakeCompletionTokens) {
  Server server({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server.peer()
                  .route_call_func("/twice",
                                   [](Ctx& ctx, const int& x) -> Result<int> {
                                     auto s = stream_of(ctx);
                                     return s && s->id() != 0 ? 2 * x : -1;
                                   })
                  .ok());
  server.on_endpoint([](std::shared_ptr<Endpoint> ep) {
    ep->default_stream().on_message([](Inbound in) {
      if (in.payload() == "bad") {
        in.error("refused");
      } else {
        in.done();
      }
    });
  });
  ASSERT_TRUE(server.listen().ok());
  Client client;
  auto ep = client.connect(addr_of(server));
  ASSERT_TRUE(ep.ok()) << ep.status.to_string();

  auto acked = ep.value->default_stream().async_publish({.payload = "good"}, asio::use_future);
  ASSERT_EQ(acked.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(acked.get().ok());
  std::promise<Status> refused;
  ep.value->default_stream().async_publish({.payload = "bad"},
                                           [&](Status st) { refused.set_value(st); });
  const Status no = refused.get_future().get();
  EXPECT_FALSE(no.ok());
  EXPECT_NE(no.to_string().find("refused"), std::string::npos) << no.to_string();

  auto stream = ep.value->open_stream();
  ASSERT_TRUE(stream.ok());
  auto reply = stream.value.async_call<int>("/twice", 21, {}, asio::use_future);
  ASSERT_EQ(reply.wait_for(10s), std::future_status::ready);
  auto [st, v] = reply.get();
  EXPECT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(v, 42);
}

}  // namespace
}  // namespace tp::geminio::teleport
