#include <gtest/gtest.h>

#include "teleport/xfer/filter.hpp"
#include "teleport/xfer/filters.hpp"

namespace tp {
namespace {

std::string sample() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "teleport " + std::to_string(i % 97) + " ";
  return s;
}

class EachFilter : public ::testing::TestWithParam<std::uint8_t> {};

TEST_P(EachFilter, RoundTrips) {
  const XferFilter* f = XferRegistry::global()->find(GetParam());
  ASSERT_NE(f, nullptr);
  for (const std::string& in : {std::string(), std::string("x"), sample()}) {
    std::string packed;
    std::string back;
    ASSERT_TRUE(f->pack(in, packed).ok());
    ASSERT_TRUE(f->unpack(packed, back, 1 << 20).ok());
    EXPECT_EQ(back, in);
  }
}

TEST_P(EachFilter, TruncationAndGarbageAre400) {
  const XferFilter* f = XferRegistry::global()->find(GetParam());
  std::string packed;
  ASSERT_TRUE(f->pack(sample(), packed).ok());
  std::string back;
  Status st = f->unpack(std::string_view(packed).substr(0, packed.size() - 3), back, 1 << 20);
  EXPECT_EQ(st.code(), code::kBadMessage) << f->name();
  EXPECT_EQ(f->unpack(packed + "junk", back, 1 << 20).code(), code::kBadMessage) << f->name();
}

TEST_P(EachFilter, OutputIsCappedAtTheLimit) {
  const XferFilter* f = XferRegistry::global()->find(GetParam());
  std::string packed;
  ASSERT_TRUE(f->pack(sample(), packed).ok());
  std::string back;
  Status st = f->unpack(packed, back, 1000);
  EXPECT_EQ(st.code(), code::kBadMessage) << f->name();
  EXPECT_LE(back.capacity(), 64U * 1024) << f->name();
}

INSTANTIATE_TEST_SUITE_P(Stock, EachFilter, ::testing::Values('g', 'm', 'z', 'l'),
                         [](const auto& info) {
                           return std::string(1, static_cast<char>(info.param));
                         });

TEST(GzipFilter, WritesACompleteMemberLikeGo) {
  std::string packed;
  ASSERT_TRUE(make_gzip_filter()->pack("abc", packed).ok());
  ASSERT_GE(packed.size(), 18U);
  EXPECT_EQ(packed.substr(0, 3), "\x1f\x8b\x08");
  // ISIZE trailer (little-endian input length) proves the member is finished.
  EXPECT_EQ(packed.substr(packed.size() - 4), std::string("\x03\x00\x00\x00", 4));
}

TEST(GzipFilter, V5FlavourFlushesWithoutTrailerAndToleratesIt) {
  auto v5 = make_gzip_filter(xfer_id::kGzip, 5, GzipFlavor::kV5Flush);
  std::string packed;
  ASSERT_TRUE(v5->pack("abc", packed).ok());
  EXPECT_EQ(packed.substr(packed.size() - 4), std::string("\x00\x00\xff\xff", 4));
  std::string back;
  ASSERT_TRUE(v5->unpack(packed, back, 100).ok());
  EXPECT_EQ(back, "abc");
  // The v7 reader refuses the same unfinished stream.
  EXPECT_EQ(make_gzip_filter()->unpack(packed, back, 100).cause(), "truncated gzip stream");
}

class Reverse final : public XferFilter {
 public:
  std::uint8_t id() const noexcept override { return 'R'; }
  std::string_view name() const noexcept override { return "reverse"; }
  Status pack(std::string_view in, std::string& out) const override {
    out.assign(in.rbegin(), in.rend());
    return {};
  }
  Status unpack(std::string_view in, std::string& out, std::size_t) const override {
    return pack(in, out);
  }
};

TEST(XferRegistry, UserFilterAndDuplicateIds) {
  XferRegistry reg;
  ASSERT_TRUE(reg.add(std::make_shared<Reverse>()).ok());
  EXPECT_EQ(reg.add(std::make_shared<Reverse>()).code(), code::kInvalidOp);
  EXPECT_EQ(reg.find('R')->name(), "reverse");
  EXPECT_EQ(reg.find("reverse")->id(), 'R');
  EXPECT_EQ(reg.find('g'), nullptr);
  EXPECT_EQ(XferRegistry::global()->find("gzip")->id(), 'g');
}

}  // namespace
}  // namespace tp
