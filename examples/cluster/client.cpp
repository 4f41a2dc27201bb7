// The client of the cluster example: calls /math/add through an etcd:// channel every 50 ms for
// a while and prints which backend answered each call. Exits 1 if any call failed.
//
//   cluster_client etcd://127.0.0.1:2379/math 8
#include <teleport/etcd.hpp>
#include <teleport/teleport.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: cluster_client etcd://HOST:PORT/SERVICE SECONDS\n";
    return 2;
  }
  tp::Peer client;
  tp::Channel math(client, argv[1], {.balance = "rr"});
  if (tp::Status st = math.start(); !st.ok()) {
    std::cerr << "client: " << st.to_string() << "\n";
    return 1;
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(std::stoi(argv[2]));
  int calls = 0, failed = 0;
  while (std::chrono::steady_clock::now() < until) {
    tp::Meta reply_meta;
    // A sum is safe to repeat: marked idempotent, a call written to a backend that died is
    // retried on another one instead of failing.
    auto sum =
        math.call<long long>("/math/add", std::vector<long long>{1, 2, 3},
                             {.timeout = std::chrono::seconds(2), .idempotent = true}, &reply_meta);
    ++calls;
    if (sum.ok()) {
      std::cout << "call " << calls << ": " << sum.value << " from "
                << reply_meta.get("backend").value_or("?") << std::endl;
    } else {
      ++failed;
      std::cout << "call " << calls << ": " << sum.status.to_string() << std::endl;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cout << "client: " << calls << " calls, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
