#include "teleport/router.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace demo {
struct Math : tp::CallCtl {
  tp::Result<int> add(const std::vector<int>& xs) { return static_cast<int>(xs.size()); }
  tp::Result<int> Sub_Total(const int& x) { return x; }
};
BOOST_DESCRIBE_STRUCT(Math, (), (add, Sub_Total))
}  // namespace demo

namespace tp {
namespace {

TEST(NameMapping, HttpStyleMatchesTheSeedsTable) {
  const std::pair<const char*, const char*> table[] = {
      {"AaBb", "/aa_bb"},      {"Aa_Bb", "/aa/bb"},    {"aa__bb", "/aa_bb"},
      {"ABC_XYZ", "/abc/xyz"}, {"ABcXYz", "/abc_xyz"}, {"ABC__XYZ", "/abc_xyz"},
  };
  for (auto [name, want] : table)
    EXPECT_EQ(map_service_method(name, NameStyle::kHttp), want) << name;
}

TEST(NameMapping, RpcStyle) {
  const std::pair<const char*, const char*> table[] = {
      {"AaBb", "AaBb"},       {"Aa_Bb", "Aa.Bb"},      {"aa__bb", "aa_bb"},
      {"ABC_XYZ", "ABC.XYZ"}, {"ABC__XYZ", "ABC_XYZ"},
  };
  for (auto [name, want] : table)
    EXPECT_EQ(map_service_method(name, NameStyle::kRpc), want) << name;
}

TEST(Router, ControllerMethodsBecomeRoutes) {
  Router r;
  ASSERT_TRUE(r.route_call_ctl<demo::Math>().ok());
  EXPECT_NE(r.table().find(MsgType::kCall, "/math/add"), nullptr);
  EXPECT_NE(r.table().find(MsgType::kCall, "/math/sub/total"), nullptr);
  EXPECT_EQ(r.table().find(MsgType::kPush, "/math/add"), nullptr);
  EXPECT_TRUE(r.table().routed_as_other_type(MsgType::kPush, "/math/add"));

  Router rpc;
  rpc.table().style = NameStyle::kRpc;
  ASSERT_TRUE(rpc.route_call_ctl<demo::Math>().ok());
  EXPECT_NE(rpc.table().find(MsgType::kCall, "Math.add"), nullptr);
}

TEST(Router, SubRoutesPrefixTheirRoutesAndCarryTheirPlugins) {
  struct Tag : Plugin {
    std::string_view name() const override { return "tag"; }
  };
  Router r;
  auto plugin = std::make_shared<Tag>();
  auto group = r.sub_route("/admin", {plugin});
  ASSERT_TRUE(group.route_call("/users", [](Ctx&) { return Status(); }).ok());
  auto nested = group.sub_route("v2");
  ASSERT_TRUE(nested.route_call_ctl<demo::Math>().ok());
  const Route* route = r.table().find(MsgType::kCall, "/admin/users");
  ASSERT_NE(route, nullptr);
  ASSERT_EQ(route->plugins.size(), 1U);
  EXPECT_EQ(route->plugins[0], plugin);
  EXPECT_NE(r.table().find(MsgType::kCall, "/admin/v2/math/add"), nullptr);
}

TEST(Router, PostRegRefusalUnregisters) {
  struct NoSecrets : Plugin {
    std::string_view name() const override { return "no-secrets"; }
    Status post_reg(std::string_view sm, MsgType) override {
      return sm.find("secret") == std::string_view::npos ? Status()
                                                         : Status(403, "forbidden route");
    }
  };
  Plugins plugins{std::make_shared<NoSecrets>()};
  Router r;
  r.table().set_peer_plugins(&plugins);
  EXPECT_EQ(r.route_call("/secret", [](Ctx&) { return Status(); }).code(), 403);
  EXPECT_EQ(r.table().find(MsgType::kCall, "/secret"), nullptr);
  EXPECT_TRUE(r.route_call("/public", [](Ctx&) { return Status(); }).ok());
}

TEST(Router, ASecondRouteOnAPathIsRefusedAndFoundRoutesStayValid) {
  Router r;
  ASSERT_TRUE(r.route_call("/a", [](Ctx&) { return Status(); }).ok());
  const Route* first = r.table().find(MsgType::kCall, "/a");
  ASSERT_NE(first, nullptr);
  const Status again = r.route_call("/a", [](Ctx&) { return Status(7, "other"); });
  EXPECT_EQ(again.code(), code::kInvalidOp);
  EXPECT_NE(again.cause().find("/a"), std::string::npos);
  EXPECT_TRUE(r.route_push("/a", [](Ctx&) { return Status(); }).ok());  // another type: fine
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(r.route_call("/r" + std::to_string(i), [](Ctx&) { return Status(); }).ok());
  }
  EXPECT_EQ(r.table().find(MsgType::kCall, "/a"), first);  // the same route, at the same place
  EXPECT_NE(r.table().find(MsgType::kCall, "/r499"), nullptr);
  EXPECT_EQ(r.table().find(MsgType::kCall, "/r500"), nullptr);
}

TEST(Router, LookupsRaceWithAddsWithoutALock) {
  Router r;
  ASSERT_TRUE(r.route_call("/hot", [](Ctx&) { return Status(); }).ok());
  std::atomic<bool> stop{false};
  std::atomic<long> misses{0};
  std::thread reader([&] {
    while (!stop) {
      const Route* hot = r.table().find(MsgType::kCall, "/hot");
      if (!hot || !hot->handler) ++misses;
    }
  });
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(r.route_call("/n" + std::to_string(i), [](Ctx&) { return Status(); }).ok());
  }
  stop = true;
  reader.join();
  EXPECT_EQ(misses, 0);
}

}  // namespace
}  // namespace tp
