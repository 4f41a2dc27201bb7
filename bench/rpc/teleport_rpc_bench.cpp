// teleport_rpc_bench: the seeds' rpc-benchmark workload over Teleport for C++.
//   server --listen ADDR [--threads T]
//   client --addr ADDR --mode call|push|idle [--concurrency C] [--seconds S] [--threads T]
//          [--sessions K] [--local-ips N] [--timeout-ms T]
// call: C sessions, each keeping one BenchmarkMessage call in flight; the server unmarshals it,
//       sets two fields, marshals and replies. push: one session, pipelined pushes of a small
//       body. idle: K sessions held open; resident memory per session on both sides.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "benchmark_message.hpp"
#include "latency_stats.hpp"
#include "teleport/peer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using tp::bench::BenchmarkMessage;

volatile std::sig_atomic_t g_stop = 0;
// --no-metrics: both peers count nothing (PeerConfig::metrics = false), to measure their cost.
bool g_metrics = true;
// --ws-path on the server, ws:// addresses on the client: WebSocket with this sub-protocol.
std::string g_ws_sub = "json";
// --timeout-ms on the client: each call's deadline (0: none), to measure what deadlines cost.
std::chrono::milliseconds g_call_timeout{0};

int run_server(const std::string& listen, unsigned threads, const std::string& ws_path) {
  tp::Peer server({.listen_address = listen,
                   .default_body_codec = tp::codec_id::kProtobuf,
                   .metrics = g_metrics,
                   .websocket_path = ws_path,
                   .websocket_sub_proto = g_ws_sub,
                   .io_threads = threads});
  // The request is modified in place and moved into the reply, as rpc-benchmark's Go server
  // does (`args.Field1 = "OK"; args.Field2 = 100; *reply = *args`); gRPC's side swaps likewise.
  tp::Status st = server.route_call_func(
      "/hello/say", [](tp::Ctx&, BenchmarkMessage& in) -> tp::Result<BenchmarkMessage> {
        in.set_field1("OK");
        in.set_field2(100);
        return std::move(in);
      });
  std::atomic<std::uint64_t> pushes{0};
  if (st.ok()) {
    st = server.route_push_func("/bench/push", [&](tp::Ctx&, const std::string&) {
      pushes.fetch_add(1, std::memory_order_relaxed);
    });
  }
  if (st.ok()) {
    st = server.route_call_func(
        "/bench/pushes",
        [&](tp::Ctx&, const int&) -> tp::Result<std::uint64_t> { return pushes.load(); });
  }
  if (st.ok()) {
    st = server.route_call_func("/bench/rss", [](tp::Ctx&, const int&) -> tp::Result<long> {
      return tp::bench::resident_kib();
    });
  }
  if (st.ok()) {
    st = server.route_call_func(
        "/bench/sessions",
        [&](tp::Ctx&, const int&) -> tp::Result<std::size_t> { return server.count_sessions(); });
  }
  if (st.ok()) st = server.listen();
  if (!st.ok()) {
    std::cerr << "server: " << st.to_string() << "\n";
    return 1;
  }
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::cerr << "teleport bench server on " << listen << " (" << threads << " I/O thread(s))\n";
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server.close();
  return 0;
}

