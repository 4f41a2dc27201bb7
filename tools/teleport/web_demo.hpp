// The demo behind `teleport serve --web`: what the page in clients/web/demo talks to.
#pragma once

#include "teleport/peer.hpp"

namespace tp::tool {

/// Adds the page's routes to `peer`: a push to /feed/say asks the sender's page to upper-case
/// the text (a call from the server to the browser, /page/upper) and pushes the result to every
/// session as /feed/said.
Status add_web_demo_routes(Peer& peer);

/// Pushes /feed/tick {"n": n, "sessions": open sessions} to every session.
void push_web_demo_tick(Peer& peer, std::int64_t n);

}  // namespace tp::tool
