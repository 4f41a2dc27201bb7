#!/usr/bin/env bash
# The README's run command: install dependencies, build, and show the main job on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target teleport_cli
cli=build/release/tools/teleport
echo '{"seq":1,"mtype":1,"service_method":"/math/add?author=x","meta":[["author","x"]],"body_codec":"json","body":[1,2,3,4,5]}' \
  | "$cli" encode | tee /dev/stderr | xargs "$cli" decode --hex
