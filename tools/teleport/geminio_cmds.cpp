// `teleport geminio serve` and `teleport geminio check`: both roles of Go geminio's wire, for
// users and for interop checks against Go peers (and each other).
#include <atomic>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <csignal>
#include <future>
#include <iostream>
#include <random>
#include <thread>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "teleport/geminio.hpp"
#include "teleport/peer.hpp"

namespace tp::cli {
namespace {

namespace asio = boost::asio;
namespace gg = tp::geminio;
using std::chrono::milliseconds;

volatile std::sig_atomic_t g_stop = 0;

// `add`: a JSON list of ints in, their sum out as JSON.
void serve_add(gg::Request r) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(r.data(), ec);
  if (ec || !v.is_array()) {
    return r.fail("add: want a JSON list of ints: " + (ec ? ec.message() : "not a list"));
  }
  std::int64_t sum = 0;
  for (const auto& x : v.as_array()) {
    if (!x.is_int64()) return r.fail("add: want a JSON list of ints: " + boost::json::serialize(x));
    sum += x.as_int64();
  }
  r.reply(std::to_string(sum));
}

// Writes back every byte read on `s` until it ends.
struct RawEcho : std::enable_shared_from_this<RawEcho> {
  gg::Stream s;
  std::array<char, 64 * 1024> buf{};
  explicit RawEcho(gg::Stream stream) : s(std::move(stream)) {}
  void run() {
    s.async_read_some(asio::buffer(buf), [self = shared_from_this()](auto ec, std::size_t n) {
      if (ec) return;
      asio::async_write(self->s, asio::buffer(self->buf.data(), n), [self](auto wec, std::size_t) {
        if (!wec) self->run();
      });
    });
  }
};

// The server's per-message rules (see `teleport geminio serve --help`).
void on_server_message(const std::shared_ptr<gg::Endpoint>& ep, gg::Message m) {
  if (m.topic() == "reject") return m.error("rejected by server");
  if (m.topic() == "callback") {
    const std::string data = m.data();
    return ep->default_stream().async_call(
        "client.echo", data, milliseconds(10000),
        [m = std::move(m), data](Result<std::string> r) mutable {
          if (r.ok() && r.value == data) return m.done();
          m.error("callback: client.echo answered " +
                  (r.ok() ? "other data" : r.status.to_string()));
        });
  }
  if (m.topic() == "open-stream") {
    return ep->async_open_stream(
        "from-server", "", milliseconds(10000), [m = std::move(m)](Result<gg::Stream> s) mutable {
          if (!s.ok()) return m.error("open-stream: " + s.status.to_string());
          auto data = std::make_shared<std::string>(m.data());
          asio::async_write(s.value, asio::buffer(*data),
                            [data, m = std::move(m)](auto ec, std::size_t) mutable {
                              if (ec) return m.error("open-stream: write: " + ec.message());
                              m.done();
                            });
        });
  }
  m.done();
}

// What the server does on a stream: echo and add, the message rules, raw bytes echoed.
void serve_stream(const std::shared_ptr<gg::Endpoint>& ep, gg::Stream s) {
  s.serve("echo", [](gg::Request r) { r.reply(r.data()); });
  s.serve("add", serve_add);
  std::weak_ptr<gg::Endpoint> weak = ep;
  s.on_message([weak](gg::Message m) {
    if (auto e = weak.lock()) on_server_message(e, std::move(m));
  });
  std::make_shared<RawEcho>(std::move(s))->run();
}

int run_geminio_serve(const std::string& listen, const std::string& admin) {
  gg::Server server;
  server.on_endpoint([](std::shared_ptr<gg::Endpoint> ep) {
    serve_stream(ep, ep->default_stream());
    std::weak_ptr<gg::Endpoint> weak = ep;
    ep->on_stream([weak](gg::Stream s) {
      if (auto e = weak.lock()) serve_stream(e, std::move(s));
    });
  });
  if (Status st = server.listen(listen); !st.ok()) {
    std::cerr << "teleport geminio serve: " << st.to_string() << std::endl;
    return exit_code::kDialFailed;
  }
  const std::string local = server.local_address();
  std::cout << "teleport geminio serve: listening on " << local << " (port "
            << local.substr(local.rfind(':') + 1) << ")" << std::endl;
  // The admin endpoint is a peer's: one that listens for nothing else exports the server's counts.
  std::unique_ptr<Peer> admin_peer;
  if (!admin.empty()) {
    admin_peer = std::make_unique<Peer>(PeerConfig{.admin_address = admin});
    if (admin_peer->admin_port() == 0) {
      std::cerr << "teleport geminio serve: cannot serve --admin on " << admin << std::endl;
      return exit_code::kDialFailed;
    }
    admin_peer->add_metrics_source(
        [&server](std::vector<MetricSample>& out) { server.metric_samples(out); });
    std::string host = admin.substr(0, admin.rfind(':'));
    if (host.empty()) host = "127.0.0.1";
    std::cout << "teleport geminio serve: metrics at http://" << host << ":"
              << admin_peer->admin_port() << "/metrics" << std::endl;
  }
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  while (!g_stop) std::this_thread::sleep_for(milliseconds(100));
  server.close();
  return exit_code::kOk;
}

// Reads exactly `n` bytes from `s` within `timeout`.
Result<std::string> read_exact(gg::Stream& s, std::size_t n, milliseconds timeout) {
  auto out = std::make_shared<std::string>(n, '\0');
  auto done = std::make_shared<std::promise<boost::system::error_code>>();
  asio::async_read(s, asio::buffer(*out),
                   [out, done](auto ec, std::size_t) { done->set_value(ec); });
  auto f = done->get_future();
  if (f.wait_for(timeout) != std::future_status::ready)
    return Status::from_code(code::kHandleTimeout, "no bytes in time");
  if (auto ec = f.get()) {
    return Status::from_code(code::kConnClosed, ec == asio::error::eof ? "eof" : ec.message());
  }
  return *out;
}

// Writes `data` on `s` and reads it back.
Status raw_round_trip(gg::Stream& s, const std::string& data, milliseconds timeout) {
  auto copy = std::make_shared<std::string>(data);
  asio::async_write(s, asio::buffer(*copy), [copy](auto, std::size_t) {});
  auto back = read_exact(s, data.size(), timeout);
  if (!back.ok()) return back.status;
  return back.value == data ? Status{} : Status(code::kBadMessage, "echo differs");
}

std::string random_bytes(std::size_t n) {
  std::mt19937_64 rng(n);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

Status expect_value(const Result<std::string>& r, const std::string& want) {
  if (!r.ok()) return r.status;
  if (r.value != want) return Status(code::kBadMessage, "got " + r.value.substr(0, 64));
  return {};
}

Status expect_error(const Result<std::string>& r, const std::string& want_prefix,
                    std::int32_t want_code) {
  if (r.ok()) return Status(code::kBadMessage, "no error; replied " + r.value.substr(0, 64));
  if (r.status.code() != want_code || !r.status.cause().starts_with(want_prefix))
    return Status(code::kBadMessage, "error " + r.status.to_string());
  return {};
}

struct Checks {
  int passed = 0, failed = 0;
  void report(const std::string& name, const Status& st) {
    if (st.ok()) {
      ++passed;
      std::cout << "ok " << name << std::endl;
    } else {
      ++failed;
      std::cout << "FAIL " << name << ": " << st.to_string() << std::endl;
    }
  }
};

int run_geminio_check(const std::string& addr, bool core, int timeout_ms) {
  const milliseconds t(timeout_ms);
  gg::Client client(
      {.wait_methods = {"echo", "add"}, .wait_timeout = t, .on_connect = [](gg::Endpoint& ep) {
         ep.default_stream().serve("client.echo", [](gg::Request r) { r.reply(r.data()); });
       }});
  Checks c;
  auto [ep, st] = client.connect(addr);
  c.report("connect", st);
  if (!st.ok()) {
    std::cout << c.passed << " passed, " << c.failed << " failed" << std::endl;
    return st.code() == code::kDialFailed ? exit_code::kDialFailed : exit_code::kBadInput;
  }
  std::promise<gg::Stream> from_server;
  std::atomic<bool> got_stream{false};
  ep->on_stream([&](gg::Stream s) {
    if (!got_stream.exchange(true)) from_server.set_value(std::move(s));
  });
  gg::Stream def = ep->default_stream();
  c.report("rpc_echo", expect_value(def.call("echo", "hello geminio", t), "hello geminio"));
  c.report("rpc_add", expect_value(def.call("add", "[1,2,3]", t), "6"));
  c.report("rpc_unknown_method", expect_error(def.call("no.such.method", "x", t),
                                              "no such rpc: no.such.method", code::kNotFound));
  c.report("rpc_add_bad_input_error",
           expect_error(def.call("add", "not json", t), "", code::kInternalServerError));
  const std::string big = random_bytes(256 * 1024);
  c.report("rpc_echo_256k", expect_value(def.call("echo", big, t), big));
  {
    std::vector<std::future<Status>> calls;
    for (int i = 0; i < 50; ++i) {
      auto p = std::make_shared<std::promise<Status>>();
      calls.push_back(p->get_future());
      def.async_call(
          "add", "[" + std::to_string(i) + "," + std::to_string(i) + "]", t,
          [p, i](Result<std::string> r) { p->set_value(expect_value(r, std::to_string(2 * i))); });
    }
    Status all;
    for (auto& f : calls)
      if (Status one = f.get(); !one.ok() && all.ok()) all = one;
    c.report("rpc_concurrent_50", all);
  }
  c.report("publish_ack", def.publish({.topic = "news", .data = "hello", .timeout = t}));
  {
    Status st_reject = def.publish({.topic = "reject", .data = "x", .timeout = t});
    c.report("publish_ack_error", st_reject.cause() == "rejected by server"
                                      ? Status{}
                                      : Status(code::kBadMessage, st_reject.to_string()));
  }
  c.report("raw_default_stream_echo", raw_round_trip(def, "raw bytes on the default stream", t));
  auto opened = ep->open_stream("check-stream", "", t);
  c.report("stream_open", opened.status);
  if (opened.ok()) {
    gg::Stream s = opened.value;
    c.report("stream_raw_echo", raw_round_trip(s, "raw bytes on a stream", t));
    c.report("stream_raw_echo_200k", raw_round_trip(s, random_bytes(200 * 1024), t));
    Status waited = s.wait_methods({"add"}, t);
    c.report("stream_rpc_add",
             waited.ok() ? expect_value(s.call("add", "[40,2]", t), "42") : waited);
    c.report("stream_publish_ack",
             s.publish({.topic = "news", .data = "on a stream", .timeout = t}));
    s.close();
    auto end = read_exact(s, 1, t);
    c.report("stream_close", end.status.cause() == "eof"
                                 ? Status{}
                                 : Status(code::kBadMessage, "no eof: " + end.status.to_string()));
  } else {
    for (const char* name : {"stream_raw_echo", "stream_raw_echo_200k", "stream_rpc_add",
                             "stream_publish_ack", "stream_close"})
      c.report(name, opened.status);
  }
  if (!core) {
    c.report("server_calls_client_rpc",
             def.publish({.topic = "callback", .data = "call me back", .timeout = t}));
    Status opened_by_server =
        def.publish({.topic = "open-stream", .data = "data from the server", .timeout = t});
    if (opened_by_server.ok()) {
      auto f = from_server.get_future();
      if (f.wait_for(t) != std::future_status::ready) {
        opened_by_server = Status::from_code(code::kHandleTimeout, "no stream from the server");
      } else {
        gg::Stream s = f.get();
        auto data = read_exact(s, std::string("data from the server").size(), t);
        opened_by_server = !data.ok() ? data.status
                           : s.meta() != "from-server"
                               ? Status(code::kBadMessage, "meta " + s.meta())
                               : expect_value(data, "data from the server");
      }
    }
    c.report("server_opens_stream", opened_by_server);
  }
  c.report("close", ep->close());
  std::cout << c.passed << " passed, " << c.failed << " failed" << std::endl;
  return c.failed == 0 ? exit_code::kOk : exit_code::kRemoteError;
}

}  // namespace

void add_geminio_commands(CLI::App& app) {
  auto* geminio = app.add_subcommand("geminio", "Go geminio's wire: serve it, or check a server");
  geminio->require_subcommand(1);

  auto* serve = geminio->add_subcommand(
      "serve",
      "serve Go geminio clients until SIGINT/SIGTERM: methods echo (reply = request) and add "
      "(JSON list of ints -> their sum) on every stream; raw bytes echoed on every stream; "
      "messages acked, except topics reject (error \"rejected by server\"), callback (calls the "
      "client's client.echo first) and open-stream (opens a stream with meta from-server and "
      "writes the data on it)");
  auto listen = std::make_shared<std::string>("127.0.0.1:9100");
  auto admin = std::make_shared<std::string>();
  serve->add_option("--listen", *listen, "address to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--admin", *admin,
                    "serve GET /metrics (the teleport_geminio_go_* counts, Prometheus text "
                    "format) on IP:PORT (:PORT is loopback)");
  serve->callback([listen, admin] {
    if (const int rc = run_geminio_serve(*listen, *admin); rc != 0) throw CLI::RuntimeError(rc);
  });

  auto* check = geminio->add_subcommand(
      "check",
      "run the interop checks against a geminio server at ADDR (teleport geminio serve "
      "or a Go one): prints ok/FAIL per check, exits 0 only if all pass");
  auto addr = std::make_shared<std::string>();
  auto core = std::make_shared<bool>(false);
  auto timeout = std::make_shared<int>(10000);
  check->add_option("ADDR", *addr, "host:port of the server")->required();
  check->add_flag("--core", *core, "skip the checks where the server acts first");
  check->add_option("--timeout", *timeout, "milliseconds per check")->capture_default_str();
  check->callback([addr, core, timeout] {
    if (const int rc = run_geminio_check(*addr, *core, *timeout); rc != 0)
      throw CLI::RuntimeError(rc);
  });
}

}  // namespace tp::cli
