#include "geminio/gowire/go_metrics.hpp"

#include "geminio/side_sample.hpp"

namespace tp::geminio::detail {

Metrics GoCounters::read() const {
  auto get = [](const Count& c) { return c.load(std::memory_order_relaxed); };
  // The parts (failed, error) are read before their wholes, so a read never shows more of them.
  Metrics m;
  m.calls_failed = get(calls_failed);
  m.calls_sent = get(calls_sent);
  m.requests_failed = get(requests_failed);
  m.requests_received = get(requests_received);
  m.acks_sent_error = get(acks_sent_error);
  m.acks_sent = get(acks_sent);
  m.acks_received_error = get(acks_received_error);
  m.acks_received = get(acks_received);
  m.endpoints_connected = get(endpoints_connected);
  m.connections = get(connections);
  m.reconnects = get(reconnects);
  m.bad_input_closes = get(bad_input_closes);
  m.streams_open = get(streams_open);
  m.streams_opened = get(streams_opened);
  m.messages_published = get(messages_published);
  m.messages_received = get(messages_received);
  m.resent = get(resent);
  m.timed_out = get(timed_out);
  m.read_pauses = get(read_pauses);
  return m;
}

void append_samples(const Metrics& m, const char* side, std::vector<MetricSample>& out) {
  auto add = [&](const char* name, const char* help, bool counter, std::uint64_t value,
                 std::vector<std::pair<std::string, std::string>> labels = {}) {
    out.push_back(
        side_sample(side, name, help, counter, static_cast<double>(value), std::move(labels)));
  };
  add("teleport_geminio_go_endpoints", "Go-wire Geminio connections open now.", false,
      m.endpoints_connected);
  add("teleport_geminio_go_connections_total",
      "Go-wire Geminio connections that passed the handshake.", true, m.connections);
  add("teleport_geminio_go_reconnects_total", "Go-wire connections made again after a loss.", true,
      m.reconnects);
  add("teleport_geminio_go_bad_input_closes_total",
      "Go-wire connections closed for a frame that broke the wire.", true, m.bad_input_closes);
  add("teleport_geminio_go_streams_open", "Go-wire streams open now (default streams aside).",
      false, m.streams_open);
  add("teleport_geminio_go_streams_opened_total", "Go-wire streams opened by either end.", true,
      m.streams_opened);
  add("teleport_geminio_go_calls_total", "Go-wire RPCs, by direction and result.", true,
      m.calls_sent - m.calls_failed, {{"direction", "sent"}, {"result", "ok"}});
  add("teleport_geminio_go_calls_total", "", true, m.calls_failed,
      {{"direction", "sent"}, {"result", "error"}});
  add("teleport_geminio_go_calls_total", "", true, m.requests_received - m.requests_failed,
      {{"direction", "received"}, {"result", "ok"}});
  add("teleport_geminio_go_calls_total", "", true, m.requests_failed,
      {{"direction", "received"}, {"result", "error"}});
  add("teleport_geminio_go_messages_total", "Go-wire messages, by direction.", true,
      m.messages_published, {{"direction", "published"}});
  add("teleport_geminio_go_messages_total", "", true, m.messages_received,
      {{"direction", "received"}});
  add("teleport_geminio_go_acks_total", "Go-wire acknowledgments, by direction and verdict.", true,
      m.acks_sent - m.acks_sent_error, {{"direction", "sent"}, {"verdict", "done"}});
  add("teleport_geminio_go_acks_total", "", true, m.acks_sent_error,
      {{"direction", "sent"}, {"verdict", "error"}});
  add("teleport_geminio_go_acks_total", "", true, m.acks_received - m.acks_received_error,
      {{"direction", "received"}, {"verdict", "done"}});
  add("teleport_geminio_go_acks_total", "", true, m.acks_received_error,
      {{"direction", "received"}, {"verdict", "error"}});
  add("teleport_geminio_go_resent_total", "Go-wire messages sent again after a reconnect.", true,
      m.resent);
  add("teleport_geminio_go_timed_out_total",
      "Go-wire calls, publishes and stream opens given up at their timeout.", true, m.timed_out);
  add("teleport_geminio_go_read_pauses_total",
      "Times a Go-wire connection stopped reading its socket (backpressure).", true, m.read_pauses);
}

}  // namespace tp::geminio::detail
