// The xml codec: Go encoding/xml's bytes for the same values, and bad input as 400.
#include <gtest/gtest.h>

#include <boost/describe.hpp>

#include "teleport/codec/marshal.hpp"

namespace demo_xml {
struct Point {
  int X = 0;
  int Y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};
BOOST_DESCRIBE_STRUCT(Point, (), (X, Y))

struct Order {
  std::string Name;
  double Price = 0;
  bool Paid = false;
  std::vector<std::string> Tags;
  std::optional<int> Note;
  Point At;
  std::vector<Point> Stops;
  friend bool operator==(const Order&, const Order&) = default;
};
BOOST_DESCRIBE_STRUCT(Order, (), (Name, Price, Paid, Tags, Note, At, Stops))
}  // namespace demo_xml

namespace tp {
namespace {

template <class T>
std::string to_xml(const T& v) {
  std::string out;
  EXPECT_TRUE(marshal(codec_id::kXml, v, out).ok());
  return out;
}

template <class T>
T from_xml(std::string_view data) {
  T v{};
  Status st = unmarshal(codec_id::kXml, data, v);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return v;
}

TEST(XmlCodec, WritesGoEncodingXmlBytes) {
  // The bytes Go's xml.Marshal writes for the same values.
  EXPECT_EQ(to_xml(demo_xml::Point{1, 2}), "<Point><X>1</X><Y>2</Y></Point>");
  EXPECT_EQ(to_xml(6), "<int>6</int>");
  EXPECT_EQ(to_xml(std::int64_t{-7}), "<int64>-7</int64>");
  EXPECT_EQ(to_xml(1.5), "<float64>1.5</float64>");
  EXPECT_EQ(to_xml(true), "<bool>true</bool>");
  EXPECT_EQ(to_xml(std::string("a<b&\"c'\n")), "<string>a&lt;b&amp;&#34;c&#39;&#xA;</string>");
  EXPECT_EQ(to_xml(std::vector<int>{1, 2, 3}), "<int>1</int><int>2</int><int>3</int>");
  const demo_xml::Order order{"tea", 2.5, true, {"hot", "green"}, std::nullopt, {1, 2}, {{3, 4}}};
  EXPECT_EQ(to_xml(order),
            "<Order><Name>tea</Name><Price>2.5</Price><Paid>true</Paid><Tags>hot</Tags>"
            "<Tags>green</Tags><At><X>1</X><Y>2</Y></At><Stops><X>3</X><Y>4</Y></Stops></Order>");
}

TEST(XmlCodec, ReadsWhatItWritesAndWhatGoWrites) {
  demo_xml::Order order{"tea & <cake>", 2.5, true, {"hot", "green"}, 9, {1, 2}, {{3, 4}, {5, 6}}};
  EXPECT_EQ(from_xml<demo_xml::Order>(to_xml(order)), order);
  EXPECT_EQ(from_xml<std::vector<int>>("<int>1</int><int>2</int>"), (std::vector<int>{1, 2}));
  EXPECT_EQ(from_xml<std::string>("<string>a&#34;b&amp;</string>"), "a\"b&");
  // Go's indented output, CDATA, comments, unknown elements and another root name are fine.
  EXPECT_EQ(from_xml<demo_xml::Point>("<?xml version=\"1.0\"?>\n<P>\n  <!-- c -->\n  <X>1</X>\n"
                                      "  <Z>9</Z>\n  <Y><![CDATA[2]]></Y>\n</P>\n"),
            (demo_xml::Point{1, 2}));
}

TEST(XmlCodec, BadInputIs400WithACause) {
  demo_xml::Point p;
  EXPECT_EQ(unmarshal(codec_id::kXml, "<Point><X>1</Y></Point>", p).code(), code::kBadMessage);
  EXPECT_EQ(unmarshal(codec_id::kXml, "<Point><X>one</X></Point>", p).cause(),
            "xml: element X: plain unmarshal: not a number: one");
  EXPECT_EQ(unmarshal(codec_id::kXml, "", p).cause(), "xml: no element");
  EXPECT_EQ(unmarshal(codec_id::kXml, "just text", p).cause(), "xml: text outside an element");
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_EQ(unmarshal(codec_id::kXml, deep, p).cause(), "xml: nested deeper than 64");
  // The registry knows the codec by name.
  EXPECT_EQ(CodecRegistry::global().find("xml")->id(), codec_id::kXml);
}

}  // namespace
}  // namespace tp
