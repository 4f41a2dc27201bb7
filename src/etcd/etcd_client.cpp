// EtcdClient: etcd v3 over gRPC, moving to the next member when one fails.
#include "etcd/etcd_client.hpp"

#include <boost/asio/ip/address.hpp>

namespace tp::etcd {
namespace {

// Failures that belong to the member asked, not to the request: another member may succeed.
bool member_failure(const grpc::Status& st) {
  switch (st.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNKNOWN:   // "etcdserver: no leader", "leader changed"
    case grpc::StatusCode::INTERNAL:  // a connection torn down mid-call
    case grpc::StatusCode::CANCELLED:
      return true;
    default:
      return false;
  }
}

// "ipv4:" or "ipv6:" for an address literal, so that gRPC uses no resolver; the name otherwise.
std::string grpc_target(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  std::string host = endpoint.substr(0, colon);
  const bool bracketed = host.size() > 2 && host.front() == '[';
  if (bracketed) host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(host, ec);
  if (ec) return endpoint;
  return (ip.is_v4() ? "ipv4:" : "ipv6:") + endpoint;
}

std::shared_ptr<grpc::Channel> make_channel(const std::string& endpoint) {
  grpc::ChannelArguments args;
  // gRPC's default reconnect backoff grows to two minutes: a member back from a restart would be
  // ignored that long. Discovery wants it noticed within a second. The "min" argument is both
  // the connect timeout and, in practice, the shortest wait between attempts: one second.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  // A member partitioned away (no RST, no FIN) is noticed by pings on a silent watch. etcd
  // accepts a ping every 5 s (--grpc-keepalive-min-time); faster ones would be refused.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  // A host name goes through gRPC's DNS resolver, which by default refuses to resolve again
  // within 30 s of the last time — and a member that came back waits for that. An address
  // literal needs no resolver at all.
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 500);
  return grpc::CreateCustomChannel(grpc_target(endpoint), grpc::InsecureChannelCredentials(), args);
}

Status to_status(const grpc::Status& st, const std::string& endpoint) {
  return Status::from_code(code::kDialFailed, "etcd " + endpoint + ": " + st.error_message() +
                                                  " (gRPC " + std::to_string(int(st.error_code())) +
                                                  ")");
}

}  // namespace

std::string prefix_range_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds op_timeout)
    : op_timeout_(op_timeout) {
  for (auto& endpoint : endpoints) {
    Member m;
    m.endpoint = std::move(endpoint);
    m.channel = make_channel(m.endpoint);
    m.kv = etcdserverpb::KV::NewStub(m.channel);
    m.watch = etcdserverpb::Watch::NewStub(m.channel);
    m.lease = etcdserverpb::Lease::NewStub(m.channel);
    members_.push_back(std::move(m));
  }
}

std::string EtcdClient::endpoints_text() const {
  std::string out;
  for (const auto& m : members_) out += (out.empty() ? "" : ",") + m.endpoint;
  return out;
}

std::unique_ptr<grpc::ClientContext> EtcdClient::begin(bool with_deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (with_deadline) {
    ctx->set_deadline(std::chrono::system_clock::now() + op_timeout_);
    // Synchronous gRPC makes progress on a connection only while a call waits on it: a call
    // failing fast while the channel reconnects would leave the reconnection to gRPC's backup
    // poller (every 5 s), and a member back from a restart unseen for that long. Waiting for
    // the channel, within the deadline, drives it.
    ctx->set_wait_for_ready(true);
  }
  std::lock_guard lock(mutex_);
  if (cancelled_) return nullptr;
  running_.insert(ctx.get());
  return ctx;
}

void EtcdClient::end(grpc::ClientContext* ctx) {
  std::lock_guard lock(mutex_);
  running_.erase(ctx);
}

void EtcdClient::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  for (auto* ctx : running_) ctx->TryCancel();
}

void EtcdClient::reopen() {
  std::lock_guard lock(mutex_);
  cancelled_ = false;
}

Status EtcdClient::cancelled_status() const {
  return Status::from_code(code::kConnClosed, "etcd client stopped");
}

template <class Op>
Status EtcdClient::on_some_member(Op op) {
  if (members_.empty()) return Status::bad_message("no etcd endpoint");
  Status last;
  for (std::size_t tried = 0; tried < members_.size(); ++tried) {
    const std::size_t index = current_.load() % members_.size();
    Member& m = members_[index];
    auto ctx = begin(true);
    if (!ctx) return cancelled_status();
    const grpc::Status st = op(m, *ctx);
    end(ctx.get());
    if (st.ok()) return {};
    last = to_status(st, m.endpoint);
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return cancelled_status();
    }
    if (!member_failure(st)) return last;
    // Move on, unless another thread already did.
    std::size_t expected = index;
    current_.compare_exchange_strong(expected, (index + 1) % members_.size());
  }
  return last;
}

