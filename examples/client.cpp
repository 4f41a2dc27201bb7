// The demo client: calls /math/add?author=... with [1,2,3,4,5] (prints 15) and waits for one
// /push/status from the server. Usage: example_client [ADDR=127.0.0.1:9090]
#include <future>
#include <iostream>
#include <vector>

#include "teleport/peer.hpp"

int main(int argc, char** argv) {
  const std::string addr = argc > 1 ? argv[1] : "127.0.0.1:9090";
  tp::Peer client;
  std::promise<std::string> status;
  const tp::Status routed = client.route_push_func(
      "/push/status", [&, once = false](tp::Ctx&, const std::string& text) mutable {
        if (!std::exchange(once, true)) status.set_value(text);
      });
  if (!routed.ok()) {
    std::cerr << "client: " << routed.to_string() << "\n";
    return 1;
  }
  auto [session, st] = client.dial(addr);
  if (!st.ok()) {
    std::cerr << "client: " << st.to_string() << "\n";
    return 1;
  }
  auto sum = session->call<long long>("/math/add?author=teleport-cpp",
                                      std::vector<long long>{1, 2, 3, 4, 5});
  if (!sum.ok()) {
    std::cerr << "client: " << sum.status.to_string() << "\n";
    return 1;
  }
  std::cout << "client: /math/add [1,2,3,4,5] = " << sum.value << std::endl;
  auto push = status.get_future();
  if (push.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    std::cerr << "client: no /push/status within 5 s\n";
    return 1;
  }
  std::cout << "client: got push /push/status: " << push.get() << std::endl;
  return sum.value == 15 ? 0 : 1;
}
