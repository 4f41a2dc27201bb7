#include <gtest/gtest.h>

#include <boost/describe.hpp>
#include <map>
#include <optional>
#include <vector>

#include "benchmark.pb.h"
#include "teleport/codec/marshal.hpp"

namespace demo {
struct Point {
  int x = 0;
  int y = 0;
  std::string label;
  friend bool operator==(const Point&, const Point&) = default;
};
BOOST_DESCRIBE_STRUCT(Point, (), (x, y, label))

struct Tagged {
  std::string name;
  std::vector<std::string> tags;
  std::optional<int> team;
  friend bool operator==(const Tagged&, const Tagged&) = default;
};
BOOST_DESCRIBE_STRUCT(Tagged, (), (name, tags, team))
}  // namespace demo

namespace tp {
namespace {

template <class T>
T round_trip(std::uint8_t codec, const T& value, std::string* wire = nullptr) {
  std::string out;
  EXPECT_TRUE(marshal(codec, value, out).ok());
  T back{};
  EXPECT_TRUE(unmarshal(codec, out, back).ok());
  if (wire) *wire = out;
  return back;
}

TEST(JsonCodec, StdTypesAndDescribedStructs) {
  std::string wire;
  EXPECT_EQ(round_trip(codec_id::kJson, std::vector<int>{1, 2, 3}, &wire),
            (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(wire, "[1,2,3]");
  EXPECT_EQ(round_trip(codec_id::kJson, 6, &wire), 6);
  EXPECT_EQ(wire, "6");
  EXPECT_EQ(round_trip(codec_id::kJson, std::string("hi"), &wire), "hi");
  EXPECT_EQ(wire, "\"hi\"");
  demo::Point p{1, -2, "a\"b"};
  EXPECT_EQ(round_trip(codec_id::kJson, p, &wire), p);
  EXPECT_EQ(wire, R"({"x":1,"y":-2,"label":"a\"b"})");
  std::map<std::string, std::vector<demo::Point>> nested{{"k", {p, p}}};
  EXPECT_EQ(round_trip(codec_id::kJson, nested), nested);
}

TEST(JsonCodec, MalformedAndMismatchedInputIs400) {
  std::vector<int> v;
  Status st = unmarshal(codec_id::kJson, "[1,2", v);
  EXPECT_EQ(st.code(), code::kBadMessage);
  EXPECT_NE(st.cause().find("json unmarshal"), std::string::npos);
  EXPECT_EQ(unmarshal(codec_id::kJson, R"({"a":1})", v).code(), code::kBadMessage);
}

TEST(JsonCodec, EmptyBodyGivesZeroValue) {
  int n = 0;
  EXPECT_TRUE(unmarshal(codec_id::kJson, "", n).ok());
  EXPECT_EQ(n, 0);
}

TEST(ProtobufCodec, RoundTripsAndRejectsGarbage) {
  tp::bench::BenchmarkMessage m;
  m.set_field1("hello");
  m.set_field2(7);
  m.set_field3(8);
  auto back = round_trip(codec_id::kProtobuf, m);
  EXPECT_EQ(back.field1(), "hello");
  EXPECT_EQ(back.field2(), 7);
  EXPECT_EQ(unmarshal(codec_id::kProtobuf, "\xff\xff\xff", back).code(), code::kBadMessage);
}

TEST(PlainCodec, StringsNumbersBools) {
  std::string wire;
  EXPECT_EQ(round_trip(codec_id::kPlain, std::string("a b\x01"), &wire), "a b\x01");
  EXPECT_EQ(wire, "a b\x01");
  EXPECT_EQ(round_trip(codec_id::kPlain, -42, &wire), -42);
  EXPECT_EQ(wire, "-42");
  EXPECT_EQ(round_trip(codec_id::kPlain, 2.5, &wire), 2.5);
  EXPECT_EQ(round_trip(codec_id::kPlain, true, &wire), true);
  EXPECT_EQ(wire, "true");
  int n = 0;
  EXPECT_EQ(unmarshal(codec_id::kPlain, "12x", n).code(), code::kBadMessage);
}

TEST(FormCodec, VectorFieldsRepeatTheirKeyAndUnsetOptionalsAreLeftOut) {
  std::string wire;
  const demo::Tagged t{"ann", {"a", "b c"}, 7};
  EXPECT_EQ(round_trip(codec_id::kForm, t, &wire), t);
  EXPECT_EQ(wire, "name=ann&tags=a&tags=b+c&team=7");
  const demo::Tagged bare{"bo", {}, std::nullopt};
  EXPECT_EQ(round_trip(codec_id::kForm, bare, &wire), bare);
  EXPECT_EQ(wire, "name=bo");
}

TEST(FormCodec, MapsAndStructsLikeGoUrlValues) {
  std::string wire;
  std::map<std::string, std::string> m{{"b", "x y"}, {"a", "1&2"}};
  EXPECT_EQ(round_trip(codec_id::kForm, m, &wire), m);
  EXPECT_EQ(wire, "a=1%262&b=x+y");
  demo::Point p{3, 4, "é"};
  EXPECT_EQ(round_trip(codec_id::kForm, p, &wire), p);
  EXPECT_EQ(wire, "label=%C3%A9&x=3&y=4");
  std::map<std::string, std::vector<std::string>> multi{{"k", {"1", "2"}}};
  EXPECT_EQ(round_trip(codec_id::kForm, multi, &wire), multi);
  EXPECT_EQ(wire, "k=1&k=2");
  EXPECT_EQ(unmarshal(codec_id::kForm, "x=%zz", p).code(), code::kBadMessage);
  EXPECT_EQ(unmarshal(codec_id::kForm, "x=abc", p).code(), code::kBadMessage);
}

TEST(Codecs, BytesAreVerbatimWhateverTheCodec) {
  const Bytes raw{0x00, 0x01, 0xff};
  for (std::uint8_t id : {codec_id::kJson, codec_id::kPlain, codec_id::kProtobuf}) {
    std::string out;
    ASSERT_TRUE(marshal(id, raw, out).ok());
    EXPECT_EQ(out, std::string("\x00\x01\xff", 3));
    Bytes back;
    ASSERT_TRUE(unmarshal(id, out, back).ok());
    EXPECT_EQ(back, raw);
  }
}

TEST(Codecs, UnknownIdIsUnsupported) {
  std::string out;
  Status st = marshal(122, 1, out);
  EXPECT_EQ(st.code(), code::kBadMessage);
  EXPECT_EQ(st.cause(), "unsupported codec id: 122");
  int n = 0;
  EXPECT_EQ(unmarshal(122, "1", n).cause(), "unsupported codec id: 122");
}

TEST(Codecs, TypeTheCodecCannotHandleIs400) {
  std::string out;
  Status st = marshal(codec_id::kProtobuf, 5, out);
  EXPECT_EQ(st.code(), code::kBadMessage);
  EXPECT_NE(st.cause().find("protobuf codec cannot handle int"), std::string::npos) << st.cause();
}

TEST(Codecs, RegistryFindsByIdAndName) {
  EXPECT_EQ(CodecRegistry::global().find("json")->id(), codec_id::kJson);
  EXPECT_EQ(CodecRegistry::global().find(codec_id::kForm)->name(), "form");
  EXPECT_EQ(codec_name(codec_id::kPlain), "plain");
  EXPECT_EQ(codec_name(0), "none");
  EXPECT_EQ(codec_name(200), "");
}

// A user codec: upper-cases strings. Added without touching ours.
class ShoutCodec final : public Codec {
 public:
  std::uint8_t id() const noexcept override { return 'U'; }
  std::string_view name() const noexcept override { return "shout"; }
  Status marshal(ConstValueRef v, std::string& out) const override {
    const auto* s = v.get<std::string>();
    if (!s) return Status::bad_message("shout: strings only");
    for (char c : *s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {};
  }
  Status unmarshal(std::string_view data, ValueRef v) const override {
    auto* s = v.get<std::string>();
    if (!s) return Status::bad_message("shout: strings only");
    s->assign(data);
    return {};
  }
};

TEST(Codecs, UserCodecThroughTheRegistry) {
  ASSERT_TRUE(CodecRegistry::global().add(std::make_shared<ShoutCodec>()).ok());
  EXPECT_FALSE(CodecRegistry::global().add(std::make_shared<ShoutCodec>()).ok());  // id taken
  std::string out;
  ASSERT_TRUE(marshal('U', std::string("hi"), out).ok());
  EXPECT_EQ(out, "HI");
  EXPECT_EQ(marshal('U', 1, out).cause(), "shout: strings only");
}

}  // namespace
}  // namespace tp
