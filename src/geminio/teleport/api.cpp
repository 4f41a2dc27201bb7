// The public handles (Inbound, Stream, Endpoint, Server, Client) over the layer's internals.
#include <boost/asio/post.hpp>
#include <future>

#include "support/threads.hpp"

#include "geminio/teleport/mux.hpp"
#include "geminio/teleport/user_plugin.hpp"
#include "geminio/teleport/wire.hpp"

namespace tp::geminio::teleport {

using detail::EndpointImpl;

// ---- Inbound ----

std::uint64_t Inbound::id() const { return state_->id; }
std::uint64_t Inbound::stream_id() const { return state_->stream; }
const std::string& Inbound::topic() const { return state_->topic; }
const std::string& Inbound::payload() const { return state_->payload; }
const std::string& Inbound::custom() const { return state_->custom; }
Delivery Inbound::delivery() const { return state_->delivery; }

void Inbound::done() {
  if (state_->acked.exchange(true)) return;
  if (auto ep = state_->endpoint.lock()) ep->acknowledge(*state_, std::nullopt);
}

void Inbound::error(std::string reason) {
  if (state_->acked.exchange(true)) return;
  if (auto ep = state_->endpoint.lock()) ep->acknowledge(*state_, std::move(reason));
}

// ---- Stream ----

Stream::executor_type Stream::get_executor() const { return impl_->executor; }
std::uint64_t Stream::id() const { return impl_->id; }
std::uint64_t Stream::client_id() const {
  auto ep = impl_->endpoint.lock();
  return ep ? ep->client_id.load() : 0;
}
const Meta& Stream::meta() const { return impl_->meta; }
Side Stream::opened_by() const { return impl_->opened_by; }

bool Stream::is_open() const {
  auto ep = impl_->endpoint.lock();
  if (!ep) return false;
  for (const auto& s : ep->streams()) {
    if (s == impl_) return ep->session() != nullptr;
  }
  return false;
}

void Stream::start_read(const std::shared_ptr<detail::StreamImpl>& impl,
                        std::vector<boost::asio::mutable_buffer> buffers, Handler handler) {
  if (auto ep = impl->endpoint.lock()) {
    ep->read(impl, std::move(buffers), std::move(handler));
    return;
  }
  boost::asio::post(impl->executor, [h = std::move(handler)]() mutable {
    std::move(h)(boost::asio::error::connection_reset, 0);
  });
}

void Stream::start_write(const std::shared_ptr<detail::StreamImpl>& impl,
                         std::vector<boost::asio::const_buffer> buffers, Handler handler) {
  if (auto ep = impl->endpoint.lock()) {
    ep->write(impl, std::move(buffers), std::move(handler));
    return;
  }
  boost::asio::post(impl->executor, [h = std::move(handler)]() mutable {
    std::move(h)(boost::asio::error::connection_reset, 0);
  });
}

void Stream::close() {
  if (auto ep = impl_->endpoint.lock()) ep->close_stream(impl_);
}

void Stream::reset(std::string reason) {
  if (auto ep = impl_->endpoint.lock()) ep->reset_stream(impl_, std::move(reason));
}

std::shared_ptr<Session> Stream::session_for(CallOptions& opts) const {
  auto ep = impl_->endpoint.lock();
  if (!ep) return nullptr;
  if (impl_->id != 0) opts.meta.set(wire::kCallStreamKey, std::to_string(impl_->id));
  return ep->session();
}

Status Stream::not_connected() { return Status::from_code(code::kConnClosed, "not connected"); }

Status Stream::publish(OutMessage msg) {
  if (tp::detail::on_io_thread()) {
    return {code::kInvalidOp, "Invalid Operation",
            "publish waits for the acknowledgment: on an I/O thread it would stall its loop "
            "(use async_publish)"};
  }
  auto done = std::make_shared<std::promise<Status>>();
  auto result = done->get_future();
  start_publish(impl_, std::move(msg), [done](Status st) { done->set_value(std::move(st)); });
  return result.get();
}

void Stream::start_publish(const std::shared_ptr<detail::StreamImpl>& impl, OutMessage msg,
                           std::function<void(Status)> done) {
  auto ep = impl->endpoint.lock();
  if (!ep) {
    done(Status::from_code(code::kConnClosed, "stream closed"));
    return;
  }
  ep->publish(impl->id, std::move(msg), std::move(done));
}

std::optional<Inbound> Stream::receive(std::chrono::milliseconds timeout) {
  auto ep = impl_->endpoint.lock();
  return ep ? ep->receive(impl_, timeout) : std::nullopt;
}

void Stream::on_message(MessageHandler handler) {
  if (auto ep = impl_->endpoint.lock()) ep->set_message_handler(impl_, std::move(handler));
}

// ---- Endpoint ----

std::uint64_t Endpoint::client_id() const { return impl_->client_id.load(); }
Side Endpoint::side() const { return impl_->side; }
Meta Endpoint::client_meta() const { return impl_->client_meta; }
std::shared_ptr<Session> Endpoint::session() const { return impl_->session(); }
std::vector<std::string> Endpoint::remote_methods() const { return impl_->remote_methods(); }
Stream Endpoint::default_stream() const { return Stream(impl_->default_stream()); }

Result<Stream> Endpoint::open_stream(Meta meta) {
  auto [s, st] = impl_->open_stream(std::move(meta));
  if (!s) return st;
  return Stream(s);
}

std::optional<Stream> Endpoint::accept_stream(std::chrono::milliseconds timeout) {
  auto s = impl_->accept_stream(timeout);
  if (!s) return std::nullopt;
  return Stream(s);
}

void Endpoint::on_stream(std::function<void(Stream)> fn) {
  impl_->set_stream_handler(std::move(fn));
}

void Endpoint::on_gone(std::function<void(const Status&)> fn) { impl_->on_gone(std::move(fn)); }

std::vector<Stream> Endpoint::list_streams() const {
  std::vector<Stream> out;
  for (auto& s : impl_->streams()) out.emplace_back(s);
  return out;
}

void Endpoint::close() {
  auto session = impl_->session();
  impl_->close("endpoint closed");
  if (impl_->side == Side::kClient && session) session->close();
}

// ---- context helpers ----

namespace {
std::shared_ptr<EndpointImpl> endpoint_impl_of(Ctx& ctx) {
  auto weak = ctx.session().swap().get<std::weak_ptr<EndpointImpl>>("tp.geminio.endpoint");
  return weak ? weak->lock() : nullptr;
}
}  // namespace

std::optional<Stream> stream_of(Ctx& ctx) {
  auto ep = endpoint_impl_of(ctx);
  if (!ep) return std::nullopt;
  const std::uint64_t id = wire::meta_number(ctx.meta(), wire::kCallStreamKey).value_or(0);
  for (auto& s : ep->streams()) {
    if (s->id == id) return Stream(s);
  }
  return std::nullopt;
}

std::shared_ptr<Endpoint> endpoint_of(Ctx& ctx) {
  auto ep = endpoint_impl_of(ctx);
  return ep ? std::make_shared<Endpoint>(ep) : nullptr;
}

// ---- Server ----

Server::Server(PeerConfig config, MuxOptions options, Plugins plugins)
    : mux_(std::make_shared<detail::Mux>(Side::kServer, std::move(options))) {
  plugins = detail::UserPlugin::wrap_all(std::move(plugins));
  plugins.insert(plugins.begin(), mux_);
  peer_ = std::make_unique<Peer>(std::move(config), std::move(plugins));
  mux_->install(*peer_);
}

Server::~Server() { close(); }
Peer& Server::peer() { return *peer_; }
void Server::set_assign_id(AssignId assign) { mux_->assign = std::move(assign); }
void Server::on_endpoint(std::function<void(std::shared_ptr<Endpoint>)> fn) {
  mux_->on_new_endpoint = std::move(fn);
}
Status Server::listen() { return peer_->listen(); }

std::shared_ptr<Endpoint> Server::endpoint(std::uint64_t client_id) const {
  std::lock_guard lock(mux_->mutex);
  auto it = mux_->by_client.find(client_id);
  return it == mux_->by_client.end() ? nullptr : std::make_shared<Endpoint>(it->second);
}

std::vector<std::shared_ptr<Endpoint>> Server::endpoints() const {
  std::vector<std::shared_ptr<Endpoint>> out;
  for (auto& ep : mux_->endpoints()) out.push_back(std::make_shared<Endpoint>(ep));
  return out;
}

GeminioMetrics Server::metrics() const { return mux_->metrics(); }

GeminioMetrics Client::metrics() const { return mux_->metrics(); }

void Server::close() {
  mux_->stop_timers();
  peer_->close();
  mux_->close_all();
}

// ---- Client ----

Client::Client(PeerConfig config, MuxOptions options, ClientOptions client, Plugins plugins)
    : mux_(std::make_shared<detail::Mux>(Side::kClient, std::move(options))),
      client_(std::move(client)) {
  plugins = detail::UserPlugin::wrap_all(std::move(plugins));
  plugins.insert(plugins.begin(), mux_);
  peer_ = std::make_unique<Peer>(std::move(config), std::move(plugins));
  mux_->install(*peer_);
}

Client::~Client() {
  peer_->close();
  mux_->close_all();
}

Peer& Client::peer() { return *peer_; }

Result<std::shared_ptr<Endpoint>> Client::connect(const std::string& addr) {
  // Refused on an I/O thread by dial(): connecting waits for the connection and the hello.
  auto [session, st] = peer_->dial(addr);
  if (!st.ok()) return st;
  auto [ep, hst] = mux_->hello(session, client_);
  if (!hst.ok()) {
    session->close();
    return hst;
  }
  if (!client_.wait_methods.empty() &&
      !ep->wait_remote_methods(client_.wait_methods, client_.wait_timeout)) {
    session->close();
    return Status::from_code(code::kDialFailed,
                             "the server did not register the awaited methods in time");
  }
  return std::make_shared<Endpoint>(ep);
}

}  // namespace tp::geminio::teleport
