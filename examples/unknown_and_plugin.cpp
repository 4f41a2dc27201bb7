// Unknown-call/push handlers and a stock plugin (ignorecase), server and client in one program.
// The server answers calls to routes it does not know by echoing what it got; the ignore-case
// plugin lets "/MATH/ADD" reach "/math/add".
#include <future>
#include <iostream>
#include <vector>

#include "math_service.hpp"
#include "teleport/peer.hpp"
#include "teleport/plugin/ignorecase.hpp"

int main() {
  tp::Peer server({.listen_address = "127.0.0.1:0"}, {std::make_shared<tp::plugin::IgnoreCase>()});
  if (auto st = demo::register_math(server); !st.ok()) return 1;
  server.router().set_unknown_call([](tp::Ctx& ctx) -> tp::Status {
    // The raw body and its codec are here; bind<T>() decodes it if the type is known.
    std::vector<int> numbers;
    const bool numeric = ctx.bind(numbers).ok();
    return ctx.set_reply("unknown " + ctx.path() + " got " +
                         std::to_string(ctx.input().body.size()) + " bytes of " +
                         std::string(tp::codec_name(ctx.input().body_codec)) +
                         (numeric ? " (a list of numbers)" : ""));
  });
  std::promise<std::string> pushed;
  server.router().set_unknown_push([&](tp::Ctx& ctx) -> tp::Status {
    pushed.set_value(ctx.path() + " <- " + ctx.input().body);
    return {};
  });
  if (auto st = server.listen(); !st.ok()) {
    std::cerr << st.to_string() << "\n";
    return 1;
  }

  tp::Peer client;
  auto [session, st] = client.dial("127.0.0.1:" + std::to_string(server.listen_port()));
  if (!st.ok()) {
    std::cerr << st.to_string() << "\n";
    return 1;
  }
  long long sum = 0;
  st = session->call<long long>("/MATH/ADD", std::vector<long long>{1, 2, 3}).into(sum);
  std::cout << "ignore-case: /MATH/ADD [1,2,3] = " << sum << " (" << st.to_string() << ")\n";
  std::string echo;
  st = session->call<std::string>("/no/such/route", std::vector<int>{4, 5}).into(echo);
  std::cout << "unknown call: " << echo << " (" << st.to_string() << ")\n";
  (void)session->push("/no/such/topic", std::string("hello"), {.body_codec = tp::codec_id::kPlain});
  auto got = pushed.get_future();
  if (got.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return 1;
  std::cout << "unknown push: " << got.get() << "\n";
  return sum == 6 && echo.starts_with("unknown /no/such/route got 5 bytes of json") ? 0 : 1;
}