// Each session keeps one call in flight until the time is up.
int run_calls(const std::string& addr, int concurrency, double seconds, unsigned threads) {
  tp::Peer client({.default_body_codec = tp::codec_id::kProtobuf,
                   .metrics = g_metrics,
                   .websocket_sub_proto = g_ws_sub,
                   .io_threads = threads});
  std::vector<std::shared_ptr<tp::Session>> sessions;
  for (int i = 0; i < concurrency; ++i) {
    auto [s, st] = client.dial(addr);
    if (!st.ok()) {
      std::cerr << "client: dial " << i << ": " << st.to_string() << "\n";
      return 1;
    }
    sessions.push_back(std::move(s));
  }
  long rss_start = 0;
  (void)sessions[0]
      ->call<long>("/bench/rss", 0, {.body_codec = tp::codec_id::kJson})
      .into(rss_start);
  const BenchmarkMessage request = tp::bench::make_benchmark_message();
  // One stats object per I/O thread (reply callbacks run there), as the gRPC and epoll clients
  // keep one per thread: a sample goes where the thread's last one went, not to one of C
  // vectors (a cold line and a regrowth per session).
  std::mutex stats_mutex;
  std::vector<std::unique_ptr<tp::bench::LatencyStats>> stats;
  auto thread_stats = [&]() -> tp::bench::LatencyStats& {
    thread_local tp::bench::LatencyStats* mine = nullptr;  // run_calls runs once per process
    if (!mine) {
      const std::lock_guard lock(stats_mutex);
      mine = stats.emplace_back(std::make_unique<tp::bench::LatencyStats>()).get();
    }
    return *mine;
  };
  std::atomic<int> running{concurrency};
  std::promise<void> all_done;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // A reply's arrival time is also when the next call goes out: one clock read per call.
  std::function<void(int, Clock::time_point)> issue = [&](int i, Clock::time_point sent) {
    sessions[static_cast<std::size_t>(i)]->async_call<BenchmarkMessage, BenchmarkMessage>(
        "/hello/say", request,
        [&, i, sent](tp::Status st, const BenchmarkMessage& reply) {
          auto& s = thread_stats();
          const auto now = Clock::now();
          if (st.ok() && reply.field1() == "OK")
            s.add(now - sent);
          else
            s.add_error();
          if (now < end) {
            issue(i, now);
          } else if (--running == 0) {
            all_done.set_value();
          }
        },
        {.timeout = g_call_timeout});
  };
  for (int i = 0; i < concurrency; ++i) issue(i, Clock::now());
  all_done.get_future().wait();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  tp::bench::LatencyStats merged;
  std::size_t total = 0;
  const std::lock_guard lock(stats_mutex);
  for (auto& s : stats) total += s->count();
  merged.reserve(total);
  for (auto& s : stats) merged.merge(*s);
  const std::string system = addr.starts_with("ws://") ? "ws-" + g_ws_sub
                             : g_metrics               ? "teleport"
                                                       : "nometrics";
  merged.print(system, concurrency, elapsed);
  long rss_end = 0;
  (void)sessions[0]->call<long>("/bench/rss", 0, {.body_codec = tp::codec_id::kJson}).into(rss_end);
  std::fprintf(stderr, "teleport server resident memory: %ld KiB at start, %ld KiB at end\n",
               rss_start, rss_end);
  return 0;
}

int run_pushes(const std::string& addr, double seconds, unsigned threads) {
  tp::Peer client({.io_threads = threads});
  auto [session, st] = client.dial(addr);
  if (!st.ok()) return 1;
  std::uint64_t before = 0;
  if (!session->call<std::uint64_t>("/bench/pushes", 0).into(before).ok()) return 1;
  const std::string body = "tick";
  constexpr int kBurst = 20000;  // pushes between two sync calls: bounds the queue
  std::uint64_t sent = 0;
  const auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    for (int i = 0; i < kBurst; ++i)
      (void)session->push("/bench/push", body, {.body_codec = tp::codec_id::kPlain});
    sent += kBurst;
    std::uint64_t received = 0;
    if (!session->call<std::uint64_t>("/bench/pushes", 0).into(received).ok())
      return 1;  // ordered after the pushes
  }
  std::uint64_t after = 0;
  if (!session->call<std::uint64_t>("/bench/pushes", 0).into(after).ok()) return 1;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("system=teleport mode=push sent=%llu received=%llu pushes_per_s=%.0f\n",
              static_cast<unsigned long long>(sent),
              static_cast<unsigned long long>(after - before),
              static_cast<double>(after - before) / elapsed);
  return 0;
}

