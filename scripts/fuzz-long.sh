#!/usr/bin/env bash
# Every fuzz target for minutes instead of CI's 30 seconds: scripts/fuzz-long.sh [SECONDS=600].
exec bash "$(dirname "$0")/fuzz.sh" "${1:-600}"
