#!/usr/bin/env bash
# Runs CTest with the given arguments and fails when any test was skipped or not run: a test whose
# component or data is missing must not pass quietly.
set -euo pipefail
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
ctest --output-on-failure "$@" 2>&1 | tee "$log" || status=$?
if grep -Eq '\*\*\*Skipped|Not Run|\[  SKIPPED \]' "$log"; then
  echo "ctest: some tests were skipped or did not run (see above): failing" >&2
  exit 1
fi
exit "$status"