Result<Listing> EtcdClient::list(const std::string& prefix) {
  etcdserverpb::RangeRequest req;
  req.set_key(prefix);
  req.set_range_end(prefix_range_end(prefix));
  etcdserverpb::RangeResponse resp;
  Status st = on_some_member([&](Member& m, grpc::ClientContext& ctx) {
    resp.Clear();
    return m.kv->Range(&ctx, req, &resp);
  });
  if (!st.ok()) return st;
  Listing out;
  out.revision = resp.header().revision();
  for (const auto& kv : resp.kvs()) out.kvs.push_back({kv.key(), kv.value()});
  return out;
}

Status EtcdClient::put(const std::string& key, const std::string& value, std::int64_t lease) {
  etcdserverpb::PutRequest req;
  req.set_key(key);
  req.set_value(value);
  req.set_lease(lease);
  etcdserverpb::PutResponse resp;
  return on_some_member(
      [&](Member& m, grpc::ClientContext& ctx) { return m.kv->Put(&ctx, req, &resp); });
}

Result<std::int64_t> EtcdClient::grant(std::chrono::seconds ttl, std::int64_t& granted_ttl) {
  etcdserverpb::LeaseGrantRequest req;
  req.set_ttl(ttl.count());
  etcdserverpb::LeaseGrantResponse resp;
  Status st = on_some_member([&](Member& m, grpc::ClientContext& ctx) {
    resp.Clear();
    return m.lease->LeaseGrant(&ctx, req, &resp);
  });
  if (!st.ok()) return st;
  if (!resp.error().empty() || resp.id() == 0) {
    return Status::from_code(code::kDialFailed, "etcd refused a lease: " + resp.error());
  }
  granted_ttl = resp.ttl();
  return resp.id();
}

Result<std::int64_t> EtcdClient::keep_alive(std::int64_t lease) {
  etcdserverpb::LeaseKeepAliveRequest req;
  req.set_id(lease);
  etcdserverpb::LeaseKeepAliveResponse resp;
  Status st = on_some_member([&](Member& m, grpc::ClientContext& ctx) {
    // One renewal per stream: a stream kept open would need its own reader thread, and a
    // renewal every TTL/3 costs nothing worth saving.
    auto stream = m.lease->LeaseKeepAlive(&ctx);
    if (!stream->Write(req) || !stream->Read(&resp)) {
      stream->WritesDone();
      grpc::Status finished = stream->Finish();
      return finished.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "keep-alive stream ended")
                           : finished;
    }
    stream->WritesDone();
    return stream->Finish();
  });
  if (!st.ok()) return st;
  return resp.ttl();
}

Status EtcdClient::revoke(std::int64_t lease) {
  etcdserverpb::LeaseRevokeRequest req;
  req.set_id(lease);
  etcdserverpb::LeaseRevokeResponse resp;
  return on_some_member(
      [&](Member& m, grpc::ClientContext& ctx) { return m.lease->LeaseRevoke(&ctx, req, &resp); });
}

Status EtcdClient::watch(const std::string& prefix, std::int64_t start_revision,
                         const std::function<void(std::vector<Change>)>& on_changes) {
  if (members_.empty()) return Status::bad_message("no etcd endpoint");
  const std::size_t index = current_.load() % members_.size();
  Member& m = members_[index];
  auto ctx = begin(false);
  if (!ctx) return cancelled_status();
  // Without it a member cut off from its cluster would keep the watch open and silent; with it
  // the member cancels the watch when it loses its leader (etcd's clientv3 sets it too).
  ctx->AddMetadata("hasleader", "true");
  auto stream = m.watch->Watch(ctx.get());
  etcdserverpb::WatchRequest req;
  auto* create = req.mutable_create_request();
  create->set_key(prefix);
  create->set_range_end(prefix_range_end(prefix));
  create->set_start_revision(start_revision);
  create->set_progress_notify(true);
  Status result;
  if (stream->Write(req)) {
    etcdserverpb::WatchResponse resp;
    while (stream->Read(&resp)) {
      if (resp.canceled()) {
        result = resp.compact_revision() > 0
                     ? Status::from_code(code::kNotFound,
                                         "compacted at " + std::to_string(resp.compact_revision()))
                     : Status::from_code(
                           code::kConnClosed,
                           "etcd " + m.endpoint + " cancelled the watch: " + resp.cancel_reason());
        ctx->TryCancel();
        break;
      }
      if (resp.events_size() == 0) continue;
      std::vector<Change> changes;
      for (const auto& ev : resp.events()) {
        changes.push_back({ev.kv().key(), ev.kv().value(), ev.type() == mvccpb::Event::DELETE});
      }
      on_changes(std::move(changes));
    }
  }
  const grpc::Status st = stream->Finish();
  end(ctx.get());
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return cancelled_status();
  }
  if (!result.ok()) return result;
  // A stream never ends well: the member went away or cut us off. The next watch (after a new
  // listing) starts on the next member.
  std::size_t expected = index;
  current_.compare_exchange_strong(expected, (index + 1) % members_.size());
  return st.ok() ? Status::from_code(code::kConnClosed, "etcd " + m.endpoint + " ended the watch")
                 : to_status(st, m.endpoint);
}

}  // namespace tp::etcd
