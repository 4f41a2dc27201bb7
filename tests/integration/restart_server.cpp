// A server for the graceful-restart test: /whoami answers its pid. It prints
// "listening <port> <pid>" once listening; SIGUSR2 restarts it, SIGTERM stops it.
#include <unistd.h>

#include <cstdio>

#include "teleport/peer.hpp"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  tp::Peer server({.listen_address = argv[1]});
  tp::Status st = server.route_call_func("/whoami", [](tp::Ctx&, const int&) -> tp::Result<int> {
    return static_cast<int>(getpid());
  });
  server.restart_on_signal(std::chrono::seconds(2));
  server.shutdown_on_signals(std::chrono::seconds(2));
  if (st.ok()) st = server.listen();
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  std::printf("listening %u %d\n", server.listen_port(), static_cast<int>(getpid()));
  std::fflush(stdout);
  server.wait_closed();
  return 0;
}
