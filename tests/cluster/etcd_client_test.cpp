// The etcd component's client against a real etcd: what the resolver relies on when a watch
// starts from a revision etcd has compacted away, and when a member is down.
#include <gtest/gtest.h>

#include "etcd/etcd_client.hpp"
#include "support/etcd_cluster.hpp"

namespace tp::etcd {
namespace {

using namespace std::chrono_literals;

// A watch from before the compacted revision ends with 404 naming it (the resolver then lists
// again); a watch from after it delivers the changes in order.
TEST(EtcdClient, WatchFromACompactedRevisionSaysSo) {
  test::EtcdCluster etcd;
  EtcdClient client({etcd.endpoint(0)});
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.put("/t/a", std::to_string(i), 0).ok());
  }
  auto listing = client.list("/t/");
  ASSERT_TRUE(listing.ok()) << listing.status.to_string();
  const std::int64_t rev = listing.value.revision;
  const std::string out = etcd.etcdctl("compact " + std::to_string(rev));
  ASSERT_NE(out.find("compacted revision"), std::string::npos) << out;

  Status st = client.watch("/t/", rev - 2, [](std::vector<Change>) {});
  EXPECT_EQ(st.code(), code::kNotFound) << st.to_string();
  EXPECT_NE(st.cause().find("compacted at"), std::string::npos) << st.to_string();

  std::vector<Change> seen;
  std::thread writer([&] {
    std::this_thread::sleep_for(200ms);
    (void)client.put("/t/b", "1", 0);
    (void)etcd.etcdctl("del /t/a");
    std::this_thread::sleep_for(200ms);
    client.cancel();
  });
  (void)client.watch("/t/", rev + 1, [&](std::vector<Change> changes) {
    for (auto& c : changes) seen.push_back(std::move(c));
  });
  writer.join();
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].key, "/t/b");
  EXPECT_FALSE(seen[0].deleted);
  EXPECT_EQ(seen[1].key, "/t/a");
  EXPECT_TRUE(seen[1].deleted);
}

// With the first member down, operations move on to the next one.
TEST(EtcdClient, MovesOnFromAMemberThatIsDown) {
  test::EtcdCluster etcd;
  EtcdClient client({"127.0.0.1:" + std::to_string(test::free_port()), etcd.endpoint(0)});
  EXPECT_TRUE(client.put("/m/x", "1", 0).ok());
  auto listing = client.list("/m/");
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing.value.kvs.size(), 1U);
  EXPECT_EQ(prefix_range_end("/m/"), "/m0");
}

}  // namespace
}  // namespace tp::etcd
