// `teleport decode` / `teleport encode` run as a user runs them, on every Go vector.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cstdio>
#include <fstream>

#include <cstdlib>

#include "interop/vectors.hpp"
#include "tools/cli_run.hpp"

namespace tp {
namespace {

using test::CliRun;
using test::kCli;
using test::run;
using test::stderr_of_last_run;

class CliOnVectors : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(CliOnVectors, DecodePrintsTheFieldsAndEncodeRestoresTheBytes) {
  const auto vectors = test::load_vectors(GetParam().first);
  const std::string flags = GetParam().second;
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.name);
    CliRun dec = run(kCli + " decode " + flags + " --hex " + v.hex);
    ASSERT_EQ(dec.exit_code, 0) << stderr_of_last_run();
    const auto obj = boost::json::parse(dec.out).as_object();
    EXPECT_EQ(obj.at("seq").to_number<int>(), v.fields.at("seq").to_number<int>());
    EXPECT_EQ(obj.at("mtype").to_number<int>(), v.fields.at("mtype").to_number<int>());
    EXPECT_EQ(obj.at("service_method"), v.fields.at("service_method"));
    EXPECT_EQ(obj.at("body_hex"), v.fields.at("body_hex"));
    EXPECT_EQ(obj.at("body_codec"), v.fields.at("body_codec"));
    if (v.fields.at("body_codec").to_number<int>() == 'j' &&
        !v.fields.at("body").as_string().empty()) {
      EXPECT_EQ(obj.at("body_encoding"), "json");
      EXPECT_EQ(obj.at("body"), boost::json::parse(v.fields.at("body").as_string()));
    }
    // Raw bytes on stdin decode the same way.
    CliRun raw = run(kCli + " decode " + flags, test::from_hex(v.hex));
    EXPECT_EQ(raw.out, dec.out);

    CliRun enc = run(kCli + " encode " + flags, dec.out);
    ASSERT_EQ(enc.exit_code, 0) << stderr_of_last_run();
    if (v.fields.at("xfer_pipe").as_array().empty() || v.hex.find("1f8b") == std::string::npos) {
      EXPECT_EQ(enc.out, v.hex + "\n");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Go, CliOnVectors,
                         ::testing::Values(std::pair{"rawproto-vectors.jsonl", ""},
                                           std::pair{"rawproto-v5-vectors.jsonl", "--v5"}),
                         [](const auto& info) {
                           return std::string(info.param.second).empty() ? "v7" : "v5";
                         });

TEST(Cli, MalformedFrameExitsOneWithTheReason) {
  CliRun r = run(kCli + " decode --hex 0000000900012101" + "00");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(stderr_of_last_run().find("400 Bad Message: bad base-36 seq \"!\""), std::string::npos)
      << stderr_of_last_run();
  r = run(kCli + " decode --hex 0000002c00");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(stderr_of_last_run().find("truncated frame"), std::string::npos);
  r = run(kCli + " decode --hex zz");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(Cli, EncodeFromHandWrittenJson) {
  CliRun r = run(
      kCli + " encode",
      R"({"seq":1,"mtype":1,"service_method":"/math/add","meta":[["author","x"]],"body_codec":"json","body":[1,2,3]})");
  ASSERT_EQ(r.exit_code, 0) << stderr_of_last_run();
  EXPECT_EQ(
      r.out,
      "0000002c00013101092f6d6174682f6164640006636f64653d300008617574686f723d786a5b312c322c335d\n");
  r = run(kCli + " encode", R"({"seq":1})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(stderr_of_last_run().find("mtype"), std::string::npos);
}

TEST(Cli, ServeAndCallOverLoopback) {
  test::BackgroundServe server;
  const std::string addr = server.addr();
  CliRun r = run(kCli + " call " + addr + " '/math/add?author=test' '[1,2,3]'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "6\n");
  r = run(kCli + " call " + addr + " /math/sub '[1]'");
  EXPECT_EQ(r.exit_code, 6);  // the remote side answered an error status
  EXPECT_EQ(r.out, "{\"status\":{\"code\":404,\"msg\":\"Not Found\",\"cause\":\"\"}}\n");
  r = run(kCli + " call " + addr + " /math/add '[1,2]' --meta X-Accept-Body-Codec=115");
  EXPECT_EQ(r.out, "\"3\"\n");
  r = run(kCli + " push " + addr + " /chat/say '\"hi\"'");
  EXPECT_EQ(r.exit_code, 0);
}

}  // namespace
}  // namespace tp
