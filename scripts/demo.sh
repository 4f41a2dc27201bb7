#!/usr/bin/env bash
# The README's run command: install dependencies, build, then run the demo server and client on
# loopback and show them talking (a call with a query, and a push from the server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target example_server example_client
addr="127.0.0.1:${DEMO_PORT:-9090}"
build/release/examples/example_server "$addr" 30 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do  # wait until the server listens
  (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break
  sleep 0.1
done
build/release/examples/example_client "$addr"
kill -INT $server
wait $server
