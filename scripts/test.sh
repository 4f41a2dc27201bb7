#!/usr/bin/env bash
# The README's test command: install dependencies, configure, build and run the whole CTest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
preset="${1:-debug}"
cmake --preset "$preset"
cmake --build --preset "$preset"
bash scripts/ctest.sh --preset "$preset"
