// A user's first program against the installed core: a server and a client peer on loopback,
// configured with designated initializers, a call, a push and a Geminio client object.
#include <teleport/geminio.hpp>
#include <teleport/geminio_teleport.hpp>
#include <teleport/teleport.hpp>

#include <future>
#include <iostream>
#include <numeric>
#include <vector>

int main() {
  tp::Peer server(tp::PeerConfig{.listen_address = "127.0.0.1:0"});
  std::promise<std::string> pushed;
  if (!server
           .route_call_func("/math/add",
                            [](tp::Ctx& ctx, const std::vector<int>& xs) -> tp::Result<int> {
                              ctx.reply_meta().set("peer-sessions",
                                                   std::to_string(ctx.peer().count_sessions()));
                              return std::accumulate(xs.begin(), xs.end(), 0);
                            })
           .ok() ||
      !server
           .route_push_func("/chat/say",
                            [&](tp::Ctx&, const std::string& text) { pushed.set_value(text); })
           .ok() ||
      !server.listen().ok()) {
    return 1;
  }
  tp::Peer client(tp::PeerConfig{.dial_timeout = std::chrono::seconds(3)});
  auto dialed = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  if (!dialed.ok()) {
    std::cerr << "consumer: " << dialed.status.to_string() << "\n";
    return 1;
  }
  tp::Meta meta;
  auto sum = dialed.value->call<int>("/math/add", std::vector{1, 2, 3},
                                     tp::CallOptions{.timeout = std::chrono::seconds(3)}, &meta);
  if (!sum.ok() || sum.value != 6 || meta.get("peer-sessions") != "1") {
    std::cerr << "consumer: call: " << sum.status.to_string() << "\n";
    return 1;
  }
  if (!dialed.value->push("/chat/say", std::string("hello")).ok()) return 1;
  auto said = pushed.get_future();
  if (said.wait_for(std::chrono::seconds(3)) != std::future_status::ready || said.get() != "hello")
    return 1;
  tp::geminio::Client unused_client;  // both Geminio wires build with no warning under -Wextra
  tp::geminio::teleport::Client unused_teleport_client;
  (void)unused_client;
  (void)unused_teleport_client;
  std::cout << "consumer: /math/add [1,2,3] = " << sum.value << ", push delivered\n";
  return 0;
}
