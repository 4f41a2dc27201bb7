// The demo server: /math/add, and a status push to every session every interval.
// Usage: example_server [ADDR=127.0.0.1:9090] [SECONDS=0 (run until killed)]
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "math_service.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
}

int main(int argc, char** argv) {
  const std::string addr = argc > 1 ? argv[1] : "127.0.0.1:9090";
  const int seconds = argc > 2 ? std::stoi(argv[2]) : 0;
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });

  tp::Peer server({.listen_address = addr});
  auto st = demo::register_math(server);
  if (st.ok()) st = server.listen();
  if (!st.ok()) {
    std::cerr << "server: " << st.to_string() << "\n";
    return 1;
  }
  std::cout << "server: listening on " << addr << std::endl;
  const auto start = std::chrono::steady_clock::now();
  for (int tick = 1; !g_stop; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (tick % 5 == 0) {  // every second: tell every session how we are doing
      server.range_sessions([&](const auto& s) {
        (void)s->push("/push/status", std::string("server is up, ") +
                                          std::to_string(server.count_sessions()) + " session(s)");
        return true;
      });
    }
    if (seconds > 0 && std::chrono::steady_clock::now() - start > std::chrono::seconds(seconds))
      break;
  }
  server.close();
  std::cout << "server: closed" << std::endl;
}
