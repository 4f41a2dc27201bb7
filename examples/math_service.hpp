// The seeds' demo service: /math/add sums a list of numbers and logs the `author` query.
#pragma once

#include <iostream>
#include <numeric>
#include <vector>

#include "teleport/peer.hpp"

namespace demo {

/// Adds the demo routes to `peer`.
inline tp::Status register_math(tp::Peer& peer) {
  return peer.route_call_func(
      "/math/add", [](tp::Ctx& ctx, const std::vector<long long>& xs) -> tp::Result<long long> {
        if (auto author = ctx.query_param("author")) {
          std::cout << "server: /math/add from author=" << *author << " (" << ctx.real_ip() << ")"
                    << std::endl;
        }
        return std::accumulate(xs.begin(), xs.end(), 0LL);
      });
}

}  // namespace demo
