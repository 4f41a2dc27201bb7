// Fuzzes Go geminio's frame codec and JSON bodies: any bytes decode without a crash or an
// allocation past the limit; a frame decoded encodes to bytes that decode to the same frame (Go's
// reserved bytes aside, the same bytes); a body read writes Go's text, which reads back the same;
// and both sides' protocol state take any sequence of frames.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "geminio/gowire/bodies.hpp"
#include "geminio/gowire/frame.hpp"
#include "geminio/gowire/link.hpp"

namespace gw = tp::geminio::gowire;

namespace {

template <class Body>
void round_trip(const std::string& json) {
  Body first;
  if (!gw::from_json(json, first).ok()) return;
  Body second;
  if (!gw::from_json(gw::to_json(first), second).ok() || !(second == first)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::uint64_t next = 2;
  gw::Link server({.server = true,
                   .client_id = [](std::uint64_t wanted, const std::string&) { return wanted + 1; },
                   .next_id = [&] { return next += 2; }});
  gw::Link client({.server = false, .next_id = [&] { return next += 2; }});
  (void)client.connect("fuzz", 0, 20);
  std::vector<gw::Frame> out;
  std::vector<gw::LinkEvent> events;
  const auto now = gw::Link::Clock::now();
  while (!bytes.empty()) {
    gw::Frame f;
    const auto r = gw::decode_frame(bytes, 64 * 1024, f);
    if (r.kind != gw::DecodeOutcome::Kind::kFrame) break;
    std::string again;
    gw::encode_frame(f, again);
    gw::Frame back;
    const auto r2 = gw::decode_frame(again, 64 * 1024, back);
    if (r2.kind != gw::DecodeOutcome::Kind::kFrame || r2.consumed != again.size() || !(back == f))
      std::abort();
    switch (f.type) {
      case gw::Type::kConn:
      case gw::Type::kConnAck:
      case gw::Type::kDisconnAck:
        round_trip<gw::ConnData>(f.body);
        break;
      case gw::Type::kSession:
      case gw::Type::kSessionAck:
      case gw::Type::kDismiss:
      case gw::Type::kDismissAck:
        round_trip<gw::SessionData>(f.body);
        break;
      case gw::Type::kRegisterAck:
        round_trip<gw::RegisterData>(f.body);
        break;
      case gw::Type::kMessage:
      case gw::Type::kMessageAck:
      case gw::Type::kRequest:
      case gw::Type::kResponse:
        round_trip<gw::MessageData>(f.body);
        break;
      default:
        break;
    }
    // Either side takes any frame; a failure only means the connection would close.
    (void)server.receive(f, now, out, events);
    (void)client.receive(f, now, out, events);
    if (out.size() > 1000) out.clear();
    if (events.size() > 1000) events.clear();
    bytes.remove_prefix(r.consumed);
  }
  return 0;
}
