// Protocols by name: built-in ones, registered ones, and taken names.
#include <gtest/gtest.h>

#include "teleport/proto/registry.hpp"

namespace tp {
namespace {

TEST(ProtoRegistry, BuiltInsRegisteredOnesAndTakenNames) {
  for (const char* name : {"raw", "json", "pb", "http", "thrift"}) {
    auto p = make_proto(name, {});
    ASSERT_TRUE(p) << name;
    EXPECT_EQ(p->name(), name);
  }
  EXPECT_EQ(make_proto("mine", {}), nullptr);
  ASSERT_TRUE(register_proto("mine", [](RawProtoOptions o) {
                return std::make_unique<RawProto>(std::move(o));
              }).ok());
  auto mine = make_proto("mine", {.size_limit = 99});
  ASSERT_TRUE(mine);
  EXPECT_EQ(static_cast<RawProto&>(*mine).options().size_limit, 99u);
  EXPECT_EQ(register_proto("mine", nullptr).code(), code::kInvalidOp);
  EXPECT_EQ(register_proto("raw", nullptr).code(), code::kInvalidOp);
}

}  // namespace
}  // namespace tp
