#!/usr/bin/env bash
# The cluster example: etcd, three servers and a client calling through etcd://.../math. While
# the client calls, server alpha is SIGKILLed and server delta started; the client prints which
# backend answered each call and must lose none.
#
#   bash examples/cluster/run.sh build/debug/examples/cluster_server build/debug/examples/cluster_client
set -euo pipefail
server_bin="$1" client_bin="$2"
command -v etcd >/dev/null || { echo "etcd is not installed (apt-get install etcd-server)"; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

client_port="$(free_port)" peer_port="$(free_port)"
etcd --name demo --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "demo=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -s -m 1 "http://127.0.0.1:$client_port/health" | grep -q '"health":"true"' && break
  sleep 0.1
done
target="etcd://127.0.0.1:$client_port/math"
echo "etcd on 127.0.0.1:$client_port; service target $target"

declare -A server_pid
start_server() {
  "$server_bin" "$target" "$1" >"$work/$1.log" 2>&1 &
  server_pid[$1]=$!
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$work/$1.log" && break; sleep 0.05; done
  cat "$work/$1.log"
}
for name in alpha beta gamma; do start_server "$name"; done

"$client_bin" "$target" 6 >"$work/client.log" 2>&1 &
client=$!
sleep 2
echo "== SIGKILL alpha"
kill -9 "${server_pid[alpha]}"
sleep 1
echo "== start delta"
start_server delta
rc=0
wait "$client" || rc=$?
cat "$work/client.log"

# Every backend answered, alpha only before its kill, delta after its start; no call failed.
for name in alpha beta gamma delta; do
  grep -q "from $name" "$work/client.log" || { echo "no call answered by $name"; rc=1; }
done
grep -q "0 failed" "$work/client.log" || rc=1
exit "$rc"
