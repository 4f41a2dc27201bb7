// curl calls a route of a running server through the HTTP protocol.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "integration/math_peer.hpp"
#include "integration/shell.hpp"

namespace tp {
namespace {

TEST(HttpCurl, CurlCallsTheMathService) {
  ASSERT_EQ(std::system("command -v curl > /dev/null 2>&1"), 0) << "curl is not installed";
  test::MathServer srv;
  const std::string url = "http://" + srv.addr();
  EXPECT_EQ(
      test::run_command("curl -s -X POST '" + url +
                        "/math/add?author=curl' -H 'Content-Type: application/json' -d '[1,2,3]'"),
      "6");
  EXPECT_EQ(srv.last_author(), "curl");
  EXPECT_EQ(test::run_command("curl -s -o /dev/null -w '%{http_code}' -X POST " + url +
                              "/no/such -d '1'"),
            "404");
  EXPECT_EQ(test::run_command("curl -s -X POST " + url +
                              "/math/add -H 'Content-Type: application/json' -d '[]'"),
            R"({"code":1001,"msg":"empty list","cause":"need at least one number"})");
  // Keep-alive: two requests on one connection are answered in order.
  EXPECT_EQ(
      test::run_command("curl -s -X POST " + url +
                        "/math/add -H 'Content-Type: application/json' -d '[1]' --next -X POST " +
                        url + "/math/add -H 'Content-Type: application/json' -d '[2,2]'"),
      "14");
}

}  // namespace
}  // namespace tp
