// A backend of the cluster example: serves /math/add, names itself in every reply's meta
// (`backend`), and stays registered on etcd while it runs.
//
//   cluster_server etcd://127.0.0.1:2379/math alpha
#include <teleport/etcd.hpp>
#include <teleport/teleport.hpp>

#include <iostream>
#include <numeric>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: cluster_server etcd://HOST:PORT/SERVICE NAME\n";
    return 2;
  }
  const std::string name = argv[2];
  tp::Peer server({.listen_address = "127.0.0.1:0"});
  tp::Status st = server.route_call_func(
      "/math/add", [name](tp::Ctx& ctx, const std::vector<long long>& xs) -> tp::Result<long long> {
        ctx.reply_meta().set("backend", name);
        return std::accumulate(xs.begin(), xs.end(), 0LL);
      });
  if (st.ok()) st = server.listen();
  if (!st.ok()) {
    std::cerr << name << ": " << st.to_string() << "\n";
    return 1;
  }
  // A short TTL so that the example shows a killed server leaving within seconds.
  auto registration = tp::etcd::register_peer(server, argv[1], {.ttl = std::chrono::seconds(2)});
  if (!registration.ok()) {
    std::cerr << name << ": " << registration.status.to_string() << "\n";
    return 1;
  }
  std::cout << name << " listening on 127.0.0.1:" << server.listen_port() << std::endl;
  server.shutdown_on_signals();  // SIGTERM: deregister, then stop accepting, then close
  server.wait_closed();
  std::cout << name << " stopped" << std::endl;
  return 0;
}
