// The library's spdlog logger ("teleport", stderr); users may replace it with
// spdlog::register_logger.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace tp::detail {

/// The "teleport" logger, created on first use unless the user registered one.
std::shared_ptr<spdlog::logger> teleport_logger();

}  // namespace tp::detail
