// UniqueFunction: move-only callables, inline or on the heap, each destroyed exactly once.
#include "teleport/unique_function.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <type_traits>

namespace tp {
namespace {

// Counts its live copies; `Size` bytes of payload decide inline or heap.
template <std::size_t Size>
struct Counted {
  explicit Counted(int* live) : live(live) { ++*live; }
  Counted(Counted&& other) noexcept : live(other.live), payload(other.payload) { ++*live; }
  Counted(const Counted&) = delete;
  ~Counted() { --*live; }
  int operator()(int x) const { return x + static_cast<int>(payload.size()); }
  int* live;
  std::array<char, Size> payload{};
};

TEST(UniqueFunction, HoldsAMoveOnlyCallableAndForwardsReferences) {
  auto owned = std::make_unique<std::string>("ab");
  UniqueFunction<void(std::string&)> append = [p = std::move(owned)](std::string& s) { s += *p; };
  std::string s = "x";
  append(s);
  append(s);
  EXPECT_EQ(s, "xabab");
}

TEST(UniqueFunction, SmallCallablesLiveInlineAndBigOnesOnTheHeapEachDestroyedOnce) {
  int live = 0;
  {
    UniqueFunction<int(int)> small = Counted<8>(&live);
    UniqueFunction<int(int)> big = Counted<1024>(&live);
    EXPECT_EQ(live, 2);
    EXPECT_EQ(small(1), 9);
    EXPECT_EQ(big(1), 1025);
    // Moving an inline callable relocates it (one live copy); a heap one moves its pointer.
    UniqueFunction<int(int)> small2 = std::move(small);
    UniqueFunction<int(int)> big2 = std::move(big);
    EXPECT_EQ(live, 2);
    EXPECT_FALSE(small);  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
    EXPECT_FALSE(big);    // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(small2(2), 10);
    EXPECT_EQ(big2(2), 1026);
    small2 = std::move(big2);  // drops the small one
    EXPECT_EQ(live, 1);
    EXPECT_EQ(small2(0), 1024);
    small2 = nullptr;
    EXPECT_EQ(live, 0);
    EXPECT_FALSE(small2);
  }
  EXPECT_EQ(live, 0);
  {
    UniqueFunction<int(int)> a = Counted<8>(&live);
    UniqueFunction<int(int)> b = Counted<1024>(&live);
  }
  EXPECT_EQ(live, 0);  // both destroyed at scope end
}

TEST(UniqueFunction, TriviallyCopyableCallablesMoveByTheirBytesWithEveryCaptureIntact) {
  // A reply callback's usual shape: references and a few values. Such a callable moves as bytes
  // (no relocate call): every capture, up to the full inline size, must survive a chain of moves.
  int total = 0;
  std::array<int, 14> values{};  // 64 bytes with `total`'s pointer: the whole inline size
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>(i + 1);
  auto sum = [&total, values](int x) {
    for (int v : values) total += v;
    return total + x;
  };
  static_assert(std::is_trivially_copyable_v<decltype(sum)>);
  static_assert(sizeof(sum) <= UniqueFunction<int(int)>::kInlineSize);
  UniqueFunction<int(int)> a = sum;
  UniqueFunction<int(int)> b = std::move(a);
  UniqueFunction<int(int)> c;
  c = std::move(b);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
  EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c(0), 105);
  EXPECT_EQ(c(5), 215);
  // A trivially copyable callable too big to live inline moves its heap pointer instead.
  std::array<int, 64> many{};
  many.fill(2);
  UniqueFunction<int(int)> d = [many](int x) { return many[63] + x; };
  UniqueFunction<int(int)> e = std::move(d);
  EXPECT_EQ(e(1), 3);
}

TEST(UniqueFunction, NullPointersAndEmptyStdFunctionsMakeEmptyFunctions) {
  int (*null_fn)(int) = nullptr;
  EXPECT_FALSE(UniqueFunction<int(int)>(null_fn));
  EXPECT_FALSE(UniqueFunction<int(int)>(std::function<int(int)>()));
  EXPECT_FALSE(UniqueFunction<int(int)>(nullptr));
  EXPECT_FALSE(UniqueFunction<int(int)>());
  UniqueFunction<int(int)> doubled = std::function<int(int)>([](int x) { return 2 * x; });
  ASSERT_TRUE(doubled);
  EXPECT_EQ(doubled(21), 42);
}

TEST(UniqueFunction, CallingAnEmptyFunctionThrowsAsStdFunctionDoes) {
  UniqueFunction<int(int)> empty;
  EXPECT_THROW(empty(1), std::bad_function_call);
  UniqueFunction<int(int)> moved_from = [](int x) { return x; };
  UniqueFunction<int(int)> taker = std::move(moved_from);
  EXPECT_THROW(moved_from(1), std::bad_function_call);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(taker(3), 3);
}

}  // namespace
}  // namespace tp
