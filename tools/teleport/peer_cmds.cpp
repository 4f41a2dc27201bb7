// `teleport call`, `push`, `list` (a client peer for one message) and `serve` (the demo server).
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "math_service.hpp"
#include "message_json.hpp"
#include "teleport/channel.hpp"
#include "teleport/etcd.hpp"
#include "teleport/peer.hpp"
#include "teleport/reflection.hpp"
#include "teleport/trace.hpp"
#include "web_demo.hpp"

namespace tp::cli {
namespace {

// TLS settings of either side, from --tls-* options.
struct TlsOptions {
  bool on = false;
  std::string ca, cert, key, server_name;
  bool insecure = false;

  void add_client(CLI::App& cmd) {
    cmd.add_flag("--tls", on, "dial with TLS (verifies the server against --tls-ca)");
    cmd.add_option("--tls-ca", ca, "CA certificates to verify the server with (PEM file)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--tls-cert", cert, "client certificate chain, for mutual TLS (PEM file)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--tls-key", key, "client private key (PEM file)")->check(CLI::ExistingFile);
    cmd.add_option("--tls-server-name", server_name,
                   "name to expect in the server's certificate and send as SNI (default: host)");
    cmd.add_flag("--tls-insecure", insecure, "do not verify the server's certificate");
  }
  void add_server(CLI::App& cmd) {
    cmd.add_option("--tls-cert", cert, "serve TLS with this certificate chain (PEM file)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--tls-key", key, "the certificate's private key (PEM file)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--tls-ca", ca, "require client certificates signed by these CAs (PEM file)")
        ->check(CLI::ExistingFile);
  }
  std::optional<TlsConfig> client() const {
    if (!on && ca.empty() && cert.empty()) return std::nullopt;
    return TlsConfig{.cert_file = cert,
                     .key_file = key,
                     .ca_file = ca,
                     .verify_peer = !insecure,
                     .server_name = server_name};
  }
  std::optional<TlsConfig> server() const {
    if (cert.empty()) return std::nullopt;
    return TlsConfig{.cert_file = cert, .key_file = key, .ca_file = ca, .mutual = !ca.empty()};
  }
};

// What every client subcommand (call, push, list) takes.
struct ClientOptions {
  std::string addr;
  std::string network = "tcp";
  std::string proto = "raw";
  int timeout_ms = 5000;
  bool v5 = false;
  std::string balance = "rr";
  TlsOptions tls;

  void add_to(CLI::App& cmd) {
    cmd.add_option("addr", addr,
                   "host:port, a socket path with --network unix|unixpacket, or a service: "
                   "list://A,B,..., file:///path (one address per line) or "
                   "etcd://HOST:PORT[,HOST:PORT...]/SERVICE")
        ->required();
    cmd.add_option("--balance", balance,
                   "with a service target: rr (default), least or hash:KEY (meta or query KEY)");
    cmd.add_option("--network", network, "tcp (default), tcp4, tcp6, unix or unixpacket")
        ->check(CLI::IsMember({"tcp", "tcp4", "tcp6", "unix", "unixpacket"}));
    cmd.add_option("--proto", proto, "wire protocol: raw (default), json, pb or thrift")
        ->check(CLI::IsMember({"raw", "json", "pb", "thrift"}));
    cmd.add_option("--timeout", timeout_ms, "how long to wait, in milliseconds (default 5000)");
    cmd.add_flag("--v5", v5, "speak Teleport v5's raw protocol instead of eRPC v7's");
    tls.add_client(cmd);
  }
  PeerConfig config() const {
    return {.network = network,
            .dial_timeout = std::chrono::milliseconds(timeout_ms),
            .proto = proto,
            .raw_version = v5 ? RawVersion::kV5 : RawVersion::kV7,
            .io_threads = 1,
            .tls = tls.client()};
  }
};

// What a message carries: the service method, the body and its codec, meta.
struct MessageOptions {
  std::string service_method;
  std::string body;
  std::string codec = "json";
  std::vector<std::string> meta;

