// ThreadLoan: one object per thread and tag, lent to one borrower at a time.
#include "teleport/thread_loan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace tp::detail {
namespace {

struct TagA;
struct TagB;

TEST(ThreadLoan, ABorrowerGetsTheThreadsObjectAndTheNextOneGetsItBack) {
  std::string* first = nullptr;
  {
    ThreadLoan<std::string, TagA> loan;
    first = loan.get();
    ASSERT_NE(first, nullptr);
    first->assign(1000, 'x');  // memory the next borrower finds again
  }
  ThreadLoan<std::string, TagA> again;
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(again.get()->size(), 1000u);
}

TEST(ThreadLoan, ANestedBorrowerGetsNothingAndTheOuterKeepsIt) {
  ThreadLoan<std::string, TagA> outer;
  ASSERT_NE(outer.get(), nullptr);
  {
    ThreadLoan<std::string, TagA> nested;
    EXPECT_EQ(nested.get(), nullptr);  // it must use an object of its own
  }
  // The nested loan's end did not hand the object out while the outer one holds it.
  ThreadLoan<std::string, TagA> second;
  EXPECT_EQ(second.get(), nullptr);
  EXPECT_NE(outer.get(), nullptr);
}

TEST(ThreadLoan, TagsAndThreadsHaveObjectsOfTheirOwn) {
  ThreadLoan<std::string, TagA> a;
  ThreadLoan<std::string, TagB> b;
  ASSERT_NE(a.get(), nullptr);
  ASSERT_NE(b.get(), nullptr);
  EXPECT_NE(a.get(), b.get());
  std::string* other_thread = nullptr;
  std::thread([&] {
    ThreadLoan<std::string, TagA> there;
    other_thread = there.get();
  }).join();
  EXPECT_NE(other_thread, nullptr);  // lent here, yet free on the other thread
  EXPECT_NE(other_thread, a.get());
}

TEST(ThreadLoan, RenewOnReturnLeavesAFreshObject) {
  {
    ThreadLoan<std::string, TagB> loan;
    loan.get()->assign(100000, 'y');
    loan.renew_on_return();
  }
  ThreadLoan<std::string, TagB> next;
  ASSERT_NE(next.get(), nullptr);
  EXPECT_TRUE(next.get()->empty());
  EXPECT_LT(next.get()->capacity(), 100000u);  // the big buffer did not stay
}

// What a session renews after a big frame: strings inside a struct, as in its pair of messages
// (assigning `Pair()` would leave libstdc++'s strings their 100 KB buffers).
TEST(ThreadLoan, RenewFreesTheBuffersThatAssigningAFreshObjectKeeps) {
  struct Pair {
    std::string in;
    std::string reply;
  };
  Pair renewed{std::string(100000, 'a'), std::string(100000, 'b')};
  renew(renewed);
  EXPECT_TRUE(renewed.in.empty());
  EXPECT_LT(renewed.in.capacity(), 100000u);
  EXPECT_LT(renewed.reply.capacity(), 100000u);
}

}  // namespace
}  // namespace tp::detail
