// Go geminio's wire over a real socket: a raw TCP client writes the capture's client frames, byte
// for byte, to our WireConn serving as the capture's Go server did; every answer that comes back
// on the socket is Go's server frame byte for byte.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <thread>

#include "geminio/gowire/wire_conn.hpp"
#include "interop/vectors.hpp"
#include "socket/read_budget.hpp"

namespace tp::geminio::gowire {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// What the capture's Go server did with each event.
void act_as_go_server(WireConn& conn, const LinkEvent& e) {
  using Kind = LinkEvent::Kind;
  Link& link = conn.link();
  switch (e.kind) {
    case Kind::kConnected:
    case Kind::kStreamOpened: {
      const std::uint64_t stream = e.kind == Kind::kConnected ? kDefaultStream : e.stream;
      conn.send(link.serve(stream, "echo"));
      conn.send(link.serve(stream, "add"));
      break;
    }
    case Kind::kRequest:
      if (e.method == "echo") {
        conn.send(link.respond(e.stream, e.packet_id, e.method, e.data.value, ""));
      } else {
        boost::system::error_code ec;
        const auto list = boost::json::parse(e.data.value, ec);
        std::int64_t sum = 0;
        if (!ec)
          for (const auto& x : list.as_array()) sum += x.as_int64();
        conn.send(link.respond(e.stream, e.packet_id, e.method, ec ? "" : std::to_string(sum),
                               ec ? "add: want a JSON list of ints: invalid character 'o' in "
                                    "literal null (expecting 'u')"
                                  : ""));
      }
      break;
    case Kind::kMessage:
      if (e.data.topic == "open-stream") conn.send(link.open_stream({}));
      conn.send(
          link.ack(e.stream, e.packet_id, e.data.topic == "reject" ? "rejected by server" : ""));
      break;
    case Kind::kStreamData:
      conn.send(link.data(e.stream, e.bytes));  // echoed
      break;
    default:
      break;
  }
}

TEST(GeminioSocket, GosClientBytesGetGosServerAnswers) {
  const auto captured = test::load_geminio_capture("geminio-capture.txt");
  std::map<std::pair<Type, std::uint64_t>, std::string> go_answers;
  std::deque<std::uint64_t> stream_ids;  // the IDs Go's server chose, in the order it chose them
  std::string client_bytes;
  for (const auto& c : captured) {
    Frame f;
    if (c.bytes.size() != c.total) continue;
    ASSERT_EQ(decode_frame(c.bytes, 1 << 20, f).kind, DecodeOutcome::Kind::kFrame);
    if (c.direction == "C->S") {
      client_bytes += c.bytes;
      continue;
    }
    go_answers[{f.type, f.packet_id}] = c.bytes;
    if (f.type == Type::kSessionAck) stream_ids.push_back(f.session_id);
    if (f.type == Type::kSession) stream_ids.push_back(f.negotiate_id);
  }
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  detail::ReadBudget budget(64 << 20);
  std::uint64_t counter = 1000;
  std::shared_ptr<WireConn> server;
  std::promise<Status> closed;
  acceptor.async_accept([&](boost::system::error_code ec, tcp::socket s) {
    ASSERT_FALSE(ec);
    server = std::make_shared<WireConn>(
        WireConn::Socket(std::move(s)), budget,
        Link::Options{
            .server = true,
            .client_id = [](std::uint64_t,
                            const std::string&) { return std::uint64_t{7714566144339940131ULL}; },
            .next_id = [&] { return ++counter; },
            .next_stream_id =
                [&] {
                  const std::uint64_t id = stream_ids.front();
                  stream_ids.pop_front();
                  return id;
                }},
        WireConn::Limits{.max_payload = 1 << 20}, act_as_go_server,
        [&](WireConn&, const Status& why) { closed.set_value(why); });
    server->start();
  });
  std::thread loop([&] { io.run(); });
  asio::io_context client_io;
  tcp::socket client(client_io);
  client.connect(acceptor.local_endpoint());
  asio::write(client, asio::buffer(client_bytes));  // all of Go's client frames at once
  client.shutdown(tcp::socket::shutdown_send);
  std::string answers;
  boost::system::error_code ec;
  asio::read(client, asio::dynamic_buffer(answers), ec);  // until the server closes
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  auto done = closed.get_future();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  io.stop();
  loop.join();
  std::size_t matched = 0, frames = 0;
  std::string_view rest = answers;
  while (!rest.empty()) {
    Frame f;
    const auto r = decode_frame(rest, 1 << 20, f);
    ASSERT_EQ(r.kind, DecodeOutcome::Kind::kFrame) << r.error.to_string();
    ++frames;
    if (auto go = go_answers.find({f.type, f.packet_id}); go != go_answers.end()) {
      EXPECT_EQ(test::to_hex(rest.substr(0, r.consumed)), test::to_hex(go->second))
          << type_name(f.type);
      ++matched;
    }
    rest.remove_prefix(r.consumed);
  }
  EXPECT_GE(matched, 19u);
  EXPECT_GE(frames, 30u);
}

// A client that never sends CONN is closed after the handshake timeout; one whose header declares
// a payload past the limit is closed at once, before the payload is waited for.
TEST(GeminioSocket, SilentAndOversizeClientsAreClosed) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  detail::ReadBudget budget(64 << 20);
  std::vector<std::shared_ptr<WireConn>> servers;
  std::vector<std::string> why;
  // Accepts connections one after another (the io_context always has work while the test runs).
  std::function<void()> accept_one = [&] {
    acceptor.async_accept([&](boost::system::error_code ec, tcp::socket s) {
      ASSERT_FALSE(ec);
      servers.push_back(std::make_shared<WireConn>(
          WireConn::Socket(std::move(s)), budget,
          Link::Options{.client_id = [](std::uint64_t, const std::string&) { return 1ULL; },
                        .next_id = [] { return 2ULL; }},
          WireConn::Limits{.max_payload = 1024,
                           .handshake_timeout = std::chrono::milliseconds(200)},
          [](WireConn&, const LinkEvent&) {},
          [&](WireConn&, const Status& st) { why.push_back(st.cause()); }));
      servers.back()->start();
      accept_one();
    });
  };
  accept_one();
  std::thread loop([&] { io.run_for(std::chrono::seconds(5)); });
  asio::io_context client_io;
  tcp::socket silent(client_io);
  silent.connect(acceptor.local_endpoint());
  std::string got;
  boost::system::error_code ec;
  const auto started = std::chrono::steady_clock::now();
  asio::read(silent, asio::dynamic_buffer(got), ec);  // closed by the server
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  tcp::socket big(client_io);
  big.connect(acceptor.local_endpoint());
  const std::string header = std::string("\x01\x51", 2) + std::string(8, '\0') + "\x7f\xff\xff\xff";
  asio::write(big, asio::buffer(header));
  asio::read(big, asio::dynamic_buffer(got), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  io.stop();  // the pending accept is abandoned, not completed: no handler sees an error
  loop.join();
  acceptor.close();
  ASSERT_EQ(why.size(), 2u);
  EXPECT_EQ(why[0], "geminio: no CONN in time");
  EXPECT_NE(why[1].find("past the limit"), std::string::npos) << why[1];
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace tp::geminio::gowire
