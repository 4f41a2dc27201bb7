// The `teleport` tool's exit codes: a script can tell a usage mistake, an unreachable peer, a
// timeout and an error the remote side answered apart. Listed in `teleport --help`.
#pragma once

#include "teleport/status.hpp"

namespace tp::cli {

/// Exit codes (documented in the README and the help footer).
namespace exit_code {
inline constexpr int kOk = 0;           ///< success
inline constexpr int kBadInput = 1;     ///< the input given is malformed (a frame, JSON, a codec)
inline constexpr int kUsage = 2;        ///< the command line is wrong
inline constexpr int kDialFailed = 3;   ///< could not connect (refused, unreachable, TLS)
inline constexpr int kConnLost = 4;     ///< the connection closed before the reply
inline constexpr int kTimeout = 5;      ///< no reply within --timeout
inline constexpr int kRemoteError = 6;  ///< the remote side answered with an error status
}  // namespace exit_code

/// The help footer that lists the exit codes.
inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 success, 1 malformed input, 2 usage error, 3 could not connect, 4 connection "
    "lost before the reply, 5 timed out, 6 the remote side answered an error status (printed as "
    "JSON).";

/// The exit code for a call or push that ended with `st`, `replied` when it came from the
/// remote side (a reply's status) rather than from this side.
inline int exit_code_for(const Status& st, bool replied) {
  if (st.ok()) return exit_code::kOk;
  if (replied) return exit_code::kRemoteError;
  switch (st.code()) {
    case code::kDialFailed:
      return exit_code::kDialFailed;
    case code::kConnClosed:
    case code::kWriteFailed:
      return exit_code::kConnLost;
    case code::kHandleTimeout:
      return exit_code::kTimeout;
    default:
      return exit_code::kBadInput;
  }
}

}  // namespace tp::cli