int run_idle(const std::string& addr, int sessions_wanted, int local_ips, unsigned threads) {
  tp::bench::raise_fd_limit();
  const long client_before = tp::bench::resident_kib();
  std::vector<std::unique_ptr<tp::Peer>> peers;
  for (int i = 0; i < std::max(1, local_ips); ++i) {
    peers.push_back(std::make_unique<tp::Peer>(
        tp::PeerConfig{.local_ip = "127.0.0." + std::to_string(2 + i), .io_threads = threads}));
  }
  tp::Peer control({.io_threads = 1});
  auto [ctl, cst] = control.dial(addr);
  if (!cst.ok()) return 1;
  long server_before = 0;
  if (!ctl->call<long>("/bench/rss", 0).into(server_before).ok()) return 1;
  std::vector<std::shared_ptr<tp::Session>> held;
  tp::Status last;
  for (int i = 0; i < sessions_wanted; ++i) {
    auto [s, st] = peers[static_cast<std::size_t>(i) % peers.size()]->dial(addr);
    if (!st.ok()) {
      last = st;
      break;
    }
    held.push_back(std::move(s));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let the server register them all
  std::size_t server_sessions = 0;
  long server_after = 0;
  if (!ctl->call<std::size_t>("/bench/sessions", 0).into(server_sessions).ok() ||
      !ctl->call<long>("/bench/rss", 0).into(server_after).ok())
    return 1;
  const long client_after = tp::bench::resident_kib();
  const double n = static_cast<double>(held.size());
  std::printf(
      "system=teleport mode=idle sessions=%zu server_sessions=%zu server_kib_per_session=%.2f "
      "client_kib_per_session=%.2f%s\n",
      held.size(), server_sessions - 1, static_cast<double>(server_after - server_before) / n,
      static_cast<double>(client_after - client_before) / n,
      last.ok() ? "" : (" stopped_at=\"" + last.to_string() + "\"").c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Teleport for C++ rpc-benchmark workload"};
  app.require_subcommand(1);
  std::string listen = "127.0.0.1:8972";
  unsigned threads = 1;
  auto* server = app.add_subcommand("server", "serve /hello/say");
  server->add_option("--listen", listen);
  server->add_option("--threads", threads, "I/O threads");
  server->add_flag("--metrics,!--no-metrics", g_metrics, "count nothing (PeerConfig::metrics)");
  std::string ws_path;
  server->add_option("--ws-path", ws_path, "also serve WebSocket at this path (\"/ws\")");

  std::string addr = "127.0.0.1:8972";
  std::string mode = "call";
  int concurrency = 100;
  double seconds = 10;
  int sessions = 10000;
  int local_ips = 1;
  auto* client = app.add_subcommand("client", "drive the server and print one result line");
  client->add_option("--addr", addr);
  client->add_option("--mode", mode)->check(CLI::IsMember({"call", "push", "idle"}));
  client->add_option("--concurrency,-c", concurrency);
  client->add_option("--seconds,-s", seconds);
  client->add_option("--threads", threads, "I/O threads");
  client->add_flag("--metrics,!--no-metrics", g_metrics,
                   "call mode: count nothing (PeerConfig::metrics), reported as system=nometrics");
  client->add_option("--sessions", sessions, "idle mode: sessions to open");
  int timeout_ms = 0;
  client->add_option("--timeout-ms", timeout_ms, "call mode: each call's deadline (0: none)");
  for (auto* cmd : {server, client}) {
    cmd->add_option("--ws-sub", g_ws_sub, "WebSocket sub-protocol: json (default) or pb")
        ->check(CLI::IsMember({"json", "pb"}));
  }
  client->add_option("--local-ips", local_ips, "idle mode: spread sessions over 127.0.0.2..N+1");
  CLI11_PARSE(app, argc, argv);
  g_call_timeout = std::chrono::milliseconds(timeout_ms);
  if (server->parsed()) return run_server(listen, threads, ws_path);
  if (mode == "push") return run_pushes(addr, seconds, threads);
  if (mode == "idle") return run_idle(addr, sessions, local_ips, threads);
  return run_calls(addr, concurrency, seconds, threads);
}
