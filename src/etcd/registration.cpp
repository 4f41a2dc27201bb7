// Registration: a backend's key on etcd under a lease that one thread keeps alive, granting a
// new lease and writing the key again whenever etcd lost the old one.
#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <condition_variable>
#include <cstdio>
#include <thread>

#include "etcd/etcd_client.hpp"
#include "teleport/etcd.hpp"
#include "teleport/logging.hpp"
#include "teleport/peer.hpp"

namespace tp::etcd {

struct Registration::Impl {
  Impl(Target t, std::string v, RegistrationOptions o)
      : target(std::move(t)),
        value(std::move(v)),
        options(std::move(o)),
        client(target.endpoints),
        log(default_logger()) {}

  const Target target;
  const std::string value;
  const RegistrationOptions options;
  EtcdClient client;
  std::shared_ptr<spdlog::logger> log;
  std::thread thread;

  mutable std::mutex mutex;
  mutable std::condition_variable cv;
  bool stopping = false;
  bool deregistered = false;
  std::int64_t lease = 0;  // 0: none granted (or the last one was lost)
  std::string key;
  bool registered = false;

  void run() {
    auto backoff = options.retry_backoff;
    std::chrono::milliseconds renew_every = options.ttl / 3;
    bool failing = false;
    std::int64_t lease_now = 0;
    while (!stopping_now()) {
      Status st;
      if (lease_now == 0) {
        std::int64_t granted_ttl = 0;
        auto granted = client.grant(options.ttl, granted_ttl);
        st = granted.status;
        if (st.ok()) {
          lease_now = granted.value;
          renew_every =
              std::chrono::milliseconds(std::max<std::int64_t>(granted_ttl, 1) * 1000 / 3);
          st = write_key(lease_now);
          if (!st.ok()) lease_now = 0;  // it expires on its own
        }
      } else {
        auto ttl_left = client.keep_alive(lease_now);
        st = ttl_left.status;
        if (st.ok() && ttl_left.value <= 0) {
          // etcd forgot the lease (cut off longer than the TTL): the key went with it.
          log->warn("etcd registration {}: lease {:x} lost; registering again", key_now(),
                    lease_now);
          set_registered(false, 0, "");
          lease_now = 0;
          continue;
        }
      }
      if (!st.ok()) {
        if (!failing) {
          log->warn("etcd registration of {} on {}: {}; retrying with backoff", value,
                    client.endpoints_text(), st.cause());
        }
        failing = true;
        wait(backoff);
        backoff = std::min(backoff * 2, options.max_retry_backoff);
        continue;
      }
      if (failing) log->info("etcd registration {}: etcd reachable again", key_now());
      failing = false;
      backoff = options.retry_backoff;
      wait(renew_every);
    }
  }

  Status write_key(std::int64_t lease_id) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(lease_id));
    std::string k = service_prefix(target.service) + hex;
    if (Status st = client.put(k, value, lease_id); !st.ok()) return st;
    log->info("etcd: registered {} as {}", value, k);
    set_registered(true, lease_id, std::move(k));
    return {};
  }

  void set_registered(bool on, std::int64_t lease_id, std::string k) {
    std::lock_guard lock(mutex);
    registered = on;
    lease = lease_id;
    key = std::move(k);
    cv.notify_all();
  }

  std::string key_now() const {
    std::lock_guard lock(mutex);
    return key;
  }

  bool stopping_now() const {
    std::lock_guard lock(mutex);
    return stopping;
  }

  void wait(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, d, [&] { return stopping; });
  }

  void deregister() {
    std::int64_t lease_id = 0;
    std::string k;
    {
      std::lock_guard lock(mutex);
      if (deregistered) return;
      deregistered = true;
      stopping = true;
      cv.notify_all();
    }
    client.cancel();  // a renewal under way would hold the thread up to its deadline
    if (thread.joinable()) thread.join();
    client.reopen();
    {
      std::lock_guard lock(mutex);
      lease_id = lease;
      k = key;
      registered = false;
      lease = 0;
      key.clear();
    }
    if (lease_id == 0) return;
    // Revoking deletes the key with the lease; a failure leaves it to expire within the TTL.
    if (Status st = client.revoke(lease_id); !st.ok()) {
      log->warn("etcd: deregistering {}: {} (it expires within {} s)", k, st.cause(),
                options.ttl.count());
      return;
    }
    log->info("etcd: deregistered {}", k);
  }
};

Registration::Registration(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Registration::~Registration() { deregister(); }

Result<std::shared_ptr<Registration>> Registration::start(std::string_view target,
                                                          RegistrationOptions options) {
  auto parsed = parse_target(target);
  if (!parsed.ok()) return parsed.status;
  if (options.ttl.count() < 1) return Status::bad_message("a registration's TTL must be >= 1 s");
  auto value =
      encode_backend({.addr = options.addr, .weight = options.weight, .meta = options.meta});
  if (!value.ok()) return value.status;
  auto impl =
      std::make_unique<Impl>(std::move(parsed.value), std::move(value.value), std::move(options));
  Impl* raw = impl.get();
  std::shared_ptr<Registration> reg(new Registration(std::move(impl)));
  raw->thread = std::thread([raw] { raw->run(); });
  return reg;
}

void Registration::deregister() { impl_->deregister(); }

bool Registration::registered() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->registered;
}

bool Registration::wait_registered(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->registered; });
}

std::string Registration::key() const { return impl_->key_now(); }

Result<std::shared_ptr<Registration>> register_peer(Peer& peer, std::string_view target,
                                                    RegistrationOptions options) {
  if (options.addr.empty()) {
    const std::string& listen = peer.config().listen_address;
    const auto colon = listen.rfind(':');
    std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    const auto ip = boost::asio::ip::make_address(host, ec);
    if (host.empty() || (!ec && ip.is_unspecified())) {
      return Status::bad_message("the peer listens on '" + listen +
                                 "', an address clients cannot dial: set "
                                 "RegistrationOptions::addr to the one they can");
    }
    if (peer.listen_port() == 0) {
      return Status::bad_message("the peer is not listening on TCP: listen() first");
    }
    const bool v6 = !ec && ip.is_v6();
    options.addr = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(peer.listen_port());
  }
  const auto drain = options.drain;
  auto reg = Registration::start(target, std::move(options));
  if (!reg.ok()) return reg;
  // Clients move away once they see the key gone; until then the peer still accepts.
  peer.on_shutdown([held = reg.value, drain] {
    held->deregister();
    std::this_thread::sleep_for(drain);
  });
  return reg;
}

}  // namespace tp::etcd
