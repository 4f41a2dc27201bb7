#include "teleport/peer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <filesystem>
#include <future>

#include <sys/socket.h>

#include "metrics/admin_server.hpp"
#include "peer/listener.hpp"
#include "peer/peer_core.hpp"
#include "peer/restart.hpp"
#include "peer/tls_context.hpp"
#include "session/session_impl.hpp"
#include "socket/address.hpp"
#include "socket/ws_target.hpp"
#include "support/logger.hpp"
#include "support/run_in_loop.hpp"
#include "support/threads.hpp"
#include "teleport/proto/registry.hpp"

namespace tp {

namespace asio = boost::asio;
using detail::Endpoint;
using detail::PeerCore;
using detail::SessionImpl;
using Acceptor = detail::Listener::Acceptor;

namespace {

// Starts `session` and waits up to `limit` until it is ready or refused (TLS, post_accept or
// post_dial and the handshake it starts); closes it if the time runs out.
Status start_and_wait(PeerCore& core, const std::shared_ptr<SessionImpl>& session,
                      std::chrono::milliseconds limit) {
  auto ready = std::make_shared<std::promise<Status>>();
  auto verdict = ready->get_future();
  session->on_ready([ready](Status st) { ready->set_value(std::move(st)); });
  core.add_session(session);
  session->start();
  if (verdict.wait_for(limit) != std::future_status::ready) {
    session->close();
    return Status::from_code(code::kConnClosed, "handshake timeout");
  }
  return verdict.get();
}

// What the admin endpoint of `peer` reads.
detail::AdminSource admin_source(const Peer& peer, const std::shared_ptr<PeerCore>& core) {
  detail::AdminSource source{
      .metrics = [&peer] { return peer.metrics(); },
      .latency_totals =
          [core] {
            detail::MetricsCollector collector;
            if (core->config_.metrics) {
              for (const auto& shard : core->pool->shards) collector.add(*shard);
            }
            return std::array{collector.side_total("handler"), collector.side_total("caller")};
          },
      .sessions = [&peer] { return peer.sessions(); },
      .slow_calls = [&peer] { return peer.slow_calls(); },
      .listen_port = [&peer] { return peer.listen_port(); },
      .config = &core->config(),
      .plugins = {},
  };
  for (const auto& plugin : core->plugins_) source.plugins.emplace_back(plugin->name());
  return source;
}

}  // namespace

struct Peer::Impl {
  std::shared_ptr<PeerCore> core;
  Status init_status;  // a pre/post_new_peer refusal: listen() and dial() report it
  std::unique_ptr<detail::Listener> listener;
  std::uint16_t port = 0;
  std::string unix_path;
  std::mutex mutex;
  std::condition_variable closed_cv;
  bool closed = false;      // close() has begun
  bool close_done = false;  // close() has finished: the peer may be destroyed
  std::unique_ptr<asio::signal_set> signals;
  std::unique_ptr<asio::signal_set> restart_signals;
  bool handed_over = false;  // a restarted copy owns the listener now (and its Unix socket file)
  std::vector<std::function<void()>> shutdown_hooks;  // run once, when shutdown() begins
  std::unique_ptr<detail::AdminServer> admin;         // the admin endpoint, when configured
  mutable std::mutex metrics_sources_mutex;
  std::vector<std::function<void(std::vector<MetricSample>&)>> metrics_sources;

