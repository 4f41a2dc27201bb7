// The Geminio layer against the plain peer it is built on, side by side in one run on loopback:
// calls/s of plain sessions, acknowledged messages/s (a publish is a push and an ack back), and
// stream throughput on one stream and on 16 at once (each under its own flow control); then the
// same four figures over Go geminio's wire (tp::geminio), and the ratio of the two.
//
//   geminio_bench [--ops N] [--inflight N] [--megabytes N]
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <string>

#include "teleport/geminio.hpp"
#include "teleport/geminio_teleport.hpp"

namespace {

namespace gm = tp::geminio::teleport;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::stol(argv[i + 1]);
  }
  return fallback;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `ops` operations with at most `inflight` outstanding; `start(done)` begins one.
double per_second(long ops, long inflight,
                  const std::function<void(std::function<void()>)>& start) {
  std::atomic<long> started{0};
  std::atomic<long> finished{0};
  std::promise<void> all;
  std::function<void()> next = [&] {
    if (started.fetch_add(1) >= ops) return;
    start([&] {
      // The last one starts nothing: once `all` is set, this frame (and `next`) may be gone.
      if (finished.fetch_add(1) + 1 == ops) return all.set_value();
      next();
    });
  };
  const auto t0 = Clock::now();
  for (long i = 0; i < inflight; ++i) next();
  all.get_future().wait();
  return static_cast<double>(ops) / seconds_since(t0);
}

// Copies `bytes` from each of `mine` into the matching one of `theirs`, all at once; returns
// MiB/s in total.
template <class Stream>
double copy_mib_per_s(std::deque<Stream>& mine, std::deque<Stream>& theirs, std::size_t bytes) {
  const int streams = static_cast<int>(mine.size());
  const std::string chunk(bytes, 'g');
  std::deque<std::string> sinks(streams, std::string(bytes, '\0'));
  std::atomic<int> left{streams};
  std::promise<void> all;
  const auto t0 = Clock::now();
  for (int i = 0; i < streams; ++i) {
    asio::async_write(mine[i], asio::buffer(chunk), [](boost::system::error_code, std::size_t) {});
    asio::async_read(theirs[i], asio::buffer(sinks[i]),
                     [&](boost::system::error_code, std::size_t) {
                       if (--left == 0) all.set_value();
                     });
  }
  all.get_future().wait();
  const double mib = static_cast<double>(bytes) * streams / (1024.0 * 1024.0);
  for (auto& s : mine) s.close();
  return mib / seconds_since(t0);
}

// Copies `bytes` through each of `streams` new streams at once; returns MiB/s in total.
double stream_mib_per_s(gm::Endpoint& ep, gm::Endpoint& server_ep, int streams, std::size_t bytes) {
  std::deque<gm::Stream> mine;
  std::deque<gm::Stream> theirs;
  for (int i = 0; i < streams; ++i) {
    mine.push_back(ep.open_stream().value);
    theirs.push_back(*server_ep.accept_stream(std::chrono::seconds(5)));
  }
  return copy_mib_per_s(mine, theirs, bytes);
}

// The same over Go geminio's wire; `accepted` gives the server's side of each stream.
double go_stream_mib_per_s(tp::geminio::Endpoint& ep,
                           const std::function<tp::geminio::Stream()>& accepted, int streams,
                           std::size_t bytes) {
  std::deque<tp::geminio::Stream> mine;
  std::deque<tp::geminio::Stream> theirs;
  for (int i = 0; i < streams; ++i) {
    mine.push_back(ep.open_stream().value);
    theirs.push_back(accepted());
  }
  return copy_mib_per_s(mine, theirs, bytes);
}

struct Figures {
  double calls = 0, messages = 0, one_stream = 0, sixteen = 0;
};

