// The /debug page and /debug/*.json: sessions, routes, slow calls with their meta (escaped: it
// comes from the network), the effective config, the sampled history; and the page loaded in a
// real headless Chromium under load, its screenshot kept under the build tree.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "integration/math_peer.hpp"
#include "integration/shell.hpp"
#include "metrics/admin_url.hpp"
#include "support/eventually.hpp"

namespace tp {
namespace {

using namespace std::chrono_literals;
using test::run_command;
using test::url;

// A MathServer with an admin endpoint, a slow-call threshold of 10 ms and a route that naps.
struct DebugServer : test::MathServer {
  DebugServer()
      : MathServer({.listen_address = "127.0.0.1:0",
                    .slow_call_threshold = 10ms,
                    .admin_address = "127.0.0.1:0"}) {
    EXPECT_TRUE(peer.route_call_func("/slow/nap",
                                     [](Ctx&, const int& ms) -> Result<int> {
                                       std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                       return ms;
                                     })
                    .ok());
  }
};

TEST(DebugPage, ShowsSessionsRoutesSlowCallsAndConfig) {
  DebugServer server;
  server.peer.add_metrics_source([](std::vector<MetricSample>& out) {
    out.push_back(
        {.name = "app_players_online", .help = "Players.", .counter = false, .value = 42});
  });
  Peer client;
  auto [sess, st] = client.dial(server.addr());
  ASSERT_TRUE(st.ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(sess->call<int>("/math/add", std::vector{1, 2}).ok());
  CallOptions hostile;
  hostile.meta.add("X-Note", "<script>alert(1)</script>");
  ASSERT_TRUE(sess->call<int>("/slow/nap", 30, hostile).ok());

  const std::string page = run_command("curl -s -i " + url(server.peer, "/debug"));
  EXPECT_NE(page.find("HTTP/1.1 200 OK"), std::string::npos) << page.substr(0, 300);
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(page.find("<meta http-equiv=\"refresh\""), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos) << "network text reached the page unescaped";
  EXPECT_NE(page.find("X-Note=&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("<code>/math/add</code>"), std::string::npos);
  EXPECT_NE(page.find("<code>/slow/nap</code>"), std::string::npos);
  EXPECT_NE(page.find(sess->local_addr()), std::string::npos) << "the client's session is missing";
  EXPECT_NE(page.find("slow_call_threshold_ms"), std::string::npos);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("<code>app_players_online</code>"), std::string::npos);
  EXPECT_NE(run_command("curl -s " + url(server.peer, "/metrics")).find("app_players_online 42\n"),
            std::string::npos);

  const auto sessions =
      boost::json::parse(run_command("curl -s " + url(server.peer, "/debug/sessions.json")));
  ASSERT_EQ(sessions.as_array().size(), 1u) << sessions;
  const auto& one = sessions.as_array()[0].as_object();
  EXPECT_EQ(one.at("remote").as_string(), sess->local_addr());
  EXPECT_FALSE(one.at("dialed").as_bool());
  EXPECT_GT(one.at("bytes_in").to_number<std::uint64_t>(), 20u * 20);
  EXPECT_GT(one.at("bytes_out").to_number<std::uint64_t>(), 20u * 15);
  // The client sees its own side: dialed, same bytes the other way.
  ASSERT_EQ(client.sessions().size(), 1u);
  EXPECT_TRUE(client.sessions()[0].dialed);

  const auto slow =
      boost::json::parse(run_command("curl -s " + url(server.peer, "/debug/slow_calls.json")));
  ASSERT_EQ(slow.as_array().size(), 1u) << slow;
  const auto& call = slow.as_array()[0].as_object();
  EXPECT_EQ(call.at("service_method").as_string(), "/slow/nap");
  EXPECT_EQ(call.at("side").as_string(), "handler");
  EXPECT_GE(call.at("seconds").to_number<double>(), 0.03);
  EXPECT_EQ(call.at("meta").as_array()[0].as_array()[1].as_string(), "<script>alert(1)</script>");

  const auto config =
      boost::json::parse(run_command("curl -s " + url(server.peer, "/debug/config.json")));
  EXPECT_EQ(config.at("listen_port").to_number<int>(), server.peer.listen_port());
  EXPECT_EQ(config.at("config").at("slow_call_threshold_ms").to_number<int>(), 10);

  // The history gains a point a second; one with the calls below appears within a few.
  std::string history;
  EXPECT_TRUE(test::eventually(
      [&] {
        (void)sess->call<int>("/math/add", std::vector{1});
        history = run_command("curl -s " + url(server.peer, "/debug/history.json"));
        const auto points = boost::json::parse(history);
        for (const auto& p : points.as_array()) {
          if (p.at("handler").at("calls_per_second").to_number<double>() > 0 &&
              p.at("handler").at("p99_seconds").to_number<double>() > 0)
            return true;
        }
        return false;
      },
      10s))
      << history;
  EXPECT_EQ(run_command("curl -s -o /dev/null -w '%{http_code}' -X DELETE " +
                        url(server.peer, "/debug/sessions.json")),
            "405");
  EXPECT_EQ(run_command("curl -s -o /dev/null -w '%{http_code}' " +
                        url(server.peer, "/debug/nothing.json")),
            "404");
}

// Headless Chromium loads the page while calls run; the screenshot stays under the build tree
// (a CI artifact) and the DOM it rendered holds the routes table and the charts' lines.
TEST(DebugPage, ChromiumRendersItUnderLoad) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null 2>&1"), 0)
      << "chromium is not installed (apt-get install chromium)";
  DebugServer server;
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&] {
      Peer client;
      auto [sess, st] = client.dial(server.addr());
      if (!st.ok()) return;
      for (int i = 0; !stop; ++i) {
        (void)sess->call<int>("/math/add", std::vector{i, 1});
        if (i % 200 == 0) (void)sess->call<int>("/slow/nap", 12);
      }
    });
  }
  std::this_thread::sleep_for(4s);  // a few history samples under load

  const std::filesystem::path artifacts = TELEPORT_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  const auto shot = artifacts / "debug-page.png";
  std::filesystem::remove(shot);
  const auto profile =
      std::filesystem::temp_directory_path() / ("teleport-chromium-" + std::to_string(::getpid()));
  const std::string chromium =
      "timeout 90 chromium --headless --no-sandbox --disable-gpu "
      "--hide-scrollbars --no-first-run --user-data-dir=" +
      profile.string() + " --window-size=1280,2200 ";
  const std::string dom =
      run_command(chromium + "--dump-dom " + url(server.peer, "/debug") + " 2>/dev/null");
  (void)run_command(chromium + "--screenshot=" + shot.string() + " " + url(server.peer, "/debug") +
                    " 2>&1");
  stop = true;
  for (auto& t : load) t.join();
  std::filesystem::remove_all(profile);

  EXPECT_NE(dom.find("<h1>teleport peer</h1>"), std::string::npos) << dom.substr(0, 500);
  EXPECT_NE(dom.find("<code>/math/add</code>"), std::string::npos);
  EXPECT_NE(dom.find("<polyline"), std::string::npos) << "no chart line after 4 s of load";
  EXPECT_NE(dom.find("Sessions (2)"), std::string::npos);
  ASSERT_TRUE(std::filesystem::exists(shot)) << "chromium wrote no screenshot";
  EXPECT_GT(std::filesystem::file_size(shot), 20'000u);  // a rendered page, not a blank one
  std::ifstream png(shot, std::ios::binary);
  char magic[8] = {};
  png.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
}

}  // namespace
}  // namespace tp
