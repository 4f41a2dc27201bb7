// The library's spdlog logger ("teleport", stderr); users may replace it with
// spdlog::register_logger.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace tp::detail {

/// The default logger (tp::default_logger()), for code that has no peer at hand.
std::shared_ptr<spdlog::logger> teleport_logger();

}  // namespace tp::detail
