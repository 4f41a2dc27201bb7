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

// A protocol that claims connections opening with "HI!".
class Greeting final : public Proto {
 public:
  std::uint8_t id() const noexcept override { return 'g'; }
  std::string_view name() const noexcept override { return "greeting"; }
  Status encode(Message&, std::string&) const override { return {}; }
  DecodeResult decode(std::string_view, Message&) const override { return {}; }
  Probe probe(std::string_view first) const override {
    if (first.size() < 3)
      return std::string_view("HI!").starts_with(first) ? Probe::kNeedMore : Probe::kNo;
    return first.starts_with("HI!") ? Probe::kYes : Probe::kNo;
  }
};

TEST(ProtoDetector, WalksTheRegistryInOrder) {
  ASSERT_TRUE(register_proto("greeting", [](RawProtoOptions o) {
                (void)o;
                return std::make_unique<Greeting>();
              }).ok());
  const RawProto fallback;
  const ProtoDetector detector({}, fallback);
  for (const char* name : {"raw", "json", "pb", "http", "thrift"}) {
    Message call;
    call.seq = 1;
    call.type = MsgType::kCall;
    call.service_method = "/math/add";
    call.body_codec = 'j';
    call.body = "[1,2]";
    std::string frame;
    ASSERT_TRUE(make_proto(name, {})->encode(call, frame).ok()) << name;
    const Proto* found = detector.detect(frame);
    ASSERT_NE(found, nullptr) << name;
    EXPECT_EQ(found->name(), name);
    EXPECT_EQ(detector.detect(std::string_view(frame).substr(0, 3)), nullptr) << name;
  }
  // HTTP is decided on the whole method and its space, whatever the first read got (fuzz_detect).
  EXPECT_EQ(detector.detect("POST"), nullptr);
  EXPECT_EQ(detector.detect("POST\xff\x7fmath"), &fallback);
  ASSERT_NE(detector.detect("HI! there"), nullptr);
  EXPECT_EQ(detector.detect("HI! there")->name(), "greeting");
  EXPECT_EQ(detector.detect("\x7f\x7f\x7f\x7f\x7f\x7f"), &fallback);  // nobody's: the fallback
}

}  // namespace
}  // namespace tp
