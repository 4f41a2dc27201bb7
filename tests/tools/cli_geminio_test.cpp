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

// The check's traffic shows in the server's counts on its admin endpoint, read as a user would.
TEST(CliGeminio, ServeExportsItsCountsOnTheAdminEndpoint) {
  test::BackgroundServe server("--admin 127.0.0.1:0", 2, "geminio serve");
  ASSERT_FALSE(server.admin_addr().ends_with(":")) << server.output();
  const CliRun check = run(kCli + " geminio check " + server.addr());
  ASSERT_EQ(check.exit_code, 0) << check.out;
  const CliRun metrics = run("curl -s http://" + server.admin_addr() + "/metrics");
  ASSERT_EQ(metrics.exit_code, 0) << metrics.out;
  const std::string& m = metrics.out;
  for (const char* line : {
           "# TYPE teleport_geminio_go_connections_total counter\n",
           "teleport_geminio_go_connections_total{side=\"server\"} 1\n",
           "teleport_geminio_go_endpoints{side=\"server\"} 0\n",  // the check closed it
           "teleport_geminio_go_streams_open{side=\"server\"} 0\n",
           // rpc_add_bad_input_error and rpc_unknown_method are the two failed ones
           "teleport_geminio_go_calls_total{side=\"server\",direction=\"received\",result="
           "\"error\"} 2\n",
           // publish_ack_error: one refusal
           "teleport_geminio_go_acks_total{side=\"server\",direction=\"sent\",verdict=\"error\"} "
           "1\n",
           // server_calls_client_rpc: the server's one call to client.echo
           "teleport_geminio_go_calls_total{side=\"server\",direction=\"sent\",result=\"ok\"} "
           "1\n",
       }) {
    EXPECT_NE(m.find(line), std::string::npos) << line << m;
  }
  // Streams: the check's one stream, and the one the server opens (server_opens_stream).
  EXPECT_NE(m.find("teleport_geminio_go_streams_opened_total{side=\"server\"} 2\n"),
            std::string::npos)
      << m;
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
