#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "math_service.hpp"
#include "teleport/peer.hpp"

namespace tp::cli {
namespace {

struct PeerOptions {
  std::string addr;
  std::string service_method;
  std::string body;
  std::string network = "tcp";
  std::string proto = "raw";
  std::string codec = "json";
  std::vector<std::string> meta;
  int timeout_ms = 5000;
  bool v5 = false;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--network", network,
                   "tcp, tcp4, tcp6, unix or unixpacket (ADDR is then a socket path)");
    cmd.add_option("--proto", proto, "wire protocol: raw (default), json, pb or thrift")
        ->check(CLI::IsMember({"raw", "json", "pb", "thrift"}));
    cmd.add_option("--codec", codec, "body codec of the request: json, plain, form, protobuf, xml");
    cmd.add_option("--meta", meta, "meta pair KEY=VALUE (repeatable)")->allow_extra_args(false);
    cmd.add_option("--timeout", timeout_ms, "call timeout in milliseconds");
    cmd.add_flag("--v5", v5, "speak Teleport v5's raw protocol");
  }
  PeerConfig config() const {
    return {.network = network,
            .proto = proto,
            .raw_version = v5 ? RawVersion::kV5 : RawVersion::kV7,
            .io_threads = 1};
  }
  Status call_options(CallOptions& opts) const {
    const Codec* c = CodecRegistry::global().find(std::string_view(codec));
    if (!c) return Status::bad_message("unknown codec " + codec);
    opts.body_codec = c->id();
    for (const auto& kv : meta) {
      const auto eq = kv.find('=');
      opts.meta.add(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
    }
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    return {};
  }
};

void print_status(const Status& st) {
  boost::json::object obj{{"code", st.code()}, {"msg", st.msg()}};
  if (st.has_cause()) obj["cause"] = st.cause();
  std::cout << boost::json::serialize(boost::json::object{{"status", obj}}) << "\n";
}

// The body as given on the command line: JSON text for json, the text itself for other codecs.
Bytes body_bytes(const std::string& body) { return {body.begin(), body.end()}; }

int run_call(const PeerOptions& o, const std::string& addr, const std::string& sm,
             const std::string& body) {
  CallOptions opts;
  if (Status st = o.call_options(opts); !st.ok()) {
    print_status(st);
    return 1;
  }
  Peer peer(o.config());
  auto [session, st] = peer.dial(addr);
  if (!st.ok()) {
    print_status(st);
    return 1;
  }
  std::promise<Message> done;
  const std::uint8_t codec = *opts.body_codec;
  session->call_raw(sm, codec, body, std::move(opts),
                    [&](Message& reply) { done.set_value(std::move(reply)); });
  Message reply = done.get_future().get();
  if (!reply.status.ok()) {
    print_status(reply.status);
    return 1;
  }
  boost::system::error_code ec;
  auto value = reply.body_codec == codec_id::kJson ? boost::json::parse(reply.body, ec)
                                                   : boost::json::value();
  if (reply.body_codec == codec_id::kJson && !ec) {
    std::cout << boost::json::serialize(value) << "\n";
  } else {
    std::cout << boost::json::serialize(boost::json::value(reply.body)) << "\n";
  }
  return 0;
}

int run_push(const PeerOptions& o, const std::string& addr, const std::string& sm,
             const std::string& body) {
  CallOptions opts;
  Status st = o.call_options(opts);
  Peer peer(o.config());
  std::shared_ptr<Session> session;
  if (st.ok()) st = peer.dial(addr).into(session);
  if (st.ok()) st = session->push(sm, body_bytes(body), opts);
  if (st.ok()) {
    // Wait until the push has left: the session flushes before it closes.
    std::promise<void> closed;
    session->on_close([&] { closed.set_value(); });
    session->close();
    closed.get_future().wait();
  }
  print_status(st);
  return st.ok() ? 0 : 1;
}

std::mutex g_serve_mutex;
std::condition_variable g_serve_cv;
bool g_serve_stop = false;

int run_serve(const PeerOptions& o, const std::string& listen) {
  PeerConfig cfg = o.config();
  cfg.listen_address = listen;
  cfg.io_threads = 0;
  Peer peer(cfg);
  Status st = demo::register_math(peer);
  if (st.ok()) st = peer.listen();
  if (!st.ok()) {
    print_status(st);
    return 1;
  }
  std::cout << "teleport serve: listening on " << listen << " (port " << peer.listen_port() << ")"
            << std::endl;
  std::signal(SIGINT, [](int) { g_serve_stop = true; });
  std::signal(SIGTERM, [](int) { g_serve_stop = true; });
  while (!g_serve_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  peer.close();
  return 0;
}

}  // namespace

// Adds ADDR SERVICE_METHOD [BODY] positionals (single strings: CLI11 would split "[1,2,3]").
void add_target(CLI::App& cmd, PeerOptions& o) {
  cmd.add_option("addr", o.addr, "host:port, or a socket path with --network unix|unixpacket")
      ->required();
  cmd.add_option("service_method", o.service_method, "e.g. /math/add?author=x")->required();
  cmd.add_option("body", o.body,
                 "request body: JSON text for the json codec, else the text itself");
  o.add_to(cmd);
}

void add_peer_commands(CLI::App& app) {
  auto opts = std::make_shared<PeerOptions>();
  auto* call = app.add_subcommand(
      "call", "call ADDR SERVICE_METHOD [BODY] and print the reply (or status) as JSON");
  add_target(*call, *opts);
  call->callback([=] {
    if (const int rc = run_call(*opts, opts->addr, opts->service_method, opts->body); rc != 0) {
      throw CLI::RuntimeError(rc);
    }
  });

  auto push_opts = std::make_shared<PeerOptions>();
  auto* push = app.add_subcommand("push", "push BODY to ADDR SERVICE_METHOD (one-way)");
  add_target(*push, *push_opts);
  push->callback([=] {
    if (const int rc =
            run_push(*push_opts, push_opts->addr, push_opts->service_method, push_opts->body);
        rc != 0) {
      throw CLI::RuntimeError(rc);
    }
  });

  auto serve_opts = std::make_shared<PeerOptions>();
  auto listen = std::make_shared<std::string>("127.0.0.1:9090");
  auto* serve = app.add_subcommand("serve", "run the demo server (/math/add) until SIGINT/SIGTERM");
  serve->add_option("--listen", *listen, "address to listen on (host:port, :port or a unix path)");
  serve_opts->add_to(*serve);
  serve->callback([=] {
    if (const int rc = run_serve(*serve_opts, *listen); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace tp::cli
