// Counts heap allocations in a benchmark program (it replaces the global operator new).
#pragma once

#include <cstdint>

namespace tp::bench {

/// Allocations made by all threads so far.
std::uint64_t allocations() noexcept;

}  // namespace tp::bench
