// The opt-in reflection route: a peer that serves it tells callers its routes, with their
// argument and reply types where known (`teleport list ADDR` reads it, as grpcurl's list reads
// gRPC reflection).
#pragma once

#include <string_view>

#include "teleport/peer.hpp"

namespace tp {

/// The service method of the reflection route.
inline constexpr std::string_view kRoutesPath = "/_tp/routes";

/// Adds the call route kRoutesPath to `peer`: it answers every route of the peer as a JSON list
/// of RouteInfo (`[{"path":"/math/add","type":"call","arg":"[]int64","reply":"int64"}, ...]`),
/// routes added later included. Off unless called: a route list tells a stranger what to try.
Status serve_routes(Peer& peer);

}  // namespace tp
