// The tool's manners, as a user meets them: help and version, exit codes that tell a usage
// mistake, an unreachable peer, a timeout and a remote error apart, TLS, reply meta, mtype names,
// plain words for HTTP and for the wrong --proto, route listing, completion and the man page.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <set>
#include <thread>

#include "tools/cli_run.hpp"

namespace tp {
namespace {

using test::CliRun;
using test::kCli;
using test::run;
using test::stderr_of_last_run;

// A loopback TCP listener on a free port; `serve` (if set) runs on the one connection it accepts.
class RawListener {
 public:
  explicit RawListener(std::string answer = "") : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("listen failed");
    }
    port_ = ntohs(addr.sin_port);
    if (!answer_.empty()) {
      thread_ = std::thread([this] {
        const int conn = ::accept(fd_, nullptr, nullptr);
        if (conn < 0) return;
        char buf[4096];
        (void)::recv(conn, buf, sizeof buf, 0);  // the call frame
        (void)::send(conn, answer_.data(), answer_.size(), MSG_NOSIGNAL);
        ::usleep(300 * 1000);
        ::close(conn);
      });
    }
  }
  ~RawListener() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

using Server = test::BackgroundServe;

TEST(CliManners, HelpAndVersion) {
  CliRun r = run(kCli + " --version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "teleport " TELEPORT_VERSION "\n");
  r = run(kCli + " help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"call", "push", "list", "serve", "decode", "encode", "completion", "man"})
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  r = run(kCli + " help call");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--show-meta"), std::string::npos) << r.out;
  // serve lists server options only.
  r = run(kCli + " serve --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--listen"), std::string::npos) << r.out;
  for (const char* client_only : {"--codec", "--meta", "--timeout", "--show-meta", "--proto"})
    EXPECT_EQ(r.out.find(client_only), std::string::npos) << client_only << "\n" << r.out;
}

TEST(CliManners, UsageErrorsExitTwo) {
  EXPECT_EQ(run(kCli).exit_code, 2);
  EXPECT_EQ(run(kCli + " frobnicate").exit_code, 2);
  EXPECT_EQ(run(kCli + " call").exit_code, 2);  // ADDR and SERVICE_METHOD missing
  EXPECT_EQ(run(kCli + " call 127.0.0.1:1 /x --timeout abc").exit_code, 2);
  EXPECT_EQ(run(kCli + " help nosuchcommand").exit_code, 2);
}

TEST(CliManners, DialFailureTimeoutAndRemoteErrorHaveTheirOwnCodes) {
  auto closed = std::make_unique<RawListener>();  // a port nobody listens on once it is gone
  const std::string dead = closed->addr();
  closed.reset();
  EXPECT_EQ(run(kCli + " call " + dead + " /math/add '[1]' --timeout 2000").exit_code, 3)
      << run(kCli + " call " + dead + " /math/add '[1]'").out;

  RawListener silent;  // accepts (the kernel does) and never answers
  CliRun r = run(kCli + " call " + silent.addr() + " /math/add '[1]' --timeout 300");
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_NE(r.out.find("408"), std::string::npos) << r.out;

  Server server;
  r = run(kCli + " call " + server.addr() + " /no/such/route '[1]'");
  EXPECT_EQ(r.exit_code, 6) << r.out;
  EXPECT_NE(r.out.find("404"), std::string::npos) << r.out;
}

TEST(CliManners, ShowMetaAndV5) {
  Server server;
  CliRun r = run(kCli + " call " + server.addr() +
                 " /math/add '[1,2]' --show-meta --meta X-Accept-Body-Codec=115");
  ASSERT_EQ(r.exit_code, 0) << r.out << stderr_of_last_run();
  const auto obj = boost::json::parse(r.out).as_object();
  EXPECT_TRUE(obj.at("meta").is_array());
  EXPECT_EQ(obj.at("body"), "3");
  Server v5("--v5", 1);
  r = run(kCli + " call " + v5.addr() + " /math/add '[4,5]' --v5");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "9\n");
}

TEST(CliManners, CallsOverTls) {
  // A CA and a server certificate for 127.0.0.1, made with the openssl tool for this test.
  const std::string dir = ::testing::TempDir() + "cli-tls-" + std::to_string(::getpid());
  const std::string make =
      "set -e; mkdir -p " + dir + "; cd " + dir +
      "; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
      "-subj /CN=test-ca 2>/dev/null"
      "; openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
      "-subj /CN=127.0.0.1 2>/dev/null"
      "; printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf"
      "; openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
      "-out server.pem -days 1 -extfile ext.cnf 2>/dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0);
  Server server("--tls-cert " + dir + "/server.pem --tls-key " + dir + "/server.key", 2);
  CliRun r =
      run(kCli + " call " + server.addr() + " /math/add '[2,3]' --tls --tls-ca " + dir + "/ca.pem");
  EXPECT_EQ(r.exit_code, 0) << r.out << stderr_of_last_run();
  EXPECT_EQ(r.out, "5\n");
  // Without the CA the server's certificate is not trusted: the dial fails (3).
  r = run(kCli + " call " + server.addr() + " /math/add '[2,3]' --tls");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  // --tls-insecure skips verification.
  r = run(kCli + " call " + server.addr() + " /math/add '[2,3]' --tls --tls-insecure");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(CliManners, EncodeAcceptsMtypeNames) {
  CliRun r = run(
      kCli + " encode",
      R"({"seq":1,"mtype":"CALL","service_method":"/math/add","meta":[["author","x"]],"body_codec":"json","body":[1,2,3]})");
  ASSERT_EQ(r.exit_code, 0) << stderr_of_last_run();
  EXPECT_EQ(
      r.out,
      "0000002c00013101092f6d6174682f6164640006636f64653d300008617574686f723d786a5b312c322c335d\n");
  r = run(kCli + " encode", R"({"seq":1,"mtype":"push","service_method":"/a"})");
  EXPECT_EQ(r.exit_code, 0) << stderr_of_last_run();
  r = run(kCli + " encode", R"({"seq":1,"mtype":"SHOUT"})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(stderr_of_last_run().find("unknown mtype \"SHOUT\""), std::string::npos);
}

TEST(CliManners, PlainWordsForHttpAndForTheWrongProto) {
  RawListener http("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CliRun r = run(kCli + " call " + http.addr() + " /math/add '[1]' --timeout 3000");
  EXPECT_NE(r.out.find("this looks like HTTP"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HTTP/1.1 400 Bad Request"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1213486160"), std::string::npos) << r.out;
  EXPECT_EQ(r.exit_code, 4);

  const std::string raw_frame =
      "0000002c00013101092f6d6174682f6164640006636f64653d300008617574686f723d786a5b312c322c335d";
  r = run(kCli + " decode --proto json --hex " + raw_frame);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(stderr_of_last_run().find("looks like a raw frame: try --proto raw"), std::string::npos)
      << stderr_of_last_run();
}

// `serve --admin` serves the demo server's metrics over HTTP.
TEST(CliManners, ServeAdminServesMetrics) {
  Server server("--admin 127.0.0.1:0", 5);
  ASSERT_EQ(run(kCli + " call " + server.addr() + " /math/add '[1,2]'").out, "3\n");
  const CliRun metrics = run("curl -s http://" + server.admin_addr() + "/metrics");
  EXPECT_NE(
      metrics.out.find("teleport_calls_total{route=\"/math/add\",side=\"handler\",code=\"0\"}"),
      std::string::npos)
      << metrics.out;
  EXPECT_NE(
      run("curl -s http://" + server.admin_addr() + "/debug").out.find("<code>/math/add</code>"),
      std::string::npos);
  // `teleport stats` reads the same through /debug/metrics.json.
  const CliRun stats = run(kCli + " stats " + server.admin_addr());
  EXPECT_EQ(stats.exit_code, 0);
  EXPECT_NE(stats.out.find("/math/add"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("handler"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("P99 ms"), std::string::npos) << stats.out;
  EXPECT_EQ(run(kCli + " stats 127.0.0.1:1").exit_code, 3);  // nobody there
}

// `serve --trace` logs a span per call, continuing the caller's W3C traceparent.
TEST(CliManners, ServeTraceLogsSpansThatContinueTheCallersTrace) {
  Server server("--trace", 6);
  CliRun r = run(kCli + " call " + server.addr() +
                 " /math/add '[1,2]' --meta traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-"
                 "00f067aa0ba902b7-01");
  ASSERT_EQ(r.exit_code, 0) << r.out << stderr_of_last_run();
  std::string log;
  for (int i = 0; i < 100 && log.find("span handler") == std::string::npos; ++i) {
    ::usleep(20 * 1000);
    log = server.output();
  }
  EXPECT_NE(log.find("span handler /math/add"), std::string::npos) << log;
  EXPECT_NE(log.find("trace=4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos) << log;
  EXPECT_NE(log.find("parent=00f067aa0ba902b7"), std::string::npos) << log;
}

TEST(CliManners, CallsAServiceThroughAChannel) {
  Server a("", 3), b("", 4);
  std::set<std::string> answers;
  for (const char* balance : {"rr", "least", "hash:user"}) {
    CliRun r = run(kCli + " call list://" + a.addr() + "," + b.addr() +
                   " '/math/add?user=x' '[1,2]' --balance " + balance);
    EXPECT_EQ(r.exit_code, 0) << balance << ": " << r.out << stderr_of_last_run();
    EXPECT_EQ(r.out, "3\n") << balance;
  }
  CliRun r = run(kCli + " call list://127.0.0.1:1 /math/add '[1]' --timeout 500");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  r = run(kCli + " call list://127.0.0.1:1 /math/add '[1]' --balance fastest");
  EXPECT_NE(r.exit_code, 0);
}

TEST(CliManners, ListShowsTheRoutesWithTheirTypes) {
  Server server;
  CliRun r = run(kCli + " list " + server.addr());
  ASSERT_EQ(r.exit_code, 0) << r.out << stderr_of_last_run();
  EXPECT_NE(r.out.find("call /math/add ([]int64 -> int64)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("call /_tp/routes"), std::string::npos) << r.out;
}

TEST(CliManners, CompletionAndManPage) {
  const std::string complete =
      "bash -c 'source <(" + kCli +
      " completion bash); COMP_WORDS=(teleport ca); COMP_CWORD=1; _teleport; echo "
      "\"${COMPREPLY[@]}\"; COMP_WORDS=(teleport call --sh); COMP_CWORD=2; _teleport; echo "
      "\"${COMPREPLY[@]}\"'";
  CliRun r = run(complete);
  EXPECT_EQ(r.exit_code, 0) << stderr_of_last_run();
  EXPECT_EQ(r.out, "call\n--show-meta\n");
  r = run("(" + kCli + " man | groff -man -Tutf8 -ww 2>&1 >/dev/null)");
  EXPECT_EQ(r.out, "") << "groff warnings:\n" << r.out;
  r = run("(" + kCli + " man | groff -man -Tascii | col -b)");
  EXPECT_NE(r.out.find("EXIT STATUS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--show-meta"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tp
