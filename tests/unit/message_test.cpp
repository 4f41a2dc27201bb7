#include "teleport/message.hpp"

#include <gtest/gtest.h>

namespace tp {
namespace {

TEST(Message, SplitsServiceMethodIntoPathAndQuery) {
  Message m;
  m.service_method = "/math/add?author=x&y=%20";
  EXPECT_EQ(m.path(), "/math/add");
  EXPECT_EQ(m.query(), "author=x&y=%20");
  m.service_method = "/math/add";
  EXPECT_EQ(m.path(), "/math/add");
  EXPECT_EQ(m.query(), "");
  m.service_method = "Math.Add";
  EXPECT_EQ(m.path(), "Math.Add");
}

TEST(Message, TypeNames) {
  EXPECT_EQ(msg_type_name(MsgType::kAuthReply), "AUTH_REPLY");
  EXPECT_TRUE(is_valid_msg_type(1));
  EXPECT_TRUE(is_valid_msg_type(5));
  EXPECT_FALSE(is_valid_msg_type(0));
  EXPECT_FALSE(is_valid_msg_type(6));
}

}  // namespace
}  // namespace tp
