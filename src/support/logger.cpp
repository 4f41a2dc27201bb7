#include "support/logger.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace tp::detail {

std::shared_ptr<spdlog::logger> teleport_logger() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (auto existing = spdlog::get("teleport")) return existing;
  return spdlog::stderr_color_mt("teleport");
}

}  // namespace tp::detail
