// Seeing inside a running peer: a server with the admin endpoint (GET /metrics, /debug and
// /debug/*.json), a metric of the application's own, slow calls noted, and calls traced across
// a hop (client → gateway → server) with the logging span exporter. Prints where the pages are
// and what the peer's own read API says, then waits SECONDS (default 0) so you can open them.
// Usage: example_observability [SECONDS]
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "teleport/metrics.hpp"
#include "teleport/peer.hpp"
#include "teleport/trace.hpp"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  auto spans = tp::trace::log_exporter();  // one info line per span, to tp::default_logger()

  // The server: its admin endpoint on a free loopback port; calls slower than 5 ms are noted.
  tp::Peer server(
      {.listen_address = "127.0.0.1:0", .slow_call_threshold = 5ms, .admin_address = "127.0.0.1:0"},
      {tp::trace::plugin(spans)});
  std::atomic<int> orders{0};
  (void)server.route_call_func("/shop/order", [&](tp::Ctx&, const int& ms) -> tp::Result<int> {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));  // some work, sometimes slow
    return ++orders;
  });
  // A number of the application's own, on /metrics next to teleport_*.
  server.add_metrics_source([&](std::vector<tp::MetricSample>& out) {
    out.push_back({.name = "shop_orders_total", .help = "Orders taken.", .value = 1.0 * orders});
  });
  if (!server.listen().ok()) return 1;

  // A gateway in between: its handler calls the server on, and the trace follows by itself.
  tp::Peer gateway({.listen_address = "127.0.0.1:0"}, {tp::trace::plugin(spans)});
  auto upstream = gateway.dial("127.0.0.1:" + std::to_string(server.listen_port())).value;
  if (!upstream) return 1;
  (void)gateway.route_call_func(
      "/order",
      [&](tp::Ctx&, const int& ms) -> tp::Result<int> {
        return upstream->call<int>("/shop/order", ms);
      },
      {.blocking = true});  // it waits for the server: on a worker, not an I/O thread
  if (!gateway.listen().ok()) return 1;

  tp::Peer client({}, {tp::trace::plugin(spans)});
  auto session = client.dial("127.0.0.1:" + std::to_string(gateway.listen_port())).value;
  if (!session) return 1;
  for (int ms : {0, 1, 8, 0, 12}) {
    if (!session->call<int>("/order", ms).ok()) return 1;
  }

  const std::string admin = "http://127.0.0.1:" + std::to_string(server.admin_port());
  std::cout << "metrics:    " << admin << "/metrics\n"
            << "debug page: " << admin << "/debug\n";
  const tp::PeerMetrics m = server.metrics();
  for (const auto& r : m.routes) {
    std::cout << r.route << " (" << r.side << "): " << r.calls << " calls, p99 "
              << r.latency.p99 * 1e3 << " ms\n";
  }
  std::cout << "open sessions: " << server.sessions().size()
            << ", slow calls noted: " << server.slow_calls().size() << "\n";
  if (argc > 1) std::this_thread::sleep_for(std::chrono::seconds(std::stoi(argv[1])));
  return server.slow_calls().size() >= 2 && orders == 5 ? 0 : 1;  // the 8 and 12 ms ones
}
