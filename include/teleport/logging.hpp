// Where the library logs: spdlog loggers. A peer writes to PeerConfig::logger, or else to the
// default logger below; change its level with `logger->set_level(spdlog::level::debug)`.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace tp {

/// The logger peers use when PeerConfig::logger is null: the one set_default_logger() gave, else
/// spdlog's registered "teleport" logger, else a new one of that name writing to stderr.
std::shared_ptr<spdlog::logger> default_logger();

/// Makes `logger` the default for peers built afterwards (null: back to "teleport" on stderr).
void set_default_logger(std::shared_ptr<spdlog::logger> logger);

}  // namespace tp
