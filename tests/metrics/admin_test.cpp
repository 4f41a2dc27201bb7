// The admin endpoint: GET /metrics over real HTTP (curl), what it refuses, a reader that never
// reads, and a real Prometheus scraping it.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "integration/math_peer.hpp"
#include "integration/shell.hpp"
#include "metrics/admin_url.hpp"
#include "support/etcd_cluster.hpp"  // free_port, spawn, kill_child
#include "support/eventually.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;
using test::run_command;
using test::url;

TEST(AdminEndpoint, ServesMetricsAndRefusesTheRest) {
  test::MathServer server({.listen_address = "127.0.0.1:0", .admin_address = "127.0.0.1:0"});
  ASSERT_NE(server.peer.admin_port(), 0);
  Peer client;
  auto [sess, st] = client.dial(server.addr());
  ASSERT_TRUE(st.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1, 2}).ok());

  const std::string page = run_command("curl -s -i " + url(server.peer, "/metrics"));
  EXPECT_NE(page.find("HTTP/1.1 200 OK"), std::string::npos) << page;
  EXPECT_NE(page.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos);
  EXPECT_NE(page.find("teleport_calls_total{route=\"/math/add\",side=\"handler\",code=\"0\"} 5"),
            std::string::npos)
      << page;
  const std::string json = run_command("curl -s " + url(server.peer, "/debug/metrics.json"));
  EXPECT_NE(json.find("{\"route\":\"/math/add\",\"side\":\"handler\",\"calls\":5,"),
            std::string::npos)
      << json;
  auto status_of = [&](const std::string& args) {
    return run_command("curl -s -o /dev/null -w '%{http_code}' " + args);
  };
  EXPECT_EQ(status_of("-X POST " + url(server.peer, "/metrics")), "405");
  EXPECT_EQ(status_of(url(server.peer, "/debug/../etc/passwd")), "404");
  EXPECT_EQ(status_of(url(server.peer, "/")), "404");
  EXPECT_EQ(
      status_of("-H 'X-Big: " + std::string(10000, 'a') + "' " + url(server.peer, "/metrics")),
      "431");
  EXPECT_EQ(status_of("--data-binary hello " + url(server.peer, "/metrics")), "400");
  EXPECT_EQ(run_command("curl -s -I " + url(server.peer, "/metrics") + " | head -1"),
            "HTTP/1.1 200 OK\r\n");
  // gzip when asked (as Prometheus does); curl --compressed reads it back.
  const std::string gz = run_command("curl -s -i -H 'Accept-Encoding: gzip' " +
                                     url(server.peer, "/metrics") + " | tr -d '\\r'");
  EXPECT_NE(gz.find("Content-Encoding: gzip"), std::string::npos) << gz.substr(0, 300);
  EXPECT_NE(run_command("curl -s --compressed " + url(server.peer, "/metrics"))
                .find("teleport_calls_total{route=\"/math/add\""),
            std::string::npos);
}

// Readers that connect and never read or send hold up neither the calls nor other readers.
TEST(AdminEndpoint, SilentReadersStallNothing) {
  test::MathServer server({.listen_address = "127.0.0.1:0", .admin_address = ":0"});
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> silent;
  for (int i = 0; i < 20; ++i) {
    silent.emplace_back(io).connect(
        {boost::asio::ip::make_address("127.0.0.1"), server.peer.admin_port()});
  }
  Peer client;
  auto [sess, st] = client.dial(server.addr());
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(sess->call<int>("/math/add", std::vector{1}, {.timeout = 1s}).ok());
  EXPECT_NE(
      run_command("curl -s -m 2 " + url(server.peer, "/metrics")).find("teleport_sessions_open"),
      std::string::npos);
  // The endpoint drops them after its timeout.
  char byte = 0;
  boost::system::error_code ec;
  silent.front().read_some(boost::asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec) << "a silent reader was never dropped";
}

TEST(AdminEndpoint, BadAddressIsAStatus) {
  Peer peer({.admin_address = "nowhere"});
  EXPECT_EQ(peer.listen().code(), code::kBadMessage);
  EXPECT_EQ(peer.admin_port(), 0);
}

// A real Prometheus scrapes the endpoint every second while calls run; its HTTP API gives the
// count back.
TEST(AdminEndpoint, PrometheusScrapesTheCalls) {
  ASSERT_EQ(std::system("command -v prometheus >/dev/null 2>&1"), 0)
      << "prometheus is not installed (apt-get install prometheus)";
  test::MathServer server({.listen_address = "127.0.0.1:0", .admin_address = "127.0.0.1:0"});
  const auto dir = std::filesystem::temp_directory_path() /
                   ("teleport-prometheus-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
      << "  - job_name: teleport\n    static_configs:\n      - targets: ['127.0.0.1:"
      << server.peer.admin_port() << "']\n";
  const int web_port = test::free_port();
  pid_t prometheus =
      test::spawn({"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                   "--storage.tsdb.path=" + (dir / "data").string(),
                   "--web.listen-address=127.0.0.1:" + std::to_string(web_port)},
                  (dir / "prometheus.log").string());

  Peer client;
  auto [sess, st] = client.dial(server.addr());
  ASSERT_TRUE(st.ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sess->call<int>("/math/add", std::vector{i}).ok());
  const std::string query =
      "curl -s -G http://127.0.0.1:" + std::to_string(web_port) +
      "/api/v1/query --data-urlencode "
      "'query=teleport_calls_total{route=\"/math/add\",side=\"handler\",code=\"0\"}'";
  std::string answer;
  const bool seen = test::eventually(
      [&] {
        answer = run_command(query);
        return answer.find("\"100\"]") != std::string::npos;
      },
      30s);
  EXPECT_TRUE(seen) << answer << "\n"
                    << run_command("tail -20 " + (dir / "prometheus.log").string());
  test::kill_child(prometheus, SIGTERM);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tp
