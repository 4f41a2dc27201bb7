// Counts heap allocations in a benchmark program (it replaces the global operator new).
#pragma once

#include <cstdint>

namespace tp::bench {

/// Allocations made by this thread so far.
std::uint64_t allocations() noexcept;

}  // namespace tp::bench