  // Waits for the restart signal: hands the listener to a new copy of the executable, then
  // shuts `peer` down; if the copy cannot start, keeps serving and waits again.
  void arm_restart(Peer& peer, std::chrono::milliseconds timeout) {
    restart_signals->async_wait([this, &peer, timeout](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (!listener) {
        core->logger_->warn("signal {}: not listening, nothing to hand over", sig);
        return;
      }
      const auto& cfg = core->config();
      auto [pid, st] = detail::spawn_self(
          {{detail::listener_key(cfg.network, cfg.listen_address), listener->native_handle()}});
      if (!st.ok()) {
        core->logger_->error("signal {}: {}; still serving", sig, st.to_string());
        arm_restart(peer, timeout);
        return;
      }
      handed_over = true;
      core->logger_->info("signal {}: restarted as pid {}; draining (grace {} ms)", sig, pid,
                          timeout.count());
      // shutdown() joins the I/O threads, so it cannot run on one of them.
      std::thread([&peer, timeout] { peer.shutdown(timeout); }).detach();
    });
  }
};

Peer::Peer(PeerConfig config, Plugins plugins) : impl_(std::make_unique<Impl>()) {
  impl_->init_status = run_hooks({&plugins}, &Plugin::pre_new_peer, config);
  const bool known_proto = make_proto(config.proto, {}) != nullptr;
  if (impl_->init_status.ok() && !known_proto) {
    impl_->init_status = Status::from_code(
        code::kWrongConn,
        "unknown protocol \"" + config.proto +
            "\" (want raw, json, pb, http, a registered one, or thrift with the teleport::thrift "
            "component linked)");
  }
  impl_->core = std::make_shared<PeerCore>(*this, std::move(config), std::move(plugins));
  if (impl_->init_status.ok() && !impl_->core->ws_framed_) {
    impl_->init_status = Status::from_code(
        code::kWrongConn, "unknown websocket_sub_proto \"" +
                              impl_->core->config().websocket_sub_proto + "\" (want json or pb)");
  }
  if (impl_->init_status.ok() && impl_->core->config().tls) {
    const TlsConfig& tls = *impl_->core->config().tls;
    impl_->init_status = detail::make_tls_context(tls, false, impl_->core->tls_client);
    if (impl_->init_status.ok() && !(tls.cert_file.empty() && tls.cert_pem.empty()))
      impl_->init_status = detail::make_tls_context(tls, true, impl_->core->tls_server);
  }
  if (impl_->init_status.ok())
    impl_->init_status = run_hooks({&impl_->core->plugins_}, &Plugin::post_new_peer, *this);
  if (impl_->init_status.ok() && !impl_->core->config().admin_address.empty()) {
    auto admin = detail::AdminServer::start(impl_->core->config().admin_address,
                                            admin_source(*this, impl_->core));
    impl_->init_status = admin.status;
    impl_->admin = std::move(admin.value);
  }
}

Peer::~Peer() { close(); }

Router& Peer::router() noexcept { return impl_->core->router; }

const Plugins& Peer::plugins() const noexcept { return impl_->core->plugins_; }

const PeerConfig& Peer::config() const noexcept { return impl_->core->config(); }

spdlog::logger& Peer::logger() const noexcept { return impl_->core->logger(); }

std::uint16_t Peer::admin_port() const { return impl_->admin ? impl_->admin->port() : 0; }

PeerMetrics Peer::metrics() const {
  const auto& core = impl_->core;
  detail::MetricsCollector collector;
  if (core->config_.metrics) {
    for (const auto& shard : core->pool->shards) collector.add(*shard);
  }
  PeerMetrics m = collector.finish(static_cast<std::int64_t>(core->count_sessions()));
  std::lock_guard lock(impl_->metrics_sources_mutex);
  for (const auto& source : impl_->metrics_sources) source(m.extra);
  return m;
}

void Peer::add_metrics_source(std::function<void(std::vector<MetricSample>&)> source) {
  std::lock_guard lock(impl_->metrics_sources_mutex);
  impl_->metrics_sources.push_back(std::move(source));
}

std::vector<SessionInfo> Peer::sessions() const { return impl_->core->session_infos(); }

std::vector<SlowCall> Peer::slow_calls() const { return impl_->core->slow_calls(); }

Status Peer::listen() {
  if (!impl_->init_status.ok()) return impl_->init_status;
  const auto& cfg = impl_->core->config();
  if (cfg.tls && !impl_->core->tls_server)
    return Status::from_code(code::kWrongConn, "tls: a listener needs a certificate");
  Endpoint ep;
  if (Status st =
          detail::resolve_endpoint(cfg.network, cfg.listen_address, true, code::kWrongConn, ep);
      !st.ok()) {
    return st;
  }
  if (impl_->core->pool->stopped) return Status::from_code(code::kWrongConn, "peer is closed");
  asio::io_context& ioc = impl_->core->pool->pick();
  auto acceptor = std::make_unique<Acceptor>(ioc);
  // Opened (registered with the reactor) on its own thread, and closed there if it fails.
  boost::system::error_code ec = detail::run_in_loop(ioc, [&] {
    boost::system::error_code oec;
    if (auto fd =
            detail::inherited_listener(detail::listener_key(cfg.network, cfg.listen_address))) {
      acceptor->assign(ep.protocol(), *fd, oec);  // handed over by the copy that restarted us
    } else {
      if (detail::is_unix_network(cfg.network)) {
        std::error_code ignored;
        std::filesystem::remove(cfg.listen_address,
                                ignored);  // a stale socket file from an earlier run
      }
      detail::open_for_network(*acceptor, cfg.network, ep, oec);
      if (!oec && !detail::is_unix_network(cfg.network))
        acceptor->set_option(asio::socket_base::reuse_address(true), oec);
      if (!oec) acceptor->bind(ep, oec);
      if (!oec) acceptor->listen(asio::socket_base::max_listen_connections, oec);
    }
    if (oec) {
      boost::system::error_code ignored;
      acceptor->close(ignored);
    }
    return oec;
  });
  if (detail::is_unix_network(cfg.network)) impl_->unix_path = cfg.listen_address;
  if (ec)
    return Status::from_code(code::kWrongConn,
                             "listen " + cfg.listen_address + ": " + ec.message());
  const std::string bound = detail::endpoint_text(acceptor->local_endpoint(ec));
  if (!detail::is_unix_network(cfg.network))
    impl_->port = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  auto listener = std::make_unique<detail::Listener>(impl_->core, std::move(acceptor));
  if (Status st =
          run_hooks({&impl_->core->plugins_}, &Plugin::post_listen, std::string_view(bound));
      !st.ok()) {
    listener->close();
    return st;
  }
  impl_->listener = std::move(listener);
  impl_->listener->start();
  return {};
}

Status Peer::listen_and_serve() {
  if (Status st = listen(); !st.ok()) return st;
  wait_closed();
  return {};
}

void Peer::wait_closed() {
  std::unique_lock lock(impl_->mutex);
  impl_->closed_cv.wait(lock, [&] { return impl_->close_done; });
}

std::uint16_t Peer::listen_port() const { return impl_->port; }

Result<std::shared_ptr<Session>> Peer::dial(const std::string& target) {
  if (!impl_->init_status.ok()) return impl_->init_status;
  // "ws://host:port/path" (or wss://, over the peer's TLS): a WebSocket session to that path.
  std::optional<detail::WsTarget> ws;
  std::string addr = target;
  if (auto parsed = detail::parse_ws_target(target)) {
    if (!parsed->status.ok()) return parsed->status;
    if (parsed->tls && !impl_->core->tls_client)
      return Status::from_code(code::kDialFailed, target + ": wss needs PeerConfig::tls");
    addr = parsed->address;
    ws = std::move(*parsed);
  }
  if (detail::on_io_thread()) {
    return Status(code::kInvalidOp, "Invalid Operation",
                  "dial waits for the connection: on an I/O thread it would stall its loop");
  }
  auto& core = impl_->core;
  if (Status st = run_hooks({&core->plugins_}, &Plugin::pre_dial, std::string_view(addr));
      !st.ok()) {
    return st;
  }
  Endpoint ep;
  if (Status st =
          detail::resolve_endpoint(core->config().network, addr, false, code::kDialFailed, ep);
      !st.ok()) {
    return st;
  }
  if (core->pool->stopped) return Status::from_code(code::kDialFailed, "peer is closed");
  asio::io_context& ioc = core->pool->pick();
  auto socket = std::make_shared<SessionImpl::Socket>(ioc);
  auto connected = std::make_shared<std::promise<Status>>();
  auto result = connected->get_future();
  // Opened, connected and (on failure) closed on its own thread; handed over only once connected.
  asio::post(ioc, [socket, ep, connected, addr, &cfg = core->config()] {
    auto fail = [socket, connected](Status st) {
      boost::system::error_code ignored;
      socket->close(ignored);
      connected->set_value(std::move(st));
    };
    if (Status st = detail::open_for_dial(*socket, cfg.network, cfg.local_ip, ep); !st.ok()) {
      fail(std::move(st));
      return;
    }
    socket->async_connect(ep, [connected, addr, fail](boost::system::error_code ec) {
      if (ec) {
        fail(Status::from_code(code::kDialFailed, addr + ": " + ec.message()));
        return;
      }
      connected->set_value({});
    });
  });
  if (result.wait_for(core->config().dial_timeout) != std::future_status::ready) {
    asio::post(ioc, [socket] {
      boost::system::error_code ignored;
      socket->close(ignored);
    });
    result.wait();
    return Status::from_code(code::kDialFailed, addr + ": dial timeout");
  }
  if (Status st = result.get(); !st.ok()) return st;
  auto session = std::make_shared<SessionImpl>(core, std::move(*socket), ep);
  if (ws) session->use_websocket(true, ws->address, ws->path, *core->ws_framed_);
  // Ready once TLS, post_dial and the first-message exchange it starts (auth) have passed.
  if (Status st = start_and_wait(*core, session, core->config().dial_timeout); !st.ok()) {
    return Status::from_code(code::kDialFailed, addr + ": " + st.to_string());
  }
  return std::shared_ptr<Session>(session);
}

Result<std::shared_ptr<Session>> Peer::serve_conn(int fd) {
  if (!impl_->init_status.ok()) return impl_->init_status;
  if (detail::on_io_thread()) {
    return Status(code::kInvalidOp, "Invalid Operation",
                  "serve_conn waits for post_accept: on an I/O thread it would stall its loop");
  }
  auto& core = impl_->core;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int type = 0;
  socklen_t type_len = sizeof type;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 ||
      !(type == SOCK_STREAM || (type == SOCK_SEQPACKET && addr.ss_family == AF_UNIX))) {
    return Status::from_code(code::kWrongConn, "serve_conn: not a connected stream socket");
  }
  const int family = addr.ss_family;
  const auto protocol = detail::stream_protocol_of(family);
  if (core->pool->stopped) return Status::from_code(code::kWrongConn, "peer is closed");
  asio::io_context& ioc = core->pool->pick();
  SessionImpl::Socket socket(ioc);
  // Registered with the reactor on its own thread.
  const boost::system::error_code ec = detail::run_in_loop(ioc, [&] {
    boost::system::error_code aec;
    socket.assign(protocol, fd, aec);
    return aec;
  });
  if (ec) return Status::from_code(code::kWrongConn, "serve_conn: " + ec.message());
  auto session = std::make_shared<SessionImpl>(core, std::move(socket));
  // Ready once post_accept (and TLS) have passed.
  if (Status st = start_and_wait(*core, session, core->config().handshake_timeout); !st.ok())
    return st;
  return std::shared_ptr<Session>(session);
}

