// tp::geminio::Server and Client: one I/O thread each, the connections it runs, accepting
// and dialing, and closing them all with Go's 4-way DISCONN.
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "geminio/gowire/go_anchor.hpp"
#include "geminio/gowire/ids.hpp"
#include "socket/address.hpp"

namespace tp::geminio {
namespace asio = boost::asio;
using detail::Anchor;
using detail::GoConn;
using Address = ::tp::detail::Endpoint;

namespace {

gowire::WireConn::Limits limits_of(const ConnOptions& o, std::chrono::seconds heartbeat) {
  return {.max_payload = o.max_payload,
          .handshake_timeout = o.handshake_timeout,
          .heartbeat = heartbeat};
}

}  // namespace

/// The I/O thread and the connections on it, shared by Server and Client. Its connections keep
/// it (its io_context and read budget) alive, even past their Server or Client.
struct IoLoop : std::enable_shared_from_this<IoLoop> {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ::tp::detail::ReadBudget budget{std::size_t{1} << 30};
  std::map<GoConn*, std::weak_ptr<GoConn>> conns;  // I/O thread: every connection not closed
  std::function<void()> all_closed;                // I/O thread: close_all() waits for it

  // Tracks `c` until it closes (I/O thread).
  void track(const std::shared_ptr<GoConn>& c) {
    conns[c.get()] = c;
    c->add_closed_handler([this, raw = c.get()](const Status&) {
      conns.erase(raw);
      if (conns.empty() && all_closed) all_closed();
    });
  }

  // Closes every connection with DISCONN (waiting up to 4 s for them), then ends the thread.
  void close_all(std::function<void()> first = {}) {
    if (!thread.joinable()) return;
    auto done = std::make_shared<std::promise<void>>();
    asio::post(io, [this, done, first = std::move(first)] {
      if (first) first();
      if (conns.empty()) return done->set_value();
      all_closed = [done] { done->set_value(); };
      for (auto& [raw, weak] : conns)
        if (auto c = weak.lock()) c->disconnect(nullptr);
    });
    if (done->get_future().wait_for(std::chrono::seconds(4)) != std::future_status::ready) {
      asio::post(io, [this] {
        all_closed = nullptr;
        for (auto& [raw, weak] : conns)
          if (auto c = weak.lock()) c->finish();
      });
    }
    work.reset();
    auto ended = std::async(std::launch::async, [this] { thread.join(); });
    if (ended.wait_for(std::chrono::seconds(2)) != std::future_status::ready) io.stop();
    ended.wait();
  }
};

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<IoLoop> loop = std::make_shared<IoLoop>();
  std::shared_ptr<detail::GoCounters> counters = std::make_shared<detail::GoCounters>();
  asio::basic_socket_acceptor<asio::generic::stream_protocol> acceptor{loop->io};
  std::string local;
  // I/O thread:
  std::function<void(std::shared_ptr<Endpoint>)> on_endpoint;
  std::set<std::uint64_t> ids_in_use;
  // Any thread: the server keeps every connected endpoint.
  mutable std::mutex mutex;
  std::map<std::uint64_t, std::shared_ptr<Endpoint>> by_id;

  std::uint64_t assign(std::uint64_t wanted, const std::string& meta) {
    if (options.assign_id) return options.assign_id(wanted, meta);
    return wanted != 0 && !ids_in_use.contains(wanted) ? wanted : gowire::new_client_id();
  }

  void accept() {
    acceptor.async_accept(
        [this](boost::system::error_code ec, asio::generic::stream_protocol::socket s) {
          if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
          if (!ec) start(std::move(s));
          accept();
        });
  }

  void start(asio::generic::stream_protocol::socket s) {
    auto ids = std::make_shared<gowire::PacketIds>();
    gowire::Link::Options link{
        .server = true,
        .client_id = [this](std::uint64_t wanted,
                            const std::string& meta) { return assign(wanted, meta); },
        .next_id = [ids] { return ids->next(); }};
    auto c = std::make_shared<GoConn>(loop, std::move(s), loop->budget, std::move(link),
                                      limits_of(options.conn, std::chrono::seconds(20)),
                                      options.conn, counters);
    loop->track(c);
    c->start(nullptr, [this, weak = std::weak_ptr<GoConn>(c)](const Status& st) {
      auto conn = weak.lock();
      if (!st.ok() || !conn) return;
      const std::uint64_t id = conn->client_id();
      ids_in_use.insert(id);
      auto ep = std::make_shared<Endpoint>(std::make_shared<Anchor>(conn, false));
      {
        std::lock_guard lock(mutex);
        by_id[id] = ep;
      }
      conn->add_closed_handler([this, id](const Status&) {
        ids_in_use.erase(id);
        std::lock_guard lock(mutex);
        by_id.erase(id);
      });
      if (on_endpoint) on_endpoint(ep);
    });
  }
};

