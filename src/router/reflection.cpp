#include "teleport/reflection.hpp"

namespace tp {

Status serve_routes(Peer& peer) {
  const RouteTable& table = peer.router().table();
  return peer.route_call_func(std::string(kRoutesPath),
                              [&table](Ctx&, const std::string&) -> Result<std::vector<RouteInfo>> {
                                return table.list();
                              });
}

}  // namespace tp
