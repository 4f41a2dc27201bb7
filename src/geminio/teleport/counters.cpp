#include "geminio/teleport/counters.hpp"

#include "geminio/side_sample.hpp"

namespace tp::geminio::teleport::detail {

void EndpointCounters::add_to(GeminioMetrics& m) const {
  auto get = [](const Count& c) { return c.load(std::memory_order_relaxed); };
  m.streams_opened += get(streams_opened);
  m.streams_reset += get(streams_reset);
  m.duplicates += get(duplicates);
  m.acks_sent += get(acks_sent);
  const std::uint64_t rejected_now = get(rejected);
  m.acks_received += get(acks_done) + rejected_now;
  m.rejected += rejected_now;
  m.resent += get(resent);
  m.timed_out += get(timed_out);
  for (std::size_t i = 0; i < 3; ++i) {
    m.published[i] += get(published[i]);
    m.received[i] += get(received[i]);
  }
}

void append_samples(const GeminioMetrics& m, const char* side, std::vector<MetricSample>& out) {
  auto add = [&](const char* name, const char* help, bool counter, double value,
                 std::vector<std::pair<std::string, std::string>> labels = {}) {
    out.push_back(
        geminio::detail::side_sample(side, name, help, counter, value, std::move(labels)));
  };
  auto n = [](std::uint64_t v) { return static_cast<double>(v); };
  add("teleport_geminio_endpoints", "Geminio endpoints now, by state.", false,
      n(m.endpoints_connected), {{"state", "connected"}});
  add("teleport_geminio_endpoints", "", false, n(m.endpoints_waiting), {{"state", "waiting"}});
  add("teleport_geminio_endpoints_created_total", "Geminio endpoints created.", true,
      n(m.endpoints_created));
  add("teleport_geminio_streams_open", "Geminio streams open now (default streams aside).", false,
      n(m.streams_open));
  add("teleport_geminio_streams_opened_total", "Geminio streams opened by either end.", true,
      n(m.streams_opened));
  add("teleport_geminio_streams_reset_total", "Geminio streams reset.", true, n(m.streams_reset));
  static constexpr const char* kLevels[] = {"at_most_once", "at_least_once", "effectively_once"};
  for (std::size_t i = 0; i < 3; ++i) {
    add("teleport_geminio_messages_published_total", "Geminio messages published, by delivery.",
        true, n(m.published[i]), {{"delivery", kLevels[i]}});
  }
  for (std::size_t i = 0; i < 3; ++i) {
    add("teleport_geminio_messages_received_total", "Geminio messages delivered, by delivery.",
        true, n(m.received[i]), {{"delivery", kLevels[i]}});
  }
  add("teleport_geminio_duplicates_total", "Effectively-once duplicates dropped.", true,
      n(m.duplicates));
  add("teleport_geminio_acks_total", "Geminio acknowledgments, by direction and verdict.", true,
      n(m.acks_sent), {{"direction", "sent"}, {"verdict", "any"}});
  add("teleport_geminio_acks_total", "", true, n(m.acks_received - m.rejected),
      {{"direction", "received"}, {"verdict", "done"}});
  add("teleport_geminio_acks_total", "", true, n(m.rejected),
      {{"direction", "received"}, {"verdict", "error"}});
  add("teleport_geminio_resent_total", "Unacknowledged messages re-sent after a reconnect.", true,
      n(m.resent));
  add("teleport_geminio_timed_out_total", "Messages given up unacknowledged.", true,
      n(m.timed_out));
}

}  // namespace tp::geminio::teleport::detail