Server::Server(ServerOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() { close(); }

void Server::on_endpoint(std::function<void(std::shared_ptr<Endpoint>)> fn) {
  if (impl_->loop->io.get_executor().running_in_this_thread()) {
    impl_->on_endpoint = std::move(fn);
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  asio::post(impl_->loop->io, [this, fn = std::move(fn), done]() mutable {
    impl_->on_endpoint = std::move(fn);
    done->set_value();
  });
  done->get_future().wait();
}

Status Server::listen(const std::string& address) {
  ::tp::detail::Endpoint ep;
  if (Status st = ::tp::detail::resolve_endpoint("tcp", address, true, code::kDialFailed, ep);
      !st.ok())
    return st;
  boost::system::error_code ec;
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::from_code(code::kDialFailed, "listen " + address + ": " + ec.message());
  impl_->local = ::tp::detail::endpoint_text(a.local_endpoint());
  asio::post(impl_->loop->io, [impl = impl_.get()] { impl->accept(); });
  return {};
}

std::string Server::local_address() const { return impl_->local; }

std::shared_ptr<Endpoint> Server::endpoint(std::uint64_t client_id) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->by_id.find(client_id);
  return it == impl_->by_id.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Endpoint>> Server::endpoints() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::shared_ptr<Endpoint>> out;
  for (const auto& [id, ep] : impl_->by_id) out.push_back(ep);
  return out;
}

Metrics Server::metrics() const { return impl_->counters->read(); }

void Server::metric_samples(std::vector<MetricSample>& out) const {
  detail::append_samples(metrics(), "server", out);
}

void Server::close() {
  impl_->loop->close_all([impl = impl_.get()] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
  });
}

struct Client::Impl {
  using Ready = std::function<void(Result<std::shared_ptr<GoConn>>)>;
  ClientOptions options;
  std::shared_ptr<IoLoop> loop = std::make_shared<IoLoop>();
  std::shared_ptr<detail::GoCounters> counters = std::make_shared<detail::GoCounters>();
  // I/O thread:
  bool stopping = false;
  std::set<std::shared_ptr<asio::steady_timer>> timers;  // redials waiting for their backoff

  // Dials `remote` and starts a connection asking for client ID `wanted`: `prepare` sees it
  // before CONN goes out, `ready` once it passed the handshake or why it did not (I/O thread).
  void dial(const Address& remote, std::uint64_t wanted,
            std::function<void(const std::shared_ptr<GoConn>&)> prepare, Ready ready) {
    auto socket = std::make_shared<asio::generic::stream_protocol::socket>(loop->io);
    if (Status st = ::tp::detail::open_for_dial(*socket, "tcp", "", remote); !st.ok())
      return ready(st);
    auto timer = std::make_shared<asio::steady_timer>(loop->io, options.conn.handshake_timeout);
    timer->async_wait([socket](boost::system::error_code ec) {
      if (!ec) socket->close(ec);  // the connect then fails
    });
    socket->async_connect(remote, [this, socket, timer, remote, wanted,
                                   prepare = std::move(prepare),
                                   ready = std::move(ready)](boost::system::error_code ec) {
      timer->cancel();
      if (ec) {
        return ready(
            Status::from_code(code::kDialFailed,
                              "dial " + ::tp::detail::endpoint_text(remote) + ": " + ec.message()));
      }
      auto ids = std::make_shared<gowire::PacketIds>();
      auto c = std::make_shared<GoConn>(
          loop, std::move(*socket), loop->budget,
          gowire::Link::Options{.server = false, .next_id = [ids] { return ids->next(); }},
          limits_of(options.conn, options.heartbeat), options.conn, counters);
      loop->track(c);
      prepare(c);
      c->start(
          [meta = options.meta, wanted, hb = static_cast<std::uint32_t>(options.heartbeat.count())](
              gowire::Link& link) { return link.connect(meta, wanted, hb); },
          [c, ready](const Status& st) {
            if (!st.ok()) return ready(st);
            ready(c);
          });
    });
  }

