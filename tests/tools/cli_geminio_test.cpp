// `teleport geminio serve` and `teleport geminio check` run as a user runs them: the checker
// passes every check against the server, and says which one failed when the server is not there.
#include <gtest/gtest.h>

#include "tools/cli_run.hpp"

namespace tp {
namespace {

using test::CliRun;
using test::kCli;
using test::run;

TEST(CliGeminio, CheckPassesEveryCheckAgainstServe) {
  test::BackgroundServe server("", 0, "geminio serve");
  CliRun r = run(kCli + " geminio check " + server.addr());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* name :
       {"connect", "rpc_echo", "rpc_add", "rpc_unknown_method", "rpc_add_bad_input_error",
        "rpc_echo_256k", "rpc_concurrent_50", "publish_ack", "publish_ack_error",
        "raw_default_stream_echo", "stream_open", "stream_raw_echo", "stream_raw_echo_200k",
        "stream_rpc_add", "stream_publish_ack", "stream_close", "server_calls_client_rpc",
        "server_opens_stream", "close"}) {
    EXPECT_NE(r.out.find(std::string("ok ") + name + "\n"), std::string::npos) << name << r.out;
  }
  EXPECT_NE(r.out.find("19 passed, 0 failed\n"), std::string::npos) << r.out;

  r = run(kCli + " geminio check --core " + server.addr());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("17 passed, 0 failed\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("server_calls_client_rpc"), std::string::npos) << r.out;
}

TEST(CliGeminio, CheckWithoutAServerFailsConnect) {
  std::string addr;
  {
    test::BackgroundServe gone("", 1, "geminio serve");
    addr = gone.addr();
  }  // stopped: nothing listens there now
  CliRun r = run(kCli + " geminio check " + addr + " --timeout 2000");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("FAIL connect: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 passed, 1 failed\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tp
