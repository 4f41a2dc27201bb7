// Plugging in your own spdlog logger: one peer logs every message it sends and receives
// (print_detail) to a file at debug level, the other keeps the process-wide default, which is
// set here to a quieter logger of the application's. Prints the file's lines at the end.
// Usage: example_custom_logger [LOG_FILE=custom_logger.log]
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <numeric>
#include <vector>

#include "teleport/logging.hpp"
#include "teleport/peer.hpp"

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "custom_logger.log";
  // Every peer without a logger of its own writes here: warnings and errors only.
  auto quiet = spdlog::stderr_color_mt("app");
  quiet->set_level(spdlog::level::warn);
  tp::set_default_logger(quiet);

  // This peer writes to a file, at debug level, every message in and out.
  auto file = std::make_shared<spdlog::logger>(
      "server", std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/true));
  file->set_level(spdlog::level::debug);
  tp::Peer server(
      tp::PeerConfig{.listen_address = "127.0.0.1:0", .print_detail = true, .logger = file});
  (void)server.route_call_func("/math/add",
                               [](tp::Ctx& ctx, const std::vector<int>& xs) -> tp::Result<int> {
                                 ctx.logger().debug("adding {} numbers", xs.size());
                                 return std::accumulate(xs.begin(), xs.end(), 0);
                               });
  if (!server.listen().ok()) return 1;

  tp::Peer client;  // logs through tp::default_logger(): the quiet one
  auto session = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  if (!session.ok()) return 1;
  auto sum = session.value->call<int>("/math/add", std::vector{1, 2, 3});
  if (!sum.ok() || sum.value != 6) return 1;
  server.close();
  file->flush();

  std::ifstream in(path);
  int lines = 0;
  bool saw_handler_line = false;
  for (std::string line; std::getline(in, line); ++lines) {
    std::cout << line << "\n";
    saw_handler_line |= line.find("adding 3 numbers") != std::string::npos;
  }
  return lines >= 3 && saw_handler_line ? 0 : 1;
}