  // Watches `conn`: when it is lost and the endpoint still wants it, dials again.
  void keep(std::weak_ptr<Endpoint> ep, std::shared_ptr<Anchor> anchor, Address remote,
            const std::shared_ptr<GoConn>& conn) {
    conn->add_closed_handler([this, ep, anchor, remote](const Status&) {
      redial(ep, anchor, remote, std::chrono::milliseconds(100));
    });
  }

  void redial(std::weak_ptr<Endpoint> ep, std::shared_ptr<Anchor> anchor, Address remote,
              std::chrono::milliseconds backoff) {
    if (stopping || !options.reconnect || anchor->closed() || ep.expired()) return;
    auto timer = std::make_shared<asio::steady_timer>(loop->io, backoff);
    timers.insert(timer);
    timer->async_wait([this, timer, ep, anchor, remote, backoff](boost::system::error_code ec) {
      timers.erase(timer);
      if (ec || stopping || anchor->closed() || ep.expired()) return;
      dial(
          remote, anchor->conn()->client_id(),
          [this, ep, anchor](const std::shared_ptr<GoConn>& c) {
            anchor->replace(c);
            if (auto e = ep.lock(); e && options.on_connect) options.on_connect(*e);
          },
          [this, ep, anchor, remote, backoff](Result<std::shared_ptr<GoConn>> r) {
            if (!r.ok()) {
              return redial(ep, anchor, remote, std::min(backoff * 2, options.max_backoff));
            }
            detail::GoCounters::bump(counters->reconnects);
            anchor->resend();
            keep(ep, anchor, remote, r.value);
          });
    });
  }
};

Client::Client(ClientOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
}

Client::~Client() {
  impl_->loop->close_all([impl = impl_.get()] {
    impl->stopping = true;
    for (const auto& t : impl->timers) t->cancel();
  });
}

Metrics Client::metrics() const { return impl_->counters->read(); }

void Client::metric_samples(std::vector<MetricSample>& out) const {
  detail::append_samples(metrics(), "client", out);
}

Result<std::shared_ptr<Endpoint>> Client::connect(const std::string& address) {
  using Out = Result<std::shared_ptr<Endpoint>>;
  auto& loop = *impl_->loop;
  if (loop.io.get_executor().running_in_this_thread()) {
    return Status(code::kInvalidOp, "geminio: a blocking call on the I/O thread", "connect");
  }
  Address remote;
  if (Status st = ::tp::detail::resolve_endpoint("tcp", address, false, code::kDialFailed, remote);
      !st.ok())
    return st;
  auto promise = std::make_shared<std::promise<Out>>();
  auto result = promise->get_future();
  asio::post(loop.io, [impl = impl_.get(), remote, promise] {
    struct First {  // the endpoint being made, until it is handed over
      std::shared_ptr<Anchor> anchor;
      std::shared_ptr<Endpoint> ep;
    };
    auto first = std::make_shared<First>();
    impl->dial(
        remote, impl->options.client_id,
        [impl, first](const std::shared_ptr<GoConn>& c) {
          first->anchor = std::make_shared<Anchor>(c, impl->options.reconnect);
          first->ep = std::make_shared<Endpoint>(first->anchor);
          if (impl->options.on_connect) impl->options.on_connect(*first->ep);
        },
        [impl, first, remote, promise](Result<std::shared_ptr<GoConn>> r) {
          if (!r.ok()) return promise->set_value(r.status);
          auto handover = [impl, first, remote, promise, c = r.value] {
            impl->keep(first->ep, first->anchor, remote, c);
            promise->set_value(std::move(first->ep));
          };
          const auto& o = impl->options;
          if (o.wait_methods.empty()) return handover();
          r.value->wait_methods(gowire::kDefaultStream, o.wait_methods, o.wait_timeout,
                                [first, promise, handover](const Status& waited) {
                                  if (!waited.ok()) return promise->set_value(waited);
                                  handover();
                                });
        });
  });
  return result.get();
}

}  // namespace tp::geminio