// The four figures over Go geminio's wire.
Figures go_wire(long ops, long inflight, std::size_t megabytes, const std::string& payload) {
  namespace gg = tp::geminio;
  gg::Server server;
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<gg::Stream> opened;
  server.on_endpoint([&](std::shared_ptr<gg::Endpoint> ep) {
    ep->default_stream().serve("echo", [](gg::Request r) { r.reply(r.data()); });
    ep->default_stream().on_message([](gg::Message m) { m.done(); });
    ep->on_stream([&](gg::Stream s) {
      std::lock_guard lock(mutex);
      opened.push_back(std::move(s));
      arrived.notify_all();
    });
  });
  if (!server.listen("127.0.0.1:0").ok()) std::exit(1);
  gg::Client client({.wait_methods = {"echo"}});
  auto [ep, st] = client.connect(server.local_address());
  if (!st.ok()) std::exit(1);
  gg::Stream def = ep->default_stream();
  Figures f;
  f.calls = per_second(ops, inflight, [&](std::function<void()> done) {
    def.async_call("echo", payload, std::chrono::seconds(30),
                   [done = std::move(done)](tp::Result<std::string>) { done(); });
  });
  f.messages = per_second(ops, inflight, [&](std::function<void()> done) {
    def.async_publish({.data = payload}, [done = std::move(done)](tp::Status) { done(); });
  });
  const auto accepted = [&] {
    std::unique_lock lock(mutex);
    arrived.wait(lock, [&] { return !opened.empty(); });
    gg::Stream s = opened.front();
    opened.pop_front();
    return s;
  };
  f.one_stream = go_stream_mib_per_s(*ep, accepted, 1, megabytes << 20);
  f.sixteen = go_stream_mib_per_s(*ep, accepted, 16, (megabytes << 20) / 16);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const long ops = arg(argc, argv, "--ops", 200000);
  const long inflight = arg(argc, argv, "--inflight", 1000);
  const auto megabytes = static_cast<std::size_t>(arg(argc, argv, "--megabytes", 256));

  gm::Server server({.listen_address = "127.0.0.1:0", .io_threads = 1},
                    {.on_message = [](gm::Inbound in) { in.done(); }});
  (void)server.peer().route_call_func(
      "/echo", [](tp::Ctx&, const std::string& s) -> tp::Result<std::string> { return s; });
  if (!server.listen().ok()) return 1;
  gm::Client client({.redial_times = -1, .io_threads = 1});
  auto [ep, st] = client.connect("127.0.0.1:" + std::to_string(server.peer().listen_port()));
  if (!st.ok()) return 1;
  auto server_ep = server.endpoint(ep->client_id());
  auto session = ep->session();
  const std::string payload(64, 'x');

  const double calls = per_second(ops, inflight, [&](std::function<void()> done) {
    session->async_call<std::string, std::string>(
        "/echo", payload, [done = std::move(done)](tp::Status, std::string) { done(); });
  });
  const double messages = per_second(ops, inflight, [&](std::function<void()> done) {
    ep->default_stream().async_publish({.payload = payload},
                                       [done = std::move(done)](tp::Status) { done(); });
  });
  const double one_stream = stream_mib_per_s(*ep, *server_ep, 1, megabytes << 20);
  const double sixteen = stream_mib_per_s(*ep, *server_ep, 16, (megabytes << 20) / 16);

  client.peer().close();
  server.close();
  const Figures go = go_wire(ops, inflight, megabytes, payload);

  std::printf(
      "| what (64-byte bodies, %ld in flight) | Teleport transport | Go geminio wire | Go wire / "
      "Teleport |\n",
      inflight);
  std::printf("|---|---:|---:|---:|\n");
  std::printf("| calls (eRPC session; Go wire REQUEST) | %.0f /s | %.0f /s | %.2f |\n", calls,
              go.calls, go.calls / calls);
  std::printf("| acknowledged messages | %.0f /s | %.0f /s | %.2f |\n", messages, go.messages,
              go.messages / messages);
  std::printf("| one stream, %zu MiB | %.0f MiB/s | %.0f MiB/s | %.2f |\n", megabytes, one_stream,
              go.one_stream, go.one_stream / one_stream);
  std::printf("| 16 streams at once, %zu MiB in all | %.0f MiB/s | %.0f MiB/s | %.2f |\n",
              megabytes, sixteen, go.sixteen, go.sixteen / sixteen);
  std::printf(
      "system=geminio calls_per_s=%.0f messages_per_s=%.0f stream_mib_s=%.0f "
      "streams16_mib_s=%.0f\n",
      calls, messages, one_stream, sixteen);
  std::printf(
      "system=geminio-go calls_per_s=%.0f messages_per_s=%.0f stream_mib_s=%.0f "
      "streams16_mib_s=%.0f\n",
      go.calls, go.messages, go.one_stream, go.sixteen);
  return 0;
}
