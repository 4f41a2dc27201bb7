#!/usr/bin/env bash
# Builds the libFuzzer targets (library instrumented too), seeds each from the Go vectors and runs
# it for SECONDS (default 30); prints one line per target: edges covered, features, executions.
# usage: scripts/fuzz.sh [SECONDS]        (scripts/fuzz-long.sh runs them for minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-30}}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
corpus=build/fuzz/corpus
tool=""
for t in build/debug/tools/teleport build/release/tools/teleport; do [ -x "$t" ] && tool="$t" && break; done
python3 tests/fuzz/seed_corpus.py "$corpus" $tool
targets=(fuzz_raw_proto fuzz_raw_proto_v5 fuzz_json_proto fuzz_pb_proto fuzz_http_proto
         fuzz_thrift_proto fuzz_detect fuzz_query fuzz_xml_codec fuzz_thrift_codec
         fuzz_filter_gzip fuzz_filter_md5 fuzz_filter_zstd fuzz_filter_lz4 fuzz_etcd_value
         fuzz_traceparent fuzz_ws_json fuzz_ws_pb fuzz_web_front fuzz_geminio_frame)
# Detection sees the first bytes of every protocol: seed it with all their frames.
mkdir -p "$corpus/fuzz_detect"
for p in raw_proto json_proto pb_proto http_proto thrift_proto; do
  [ -d "$corpus/fuzz_$p" ] && cp -n "$corpus/fuzz_$p"/* "$corpus/fuzz_detect/" 2>/dev/null || true
done
# The web front judges HTTP heads: seed it with an upgrade and a page request.
mkdir -p "$corpus/fuzz_web_front"
printf 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' \
  > "$corpus/fuzz_web_front/upgrade"
printf 'GET /js/app.js?v=1 HTTP/1.1\r\nHost: a\r\n\r\n' > "$corpus/fuzz_web_front/file"
# Go geminio's frames as captured between Go peers, one seed per whole frame.
python3 - "$corpus/fuzz_geminio_frame" tests/interop/vectors/geminio-capture.txt <<'PY'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
frames = re.split(r"\n(?=#\d+ )", pathlib.Path(sys.argv[2]).read_text())[1:]
for f in frames:
    total = int(re.match(r"#\d+ \S+ \S+ \S+ (\d+) bytes", f).group(1))
    data = bytes.fromhex("".join(m.group(1) for m in re.finditer(r"^    [0-9a-f]{6}  ((?:[0-9a-f]{2} ?)+)", f, re.M)).replace(" ", ""))
    if len(data) == total:
        (out / f"frame{f.split()[0][1:]}").write_bytes(data)
PY
report=()
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
  log="build/fuzz/$t.log"
  echo "-- $t (${seconds}s)"
  if ! "build/fuzz/tests/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 \
      -rss_limit_mb=2048 -artifact_prefix="build/fuzz/$t-" "$corpus/$t" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $t failed (log: $log)" >&2
    exit 1
  fi
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
  execs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | cut -d' ' -f2)
  report+=("$(printf '%-20s edges=%-6s features=%-6s execs=%s' "$t" "$cov" "$ft" "$execs")")
done
printf '%s\n' "${report[@]}"
