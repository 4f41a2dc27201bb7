#include "support/logger.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "teleport/logging.hpp"

namespace tp {
namespace {

std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_default;  // set_default_logger()'s, under g_mutex

}  // namespace

std::shared_ptr<spdlog::logger> default_logger() {
  std::lock_guard lock(g_mutex);
  if (g_default) return g_default;
  if (auto existing = spdlog::get("teleport")) return existing;
  return spdlog::stderr_color_mt("teleport");
}

void set_default_logger(std::shared_ptr<spdlog::logger> logger) {
  std::lock_guard lock(g_mutex);
  g_default = std::move(logger);
}

namespace detail {

std::shared_ptr<spdlog::logger> teleport_logger() { return default_logger(); }

}  // namespace detail
}  // namespace tp
