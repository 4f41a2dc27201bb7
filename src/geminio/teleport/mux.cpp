#include "geminio/teleport/mux.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <future>

#include "geminio/teleport/wire.hpp"
#include "teleport/asio.hpp"

namespace tp::geminio::teleport::detail {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxEarlyFrames = 65536;
// Session swap key holding the weak endpoint, for stream_of()/endpoint_of().
constexpr const char* kEndpointKey = "tp.geminio.endpoint";

std::vector<std::string> string_list(const json::value* v) {
  std::vector<std::string> out;
  if (const auto* a = v ? v->if_array() : nullptr) {
    for (const auto& e : *a) {
      if (const auto* s = e.if_string()) out.emplace_back(*s);
    }
  }
  return out;
}

std::uint64_t uint_of(const json::object& o, std::string_view key, std::uint64_t fallback) {
  const auto* v = o.if_contains(key);
  if (v && v->is_uint64()) return v->as_uint64();
  if (v && v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return fallback;
}

}  // namespace

Mux::Mux(Side s, MuxOptions opts)
    : side(s), options([&] {
        if (!opts.dedup) opts.dedup = std::make_shared<DedupStore>();
        return std::move(opts);
      }()) {}

void Mux::install(Peer& peer) {
  std::weak_ptr<Mux> weak = weak_from_this();
  (void)peer.router().route_call(std::string(wire::kHello), [weak](Ctx& ctx) -> Status {
    auto self = weak.lock();
    return self ? self->on_hello(ctx) : Status::from_code(code::kConnClosed, "closing");
  });
  for (std::string_view sm : {wire::kMethods, wire::kOpen, wire::kData, wire::kCredit, wire::kFin,
                              wire::kReset, wire::kMessage, wire::kAck}) {
    (void)peer.router().route_push(std::string(sm), [weak](Ctx& ctx) -> Status {
      auto self = weak.lock();
      return self ? self->dispatch(ctx) : Status();
    });
  }
  peer.add_metrics_source([weak, side = side](std::vector<MetricSample>& out) {
    if (auto self = weak.lock())
      append_samples(self->metrics(), side == Side::kServer ? "server" : "client", out);
  });
}

void Mux::track(const std::shared_ptr<EndpointImpl>& ep) {
  std::lock_guard lock(tracked_mutex_);
  ++retired_.endpoints_created;
  tracked_.emplace_back(ep, ep->counts);
  // Fold the counts of endpoints gone now and then, so the list stays as long as the live ones.
  if (tracked_.size() >= 2 * tracked_after_prune_ + 16) {
    std::erase_if(tracked_, [&](const auto& t) {
      if (!t.first.expired()) return false;
      t.second->add_to(retired_);
      return true;
    });
    tracked_after_prune_ = tracked_.size();
  }
}

GeminioMetrics Mux::metrics() {
  std::lock_guard lock(tracked_mutex_);
  std::erase_if(tracked_, [&](const auto& t) {
    if (!t.first.expired()) return false;
    t.second->add_to(retired_);
    return true;
  });
  tracked_after_prune_ = tracked_.size();
  GeminioMetrics m = retired_;
  for (const auto& [weak, counts] : tracked_) {
    counts->add_to(m);
    if (auto ep = weak.lock()) ep->add_gauges_to(m);
  }
  return m;
}

std::string Mux::methods_json() const {
  std::lock_guard lock(mutex);
  json::array a;
  for (const auto& m : methods_) a.emplace_back(m);
  return json::serialize(a);
}

Status Mux::post_reg(std::string_view sm, MsgType) {
  if (sm.starts_with(wire::kPrefix)) return {};
  std::vector<std::shared_ptr<EndpointImpl>> endpoints;
  {
    std::lock_guard lock(mutex);
    methods_.emplace(sm);
    for (const auto& [s, ep] : by_session) endpoints.push_back(ep);
  }
  // Methods registered after clients connected reach them too (connect() may wait for them).
  const std::string list = methods_json();
  for (const auto& ep : endpoints) {
    if (auto s = ep->session())
      (void)s->push_raw(std::string(wire::kMethods), codec_id::kJson, list, {});
  }
  return {};
}

std::shared_ptr<EndpointImpl> Mux::endpoint_of(const Session& session) const {
  std::lock_guard lock(mutex);
  auto it = by_session.find(&session);
  return it == by_session.end() ? nullptr : it->second;
}

std::uint64_t Mux::free_id(std::uint64_t requested) const {
  if (requested != 0 && !by_client.contains(requested)) return requested;
  std::uint64_t id = next_client_id_;
  while (by_client.contains(id)) ++id;
  return id;
}

Status Mux::on_hello(Ctx& ctx) {
  if (side != Side::kServer) return Status::from_code(code::kNotFound, "");
  boost::system::error_code ec;
  const json::value v = json::parse(ctx.input().body, ec);
  const json::object* hello = ec ? nullptr : v.if_object();
  if (!hello) return Status::bad_message("geminio: hello is not a JSON object");
  const std::uint64_t requested = uint_of(*hello, "client_id", 0);
  const bool reconnect = hello->contains("reconnect") && hello->at("reconnect").is_bool() &&
                         hello->at("reconnect").as_bool();
  Meta meta;
  if (const auto* m = hello->if_contains("meta"); m && m->is_string()) {
    if (Status st = Meta::decode(m->as_string(), meta); !st.ok()) return st;
  }
  const auto window = static_cast<std::uint32_t>(uint_of(*hello, "window", options.window));
  auto session = ctx.session().weak_self().lock();
  if (!session) return Status::from_code(code::kConnClosed, "closing");

  std::shared_ptr<EndpointImpl> ep;
  bool fresh = false;
  std::shared_ptr<Session> previous;
  std::vector<Message> early;
  std::vector<std::shared_ptr<EndpointImpl>> forgotten;
  {
    std::unique_lock lock(mutex);
    forgotten = take_forgotten();
    if (auto it = by_client.find(requested); reconnect && it != by_client.end()) {
      ep = it->second;
    } else {
      Result<std::uint64_t> id{free_id(requested)};
      if (assign) {
        lock.unlock();  // the application's hook runs without our lock
        id = assign(requested, meta);
        lock.lock();
      }
      if (!id.status.ok()) return id.status;
      if (by_client.contains(id.value)) {
        return Status(code::kInvalidOp, "client id in use", std::to_string(id.value));
      }
      ep = EndpointImpl::create(shared_from_this(), Side::kServer, id.value, meta,
                                io_executor(*session));
      by_client[id.value] = ep;
      next_client_id_ = std::max(next_client_id_, id.value + 1);
      fresh = true;
    }
    lost_at_.erase(ep->client_id.load());
    previous = ep->session();
    if (previous == session) previous.reset();
    if (previous) by_session.erase(previous.get());
    by_session[session.get()] = ep;
    if (auto it = early_.find(session.get()); it != early_.end()) {
      early = std::move(it->second);
      early_.erase(it);
    }
  }
  close_forgotten(forgotten);
  if (previous) {
    ep->connection_lost(previous.get(), "replaced by a new connection");
    previous->close();
  }
  session->swap().set(kEndpointKey, std::weak_ptr<EndpointImpl>(ep));
  ep->bind(session, window);
  ep->set_remote_methods(string_list(hello->if_contains("methods")));
  json::object reply;
  reply["client_id"] = ep->client_id.load();
  reply["methods"] = json::parse(methods_json());
  reply["window"] = options.window;
  ctx.set_reply_raw(codec_id::kJson, json::serialize(reply));
  for (Message& m : early) {  // what the client wrote before its hello, in order
    Message unused;
    Ctx replay(*session, m, unused);
    (void)dispatch(replay);
  }
  ep->resend_unacknowledged();
  if (fresh && on_new_endpoint) on_new_endpoint(std::make_shared<Endpoint>(ep));
  return {};
}

Status Mux::dispatch(Ctx& ctx) {
  auto ep = endpoint_of(ctx.session());
  if (!ep) {
    if (side == Side::kClient) return {};
    std::lock_guard lock(mutex);
    auto& queue = early_[&ctx.session()];
    if (queue.size() >= kMaxEarlyFrames) {
      ctx.session().close();  // a client that never says hello cannot buffer without bound
      return {};
    }
    queue.push_back(ctx.input());
    return {};
  }
  const Message& in = ctx.input();
  const std::string path = in.path();
  const std::uint64_t stream = wire::meta_number(in.meta, wire::kStreamKey).value_or(0);
  if (path == wire::kData) {
    ep->on_data(stream, in.body);
  } else if (path == wire::kCredit) {
    ep->on_credit(stream,
                  static_cast<std::uint32_t>(std::min<std::uint64_t>(
                      wire::meta_number(in.meta, wire::kCountKey).value_or(0), UINT32_MAX)));
  } else if (path == wire::kMessage) {
    const auto delivery = wire::meta_number(in.meta, wire::kDeliveryKey).value_or(1);
    ep->on_message(stream, wire::meta_number(in.meta, wire::kIdKey).value_or(0),
                   std::string(in.meta.get(wire::kTopicKey).value_or("")), in.body,
                   std::string(in.meta.get(wire::kCustomKey).value_or("")),
                   static_cast<Delivery>(std::min<std::uint64_t>(delivery, 2)));
  } else if (path == wire::kAck) {
    auto err = in.meta.get(wire::kErrorKey);
    ep->on_ack(wire::meta_number(in.meta, wire::kIdKey).value_or(0),
               err ? std::optional<std::string>(*err) : std::nullopt);
  } else if (path == wire::kOpen) {
    Meta meta;
    if (Meta::decode(in.body, meta).ok()) ep->on_open(stream, std::move(meta));
  } else if (path == wire::kFin) {
    ep->on_fin(stream);
  } else if (path == wire::kReset) {
    ep->on_reset(stream, std::string(in.meta.get(wire::kReasonKey).value_or("reset")));
  } else if (path == wire::kMethods) {
    boost::system::error_code ec;
    const json::value v = json::parse(in.body, ec);
    if (!ec) ep->set_remote_methods(string_list(&v));
  }
  return {};
}

std::string Mux::hello_body(std::uint64_t client_id, bool reconnect, const Meta& meta) const {
  json::object hello;
  hello["client_id"] = client_id;
  hello["reconnect"] = reconnect;
  hello["meta"] = meta.encode();
  hello["methods"] = json::parse(methods_json());
  hello["window"] = options.window;
  return json::serialize(hello);
}

Result<Mux::HelloReply> Mux::parse_hello_reply(const Message& reply) const {
  if (!reply.status.ok()) return reply.status;
  boost::system::error_code ec;
  const json::value v = json::parse(reply.body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o) return Status::bad_message("geminio: bad hello reply");
  return HelloReply{uint_of(*o, "client_id", 0),
                    static_cast<std::uint32_t>(uint_of(*o, "window", options.window)),
                    string_list(o->if_contains("methods"))};
}

std::pair<std::shared_ptr<EndpointImpl>, Status> Mux::hello(const std::shared_ptr<Session>& s,
                                                            const ClientOptions& client) {
  auto ep = EndpointImpl::create(shared_from_this(), Side::kClient, client.client_id, client.meta,
                                 io_executor(*s));
  {
    std::lock_guard lock(mutex);
    by_session[s.get()] = ep;
  }
  s->swap().set(kEndpointKey, std::weak_ptr<EndpointImpl>(ep));
  ep->bind(s, options.window);
  std::promise<Message> answer;
  s->call_raw(std::string(wire::kHello), codec_id::kJson,
              hello_body(client.client_id, false, client.meta), {},
              [&answer](Message& reply) { answer.set_value(reply); });
  auto [accepted, st] = parse_hello_reply(answer.get_future().get());
  if (!st.ok()) {
    std::lock_guard lock(mutex);
    by_session.erase(s.get());
    return {nullptr, st};
  }
  ep->client_id = accepted.client_id;
  ep->bind(s, accepted.window);
  ep->set_remote_methods(std::move(accepted.methods));
  std::lock_guard lock(mutex);
  by_client[ep->client_id.load()] = ep;
  return {ep, {}};
}

void Mux::say_hello_again(Session& session, const std::shared_ptr<EndpointImpl>& ep) {
  session.call_raw(std::string(wire::kHello), codec_id::kJson,
                   hello_body(ep->client_id.load(), true, ep->client_meta), {},
                   [self = shared_from_this(), weak_ep = std::weak_ptr<EndpointImpl>(ep),
                    weak_s = session.weak_self()](Message& reply) {
                     auto ep = weak_ep.lock();
                     auto s = weak_s.lock();
                     auto [accepted, st] = self->parse_hello_reply(reply);
                     if (!ep || !s || !st.ok()) return;  // the next redial tries again
                     ep->bind(s, accepted.window);
                     ep->set_remote_methods(std::move(accepted.methods));
                     ep->resend_unacknowledged();
                   });
}

Status Mux::post_dial(Session& session, bool redialed) {
  if (!redialed) return {};
  auto ep = endpoint_of(session);
  if (!ep) return {};
  // The connection before this one is gone with its streams; say hello on the new one.
  ep->connection_lost(&session, "connection lost");
  say_hello_again(session, ep);
  return {};
}

Status Mux::post_disconnect(Session& session) {
  std::shared_ptr<EndpointImpl> ep;
  {
    std::lock_guard lock(mutex);
    early_.erase(&session);
    auto it = by_session.find(&session);
    if (it == by_session.end()) return {};
    ep = it->second;
    by_session.erase(it);
    if (side == Side::kServer && !ep->session_other_than(&session))
      lost_at_[ep->client_id.load()] = std::chrono::steady_clock::now();
  }
  if (side == Side::kClient) {
    ep->close("connection closed");  // the client end gave up reconnecting
  } else {
    ep->connection_lost(&session, "connection lost");  // kept for the client's return
    forget_later(ep->executor);
  }
  return {};
}

void Mux::forget_later(const boost::asio::any_io_executor& executor) {
  // Without it a client that never returns would be forgotten (and its on_gone run) only when
  // the next client says hello or someone lists the endpoints. The timer lives on its
  // executor's thread: made, awaited and cancelled there.
  boost::asio::post(executor, [weak = weak_from_this(), executor] {
    auto self = weak.lock();
    if (!self) return;
    auto timer =
        std::make_shared<boost::asio::steady_timer>(executor, self->options.resume_timeout);
    {
      std::lock_guard lock(self->mutex);
      if (self->timers_stopped_) return;
      std::erase_if(self->forget_timers_, [](const auto& t) { return t.expired(); });
      self->forget_timers_.push_back(timer);
    }
    timer->async_wait([weak, timer](boost::system::error_code ec) {
      auto mux = weak.lock();
      if (ec || !mux) return;
      std::vector<std::shared_ptr<EndpointImpl>> forgotten;
      {
        std::lock_guard lock(mux->mutex);
        forgotten = mux->take_forgotten();
      }
      mux->close_forgotten(forgotten);
    });
  });
}

std::vector<std::shared_ptr<EndpointImpl>> Mux::take_forgotten() {
  std::vector<std::shared_ptr<EndpointImpl>> out;
  const auto now = std::chrono::steady_clock::now();
  for (auto it = lost_at_.begin(); it != lost_at_.end();) {
    if (now - it->second < options.resume_timeout) {
      ++it;
      continue;
    }
    if (auto ep = by_client.find(it->first); ep != by_client.end()) {
      out.push_back(ep->second);
      by_client.erase(ep);
    }
    it = lost_at_.erase(it);
  }
  return out;
}

void Mux::close_forgotten(std::vector<std::shared_ptr<EndpointImpl>>& endpoints) {
  for (auto& ep : endpoints) ep->close("the client did not come back within resume_timeout");
}

std::vector<std::shared_ptr<EndpointImpl>> Mux::endpoints() {
  std::vector<std::shared_ptr<EndpointImpl>> forgotten;
  std::vector<std::shared_ptr<EndpointImpl>> out;
  {
    std::lock_guard lock(mutex);
    forgotten = take_forgotten();
    for (const auto& [id, ep] : by_client) out.push_back(ep);
  }
  close_forgotten(forgotten);
  return out;
}

void Mux::stop_timers() {
  std::vector<std::weak_ptr<boost::asio::steady_timer>> timers;
  {
    std::lock_guard lock(mutex);
    timers_stopped_ = true;
    timers.swap(forget_timers_);
  }
  // A timer is only touched on its own thread, so the cancel goes there.
  for (auto& weak : timers) {
    if (auto timer = weak.lock()) {
      boost::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    }
  }
}

void Mux::close_all() {
  std::map<std::uint64_t, std::shared_ptr<EndpointImpl>> all;
  {
    std::lock_guard lock(mutex);
    all.swap(by_client);
    by_session.clear();
    lost_at_.clear();
    early_.clear();
  }
  for (auto& [id, ep] : all) ep->close("endpoint closed");
}

}  // namespace tp::geminio::teleport::detail
