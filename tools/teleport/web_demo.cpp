#include "web_demo.hpp"

#include <boost/json.hpp>
#include <iostream>

#include "teleport/context.hpp"

namespace tp::tool {

namespace {

void broadcast(Peer& peer, const std::string& sm, const boost::json::object& body) {
  peer.range_sessions([&](const std::shared_ptr<Session>& s) {
    (void)s->push(sm, body);  // a session closing meanwhile simply misses it
    return true;
  });
}

}  // namespace

Status add_web_demo_routes(Peer& peer) {
  return peer.route_push_func("/feed/say", [&peer](Ctx& ctx, const std::string& text) {
    const std::string from = ctx.session().id();
    ctx.session().async_call<std::string>(
        "/page/upper", text,
        [&peer, from, text](Status st, const std::string& upper) {
          broadcast(peer, "/feed/said",
                    {{"from", from}, {"text", text}, {"upper", st.ok() ? upper : st.to_string()}});
        },
        CallOptions{.timeout = std::chrono::seconds(2)});
  });
}

void push_web_demo_tick(Peer& peer, std::int64_t n) {
  broadcast(peer, "/feed/tick",
            {{"n", n}, {"sessions", static_cast<std::int64_t>(peer.count_sessions())}});
}

}  // namespace tp::tool