std::shared_ptr<Session> Peer::get_session(const std::string& id) const {
  std::lock_guard lock(impl_->core->hub_mutex);
  auto it = impl_->core->by_id.find(id);
  return it == impl_->core->by_id.end() ? nullptr : impl_->core->sessions.at(it->second);
}

void Peer::range_sessions(const std::function<bool(const std::shared_ptr<Session>&)>& fn) const {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(impl_->core->hub_mutex);
    for (const auto& [ptr, s] : impl_->core->sessions) sessions.push_back(s);
  }
  for (const auto& s : sessions) {
    if (!fn(s)) break;
  }
}

std::size_t Peer::count_sessions() const { return impl_->core->count_sessions(); }

void Peer::on_shutdown(std::function<void()> fn) {
  std::lock_guard lock(impl_->mutex);
  impl_->shutdown_hooks.push_back(std::move(fn));
}

void Peer::shutdown(std::chrono::milliseconds timeout) {
  auto& core = impl_->core;
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(impl_->mutex);
    hooks.swap(impl_->shutdown_hooks);
  }
  for (auto& hook : hooks) hook();  // while still accepting: see on_shutdown()
  if (!core->pool->joined && impl_->listener) impl_->listener->close();
  // Let running handlers finish and queued replies leave before the sessions close.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto busy = [&] {
    if (core->inflight_calls > 0) return true;
    std::lock_guard lock(core->hub_mutex);
    for (const auto& [ptr, s] : core->sessions) {
      if (s->busy()) return true;
    }
    return false;
  };
  while (!core->pool->joined && busy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close();
}

