// EtcdClient: the few etcd v3 operations discovery needs, over etcd's gRPC API, against the
// members of one cluster in turn: an operation that fails on a member for a reason another
// member might not share (unreachable, no leader, timed out) moves on to the next one.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "etcd/proto/rpc.grpc.pb.h"
#include "teleport/status.hpp"

namespace tp::etcd {

/// One key under a prefix, as a listing or a watch event gives it.
struct KeyValue {
  std::string key;
  std::string value;
};

/// The keys under a prefix and the revision they were read at.
struct Listing {
  std::vector<KeyValue> kvs;
  std::int64_t revision = 0;
};

/// A watch event: a key written (value set) or deleted.
struct Change {
  std::string key;
  std::string value;
  bool deleted = false;
};

class EtcdClient {
 public:
  explicit EtcdClient(std::vector<std::string> endpoints,
                      std::chrono::milliseconds op_timeout = std::chrono::seconds(2));

  /// Every key under `prefix`.
  Result<Listing> list(const std::string& prefix);
  Status put(const std::string& key, const std::string& value, std::int64_t lease);
  /// A new lease; `granted_ttl` gets the TTL etcd gave it (it may raise a too small one).
  Result<std::int64_t> grant(std::chrono::seconds ttl, std::int64_t& granted_ttl);
  /// Renews `lease`; its remaining TTL in seconds, 0 when etcd no longer has it.
  Result<std::int64_t> keep_alive(std::int64_t lease);
  Status revoke(std::int64_t lease);

  /// Watches `prefix` from `start_revision`, calling `on_changes` for each batch, until the
  /// stream fails or is cancelled (an error) or etcd cancels the watch: 404 with the compacted
  /// revision as cause after a compaction, the member's reason otherwise.
  Status watch(const std::string& prefix, std::int64_t start_revision,
               const std::function<void(std::vector<Change>)>& on_changes);

  /// Cancels what runs now and fails what comes later, at once (for stopping from any thread).
  void cancel();
  /// Lets operations run again after cancel().
  void reopen();

  /// The members, joined with ',' (for messages).
  [[nodiscard]] std::string endpoints_text() const;

 private:
  struct Member {
    std::string endpoint;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  };

  // Runs `op` on the current member and, on a failure another member might not have, on the
  // next ones (each member once); the last failure otherwise.
  template <class Op>
  Status on_some_member(Op op);
  // A context with the operation deadline, registered so that cancel() reaches it.
  std::unique_ptr<grpc::ClientContext> begin(bool with_deadline);
  void end(grpc::ClientContext* ctx);
  Status cancelled_status() const;

  std::vector<Member> members_;
  std::atomic<std::size_t> current_{0};
  const std::chrono::milliseconds op_timeout_;
  std::mutex mutex_;
  std::set<grpc::ClientContext*> running_;
  bool cancelled_ = false;
};

/// The end of the range of keys that start with `prefix` (etcd's prefix convention).
std::string prefix_range_end(const std::string& prefix);

}  // namespace tp::etcd
