#include "teleport/status.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace tp {
namespace {

TEST(Status, DefaultIsOkAndEncodesAsCodeZero) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.to_query(), "code=0");
}

TEST(Status, CodeTextsMatchGo) {
  EXPECT_EQ(code_text(code::kOK), "");
  EXPECT_EQ(code_text(code::kInvalidOp), "Invalid Operation");
  EXPECT_EQ(code_text(code::kWrongConn), "Wrong Connection");
  EXPECT_EQ(code_text(code::kConnClosed), "Connection Closed");
  EXPECT_EQ(code_text(code::kWriteFailed), "Write Failed");
  EXPECT_EQ(code_text(code::kDialFailed), "Dial Failed");
  EXPECT_EQ(code_text(code::kBadMessage), "Bad Message");
  EXPECT_EQ(code_text(code::kUnauthorized), "Unauthorized");
  EXPECT_EQ(code_text(code::kNotFound), "Not Found");
  EXPECT_EQ(code_text(code::kMtypeNotAllowed), "Message Type Not Allowed");
  EXPECT_EQ(code_text(code::kHandleTimeout), "Handle Timeout");
  EXPECT_EQ(code_text(code::kInternalServerError), "Internal Server Error");
  EXPECT_EQ(code_text(code::kBadGateway), "Bad Gateway");
  EXPECT_EQ(code_text(code::kUnknownError), "Unknown Error");
  EXPECT_EQ(code_text(12345), "Unknown Error");
}

TEST(Status, QueryFormMatchesGo) {
  EXPECT_EQ(Status::from_code(code::kNotFound, "").to_query(), "code=404&msg=Not%20Found&cause=");
  EXPECT_EQ(Status(1001, "empty list", "need at least one number").to_query(),
            "code=1001&msg=empty%20list&cause=need%20at%20least%20one%20number");
  EXPECT_EQ(Status(7, "").to_query(), "code=7");
  EXPECT_EQ(Status(-1, "x y").to_query(), "code=-1&msg=x%20y");
}

TEST(Status, ParsesWhatItWrites) {
  for (const Status& st :
       {Status(), Status::from_code(404, ""), Status(1001, "a&b=c", "d+e%f"), Status(5, "m")}) {
    Status back;
    ASSERT_TRUE(Status::parse_query(st.to_query(), back).ok());
    EXPECT_EQ(back, st);
  }
}

TEST(Status, ParseAcceptsEmptyAndIgnoresUnknownKeys) {
  Status st(1, "x");
  ASSERT_TRUE(Status::parse_query("", st).ok());
  EXPECT_TRUE(st.ok());
  ASSERT_TRUE(Status::parse_query("zzz=1&code=500&msg=a+b", st).ok());
  EXPECT_EQ(st.code(), 500);
  EXPECT_EQ(st.msg(), "a b");
  EXPECT_FALSE(st.has_cause());
}

TEST(Status, ParseRejectsBadCodeAndBadEscapes) {
  Status st;
  Status err = Status::parse_query("code=abc", st);
  EXPECT_EQ(err.code(), code::kBadMessage);
  EXPECT_NE(err.cause().find("int32"), std::string::npos);
  EXPECT_EQ(Status::parse_query("code=99999999999", st).code(), code::kBadMessage);
  // A malformed escape is kept literally, as Go eRPC keeps it.
  ASSERT_TRUE(Status::parse_query("code=1&msg=%zz&cause=100%", st).ok());
  EXPECT_EQ(st.code(), 1);
  EXPECT_EQ(st.msg(), "%zz");
  EXPECT_EQ(st.cause(), "100%");
}

TEST(Status, CopiesAreDeepAndMovesKeepTheCode) {
  Status a(1001, "empty list", "need one");
  Status b = a;  // a copy owns its own message and cause
  a = Status(7, "other");
  EXPECT_EQ(b, Status(1001, "empty list", "need one"));
  EXPECT_EQ(a.msg(), "other");
  EXPECT_FALSE(a.has_cause());
  b = b;  // NOLINT(clang-diagnostic-self-assign-overloaded): self-assignment keeps it
  EXPECT_EQ(b.cause(), "need one");
  Status c = std::move(b);
  EXPECT_EQ(c, Status(1001, "empty list", "need one"));
  EXPECT_EQ(b.code(), 1001);  // NOLINT(bugprone-use-after-move): moved from, the code stays
  Status d;
  d = std::move(c);
  EXPECT_EQ(d.cause(), "need one");
  Status& same = d;
  d = std::move(same);  // a self-move keeps the detail (and frees nothing)
  EXPECT_EQ(d, Status(1001, "empty list", "need one"));
  d = Status(9, "replaced");  // the detail it held is freed (ASan reports a leak otherwise)
  EXPECT_EQ(d.msg(), "replaced");
  // An empty cause is a cause (it is written); an empty message is no message.
  EXPECT_NE(Status(5, "m", ""), Status(5, "m"));
  EXPECT_EQ(Status(5, ""), Status(5, std::string()));
  EXPECT_TRUE(Status(5, "", "").has_cause());
}

TEST(Status, AResultTakesAValueWithOneMove) {
  // Counts moves and copies of the value a Result is made from.
  struct Counted {
    Counted() = default;
    Counted(const Counted& o) : copies(o.copies + 1), moves(o.moves) {}
    Counted(Counted&& o) noexcept : copies(o.copies), moves(o.moves + 1) {}
    Counted& operator=(const Counted&) = default;
    Counted& operator=(Counted&&) = default;
    int copies = 0;
    int moves = 0;
  };
  Counted v;
  Result<Counted> moved = std::move(v);
  EXPECT_EQ(moved.value.moves, 1);
  EXPECT_EQ(moved.value.copies, 0);
  const Counted kept;
  Result<Counted> copied = kept;
  EXPECT_EQ(copied.value.copies, 1);
  EXPECT_EQ(copied.value.moves, 0);
}

}  // namespace
}  // namespace tp