void Peer::close() {
  {
    std::unique_lock lock(impl_->mutex);
    if (impl_->closed) {
      // Another thread (a signal's shutdown) is closing: return once it has finished.
      impl_->closed_cv.wait(lock, [&] { return impl_->close_done; });
      return;
    }
    impl_->closed = true;
  }
  impl_->admin.reset();  // it reads the metrics: gone before anything it reads
  auto& core = impl_->core;
  core->pool->stopped = true;
  if (impl_->listener) impl_->listener->close();
  for (auto* set : {impl_->signals.get(), impl_->restart_signals.get()}) {
    if (set) asio::post(set->get_executor(), [set] { set->cancel(); });
  }
  std::vector<std::shared_ptr<SessionImpl>> sessions;
  {
    std::lock_guard lock(core->hub_mutex);
    for (const auto& [ptr, s] : core->sessions) sessions.push_back(s);
  }
  for (const auto& s : sessions) s->close();
  core->pool->join();  // returns once every socket operation has finished
  impl_->listener.reset();
  impl_->signals.reset();
  impl_->restart_signals.reset();
  if (!impl_->unix_path.empty() && !impl_->handed_over) {
    std::error_code ignored;
    std::filesystem::remove(impl_->unix_path, ignored);
  }
  std::lock_guard lock(impl_->mutex);
  impl_->close_done = true;
  impl_->closed_cv.notify_all();
}

void Peer::shutdown_on_signals(std::chrono::milliseconds timeout) {
  // A signal set registers a pipe with its loop's reactor: made and armed on that loop's thread.
  asio::io_context& ioc = impl_->core->pool->pick();
  detail::run_in_loop(ioc, [&] {
    impl_->signals = std::make_unique<asio::signal_set>(ioc, SIGINT, SIGTERM);
    impl_->signals->async_wait([this, timeout](boost::system::error_code ec, int sig) {
      if (ec) return;
      impl_->core->logger_->info("signal {}: shutting down (grace {} ms)", sig, timeout.count());
      // shutdown() joins the I/O threads, so it cannot run on one of them.
      std::thread([this, timeout] { shutdown(timeout); }).detach();
    });
  });
}

void Peer::restart_on_signal(std::chrono::milliseconds timeout, int signal) {
  asio::io_context& ioc = impl_->core->pool->pick();
  detail::run_in_loop(ioc, [&] {
    impl_->restart_signals = std::make_unique<asio::signal_set>(ioc, signal);
    impl_->arm_restart(*this, timeout);
  });
}

}  // namespace tp
