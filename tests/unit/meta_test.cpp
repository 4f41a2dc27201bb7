#include "teleport/meta.hpp"

#include <gtest/gtest.h>

namespace tp {
namespace {

TEST(Meta, EncodesLikeGo) {
  Meta m;
  m.add("a b", "x y&z=1/2");
  m.add("k", "v1");
  m.add("k", "v2");
  m.add("empty", "");
  m.add("utf8", "\xC3\xA9+~");
  EXPECT_EQ(m.encode(), "a%20b=x%20y%26z%3D1%2F2&k=v1&k=v2&empty&utf8=%C3%A9%2B%7E");
}

TEST(Meta, DecodesLikeGo) {
  Meta m;
  ASSERT_TRUE(
      Meta::decode("a%20b=x%20y%26z%3D1%2F2&k=v1&k=v2&empty&utf8=%c3%a9%2B%7E&p=a+b", m).ok());
  EXPECT_EQ(m, (Meta{{"a b", "x y&z=1/2"},
                     {"k", "v1"},
                     {"k", "v2"},
                     {"empty", ""},
                     {"utf8", "\xC3\xA9+~"},
                     {"p", "a b"}}));
}

TEST(Meta, KeepsMalformedPercentSequencesLiterallyAsGoDoes) {
  Meta m;
  ASSERT_TRUE(Meta::decode("c=100%&a=%zz&b=%4&%g0=1&d=%41%2&e=x+%2B", m).ok());
  EXPECT_EQ(
      m,
      (Meta{{"c", "100%"}, {"a", "%zz"}, {"b", "%4"}, {"%g0", "1"}, {"d", "A%2"}, {"e", "x +"}}));
  // Written back escaped, the literal '%' survives a second round.
  Meta back;
  ASSERT_TRUE(Meta::decode(m.encode(), back).ok());
  EXPECT_EQ(back, m);
}

TEST(Meta, FormBodiesStillRejectBadPercentEncoding) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "%g0=1"}) {
    Status st = parse_query_pairs(bad, "form body", [](std::string, std::string) {});
    EXPECT_EQ(st.code(), code::kBadMessage) << bad;
    EXPECT_NE(st.cause().find("bad percent-encoding in form body"), std::string::npos)
        << st.cause();
  }
}

TEST(Meta, SetGetDel) {
  Meta m{{"a", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_EQ(m.get("a"), "1");
  EXPECT_EQ(m.get_all("a").size(), 2U);
  m.set("a", "9");
  EXPECT_EQ(m, (Meta{{"a", "9"}, {"b", "2"}}));
  m.set("c", "4");
  EXPECT_EQ(m.get("c"), "4");
  EXPECT_EQ(m.del("b"), 1U);
  EXPECT_FALSE(m.get("b"));
  std::string seen;
  m.visit([&](std::string_view k, std::string_view v) {
    seen += std::string(k) + "=" + std::string(v) + ";";
  });
  EXPECT_EQ(seen, "a=9;c=4;");
}

}  // namespace
}  // namespace tp
