// One Geminio count as a metric sample, labelled with the end it was counted at; both wires
// export their counts through it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "teleport/metrics.hpp"

namespace tp::geminio::detail {

/// A sample `name` of `value` (a counter, or a gauge), labelled side=`side` ("server" or
/// "client") and then `labels`; `help` is said by the first sample of a name only.
inline MetricSample side_sample(const char* side, const char* name, const char* help, bool counter,
                                double value,
                                std::vector<std::pair<std::string, std::string>> labels = {}) {
  labels.insert(labels.begin(), {"side", side});
  return {
      .name = name, .help = help, .counter = counter, .labels = std::move(labels), .value = value};
}

}  // namespace tp::geminio::detail