  void add_to(CLI::App& cmd) {
    cmd.add_option("service_method", service_method, "e.g. /math/add?author=x")->required();
    // One string: CLI11 would split "[1,2,3]" into a list otherwise.
    cmd.add_option("body", body, "request body: JSON text for the json codec, else the text");
    cmd.add_option("--codec", codec, "body codec: json (default), plain, form, protobuf, xml");
    cmd.add_option("--meta", meta, "meta pair KEY=VALUE (repeatable)")->allow_extra_args(false);
  }
  Status call_options(int timeout_ms, CallOptions& opts) const {
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

// The reply body as JSON: parsed when it is JSON, else as a string.
boost::json::value body_json(const Message& reply) {
  if (reply.body_codec == codec_id::kJson) {
    boost::system::error_code ec;
    auto value = boost::json::parse(reply.body, ec);
    if (!ec) return value;
  }
  return boost::json::value(reply.body);
}

// A status this side produced for a call (no reply came) rather than one the remote side sent.
bool produced_here(const Status& st) {
  return st.code() == code::kConnClosed || st.code() == code::kWriteFailed ||
         st.code() == code::kDialFailed ||
         (st.code() == code::kHandleTimeout && st.cause() == "call timed out");
}

// A target with a scheme names a service (the call goes through a Channel), except a WebSocket
// URL, which names one peer.
bool is_service(const std::string& target) {
  const bool websocket = target.rfind("ws://", 0) == 0 || target.rfind("wss://", 0) == 0;
  return !websocket && target.find("://") != std::string::npos;
}

// Dials, calls and waits for the reply (or this side's status).
Status call_once(const ClientOptions& c, const std::string& sm, std::uint8_t codec,
                 std::string body, CallOptions opts, Message& reply) {
  Peer peer(c.config());
  if (is_service(c.addr)) {
    Channel channel(
        peer, c.addr,
        {.balance = c.balance, .start_timeout = std::chrono::milliseconds(c.timeout_ms)});
    if (Status st = channel.start(); !st.ok()) return st;
    std::promise<Message> done;
    channel.call_raw(sm, codec, std::move(body), std::move(opts),
                     [&](Message& r) { done.set_value(std::move(r)); });
    reply = done.get_future().get();
    return {};
  }
  auto dialed = peer.dial(c.addr);
  if (!dialed.ok()) return dialed.status;
  std::promise<Message> done;
  dialed.value->call_raw(sm, codec, std::move(body), std::move(opts),
                         [&](Message& r) { done.set_value(std::move(r)); });
  reply = done.get_future().get();
  return {};
}

int run_call(const ClientOptions& c, const MessageOptions& m, bool show_meta) {
  CallOptions opts;
  if (Status st = m.call_options(c.timeout_ms, opts); !st.ok()) {
    print_status(st);
    return exit_code::kBadInput;
  }
  Message reply;
  const std::uint8_t codec = *opts.body_codec;
  if (Status st = call_once(c, m.service_method, codec, m.body, std::move(opts), reply); !st.ok()) {
    print_status(st);
    return exit_code_for(st, false);
  }
  if (!reply.status.ok()) {
    print_status(reply.status);
    return exit_code_for(reply.status, !produced_here(reply.status));
  }
  if (show_meta) {
    boost::json::array meta;
    for (const auto& [k, v] : reply.meta.pairs()) meta.push_back(boost::json::array{k, v});
    std::cout << boost::json::serialize(
                     boost::json::object{{"meta", std::move(meta)}, {"body", body_json(reply)}})
              << "\n";
  } else {
    std::cout << boost::json::serialize(body_json(reply)) << "\n";
  }
  return exit_code::kOk;
}

int run_push(const ClientOptions& c, const MessageOptions& m) {
  CallOptions opts;
  if (Status st = m.call_options(c.timeout_ms, opts); !st.ok()) {
    print_status(st);
    return exit_code::kBadInput;
  }
  Peer peer(c.config());
  if (is_service(c.addr)) {
    Channel channel(
        peer, c.addr,
        {.balance = c.balance, .start_timeout = std::chrono::milliseconds(c.timeout_ms)});
    Status st = channel.start();
    if (st.ok()) st = channel.push(m.service_method, Bytes(m.body.begin(), m.body.end()), opts);
    // Returns once every session has written what it queued (or the timeout passed).
    peer.shutdown(std::chrono::milliseconds(c.timeout_ms));
    print_status(st);
    return exit_code_for(st, false);
  }
  auto dialed = peer.dial(c.addr);
  Status st = dialed.status;
  if (st.ok()) st = dialed.value->push(m.service_method, Bytes(m.body.begin(), m.body.end()), opts);
  if (st.ok()) {
    // Wait until the push has left: the session flushes before it closes.
    std::promise<void> closed;
    dialed.value->on_close([&] { closed.set_value(); });
    dialed.value->close();
    closed.get_future().wait();
  }
  print_status(st);
  return exit_code_for(st, false);
}

int run_list(const ClientOptions& c) {
  Message reply;
  CallOptions opts{.timeout = std::chrono::milliseconds(c.timeout_ms)};
  if (Status st = call_once(c, std::string(kRoutesPath), codec_id::kJson, "", opts, reply);
      !st.ok()) {
    print_status(st);
    return exit_code_for(st, false);
  }
  if (reply.status.code() == code::kNotFound) {
    std::cerr << "teleport list: " << c.addr << " does not list its routes (404 for " << kRoutesPath
              << ": the peer has not enabled reflection, tp::serve_routes)\n";
    return exit_code::kRemoteError;
  }
  if (!reply.status.ok()) {
    print_status(reply.status);
    return exit_code_for(reply.status, !produced_here(reply.status));
  }
  std::vector<RouteInfo> routes;
  if (Status st = unmarshal(reply.body_codec, reply.body, routes); !st.ok()) {
    print_status(st);
    return exit_code::kBadInput;
  }
  for (const auto& r : routes) {
    std::cout << r.type << " " << r.path;
    if (!r.arg.empty() || !r.reply.empty()) {
      std::cout << " (" << (r.arg.empty() ? "?" : r.arg);
      if (r.type == "call") std::cout << " -> " << (r.reply.empty() ? "?" : r.reply);
      std::cout << ")";
    }
    std::cout << "\n";
  }
  return exit_code::kOk;
}

volatile std::sig_atomic_t g_serve_stop = 0;

// The demo page's files: the build tree's while it exists, else the installed ones.
std::string default_web_root() {
  if (std::filesystem::exists(TELEPORT_WEB_BUILD_DIR)) return TELEPORT_WEB_BUILD_DIR;
  return TELEPORT_WEB_INSTALL_DIR;
}

struct ServeOptions {
  std::string listen = "127.0.0.1:9090";
  std::string network = "tcp";
  bool v5 = false;
  TlsOptions tls;
  std::string register_target;
  std::string advertise;
  int weight = 1;
  int ttl_s = 10;
  std::string admin;
  bool trace = false;
  std::string ws_path;
  bool web = false;
  std::string web_root = default_web_root();

  void add_to(CLI::App& cmd) {
    cmd.add_option("--listen", listen,
                   "address to listen on: host:port, :port or a socket path (default "
                   "127.0.0.1:9090)");
    cmd.add_option("--network", network, "tcp (default), tcp4, tcp6, unix or unixpacket")
        ->check(CLI::IsMember({"tcp", "tcp4", "tcp6", "unix", "unixpacket"}));
    cmd.add_flag("--v5", v5, "answer Teleport v5's raw protocol instead of eRPC v7's");
    tls.add_server(cmd);
    cmd.add_option("--register", register_target,
                   "register on etcd while serving: etcd://HOST:PORT[,HOST:PORT...]/SERVICE "
                   "(deregistered on SIGINT/SIGTERM before the port closes)");
    cmd.add_option("--advertise", advertise,
                   "with --register: the address clients dial (default: --listen's host and "
                   "the bound port; needed when listening on a wildcard address)");
    cmd.add_option("--weight", weight, "with --register: the backend's weight (default 1)")
        ->check(CLI::Range(1, 10000));
    cmd.add_option("--ttl", ttl_s, "with --register: the lease TTL in seconds (default 10)")
        ->check(CLI::Range(1, 3600));
    cmd.add_option("--admin", admin,
                   "serve GET /metrics (Prometheus text format), /debug and /debug/*.json on "
                   "IP:PORT (:PORT is loopback)");
    cmd.add_option("--ws-path", ws_path,
                   "also speak WebSocket (Go eRPC's mixer/websocket, JSON sub-protocol) at this "
                   "path, on the same port");
    cmd.add_flag("--web", web,
                 "serve the browser demo page on the same port (WebSocket at /ws unless "
                 "--ws-path says otherwise) and push /feed/tick every second");
    cmd.add_option("--web-root", web_root,
                   "with --web: the page's files (default " + web_root + ")");
    cmd.add_flag("--trace", trace,
                 "log a span (W3C trace context: trace, span and parent ids) for every call and "
                 "push handled, continuing the caller's traceparent");
  }
};

int run_serve(const ServeOptions& o) {
  const std::string ws_path = o.web && o.ws_path.empty() ? "/ws" : o.ws_path;
  if (o.web && !std::filesystem::exists(std::filesystem::path(o.web_root) / "index.html")) {
    std::cerr << "teleport serve: no demo page in " << o.web_root
              << " (build the web_client target, which needs npm, or name it with --web-root)\n";
    return exit_code::kBadInput;
  }
  Peer peer(PeerConfig{.network = o.network,
                       .listen_address = o.listen,
                       .admin_address = o.admin,
                       .websocket_path = ws_path,
                       .web_root = o.web ? o.web_root : std::string(),
                       .raw_version = o.v5 ? RawVersion::kV5 : RawVersion::kV7,
                       .tls = o.tls.server()},
            o.trace ? Plugins{trace::plugin(trace::log_exporter())} : Plugins{});
  Status st = demo::register_math(peer);
  if (st.ok()) st = serve_routes(peer);
  if (st.ok() && o.web) st = tool::add_web_demo_routes(peer);
  if (st.ok()) st = peer.listen();
  if (!st.ok()) {
    print_status(st);
    return exit_code::kBadInput;
  }
  std::cout << "teleport serve: listening on " << o.listen << " (port " << peer.listen_port() << ")"
            << std::endl;
  std::string here = o.listen.substr(0, o.listen.rfind(':'));  // ":PORT" listens on every address
  here = (here.empty() ? "127.0.0.1" : here) + ":" + std::to_string(peer.listen_port());
  if (!ws_path.empty())
    std::cout << "teleport serve: WebSocket at ws://" << here << ws_path << "\n";
  if (o.web) std::cout << "teleport serve: the demo page at http://" << here << "/" << std::endl;
  if (!o.admin.empty()) {
    std::string host = o.admin.substr(0, o.admin.rfind(':'));
    if (host.empty()) host = "127.0.0.1";
    const std::string base = "http://" + host + ":" + std::to_string(peer.admin_port());
    std::cout << "teleport serve: metrics at " << base << "/metrics, the debug page at " << base
              << "/debug" << std::endl;
  }
  std::shared_ptr<etcd::Registration> registration;
  if (!o.register_target.empty()) {
    auto reg = etcd::register_peer(
        peer, o.register_target,
        {.addr = o.advertise, .weight = o.weight, .ttl = std::chrono::seconds(o.ttl_s)});
    if (!reg.ok()) {
      print_status(reg.status);
      if (o.advertise.empty()) {
        std::cerr << "teleport serve: --advertise HOST:PORT names the address clients dial\n";
      }
      return exit_code::kBadInput;
    }
    registration = reg.value;
    std::cout << "teleport serve: registering on " << o.register_target << std::endl;
  }
  std::signal(SIGINT, [](int) { g_serve_stop = 1; });
  std::signal(SIGTERM, [](int) { g_serve_stop = 1; });
  for (std::int64_t tick = 0; !g_serve_stop; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (o.web && tick % 10 == 9) tool::push_web_demo_tick(peer, tick / 10 + 1);
  }
  peer.shutdown(std::chrono::seconds(5));
  return exit_code::kOk;
}

// Runs `fn` as a subcommand's action; its exit code reaches main() through CLI11.
template <class F>
void on_run(CLI::App* cmd, F fn) {
  cmd->callback([fn] {
    if (const int rc = fn(); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace

void add_peer_commands(CLI::App& app) {
  auto* call = app.add_subcommand(
      "call", "call ADDR SERVICE_METHOD [BODY] and print the reply body (or status) as JSON");
  auto call_client = std::make_shared<ClientOptions>();
  auto call_msg = std::make_shared<MessageOptions>();
  auto show_meta = std::make_shared<bool>(false);
  call_client->add_to(*call);
  call_msg->add_to(*call);
  call->add_flag("--show-meta", *show_meta, "print {\"meta\": [[key, value]...], \"body\": ...}");
  on_run(call, [=] { return run_call(*call_client, *call_msg, *show_meta); });

  auto* push = app.add_subcommand("push", "push BODY to ADDR SERVICE_METHOD (one-way)");
  auto push_client = std::make_shared<ClientOptions>();
  auto push_msg = std::make_shared<MessageOptions>();
  push_client->add_to(*push);
  push_msg->add_to(*push);
  on_run(push, [=] { return run_push(*push_client, *push_msg); });

  auto* list =
      app.add_subcommand("list", "list the routes of the peer at ADDR (it must serve " +
                                     std::string(kRoutesPath) + ", as `teleport serve` does)");
  auto list_client = std::make_shared<ClientOptions>();
  list_client->add_to(*list);
  on_run(list, [=] { return run_list(*list_client); });

  auto* serve = app.add_subcommand(
      "serve", "run the demo server (/math/add, " + std::string(kRoutesPath) +
                   ") until SIGINT/SIGTERM; one port answers raw, JSON, protobuf, HTTP and Thrift");
  auto serve_opts = std::make_shared<ServeOptions>();
  serve_opts->add_to(*serve);
  on_run(serve, [=] { return run_serve(*serve_opts); });
}

}  // namespace tp::cli
