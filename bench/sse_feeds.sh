#!/usr/bin/env bash
# Server threads and memory with N open Server-Sent Events feeds (issue 13, section 1): the gateway serves every
# connection from libmicrohttpd's event loops and a caught-up feed suspends its connection, so threads must stay flat
# as feeds are added; this shows what a feed costs in memory and where the gateway stops (503 beyond
# GatewayOptions::max_streams = 256; --http_max_streams raises it). One curl process per feed. Loopback only,
# development mode. The sse_fanout scenario of ketenbeeld-bench measures the same without a process per feed.
#
#   bench/sse_feeds.sh [BUILD_DIR] [COUNTS...]      e.g. bench/sse_feeds.sh build 0 1 100 256 257
set -euo pipefail
BUILD_DIR=${1:-build}
shift || true
COUNTS=("${@:-0 1 100 256 257}")
COUNTS=(${COUNTS[*]})
SERVER="$BUILD_DIR/server/ketenbeeld-server"
DATA=$(mktemp -d)
GRPC_PORT=$((20000 + RANDOM % 20000))
HTTP_PORT=$((GRPC_PORT + 1))
"$SERVER" --listen "127.0.0.1:$GRPC_PORT" --http_listen "127.0.0.1:$HTTP_PORT" --data_dir "$DATA/db" \
  >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
CURLS=()
cleanup() {
  for pid in "${CURLS[@]}"; do kill "$pid" 2>/dev/null || true; done
  kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null && break; sleep 0.1; done

measure() {  # feeds threads rss_kib answered_200
  local threads rss
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$SERVER_PID/status")
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
  printf '%6s %8s %10s %8s\n' "$1" "$threads" "$rss" "$2"
}

printf '%6s %8s %10s %8s\n' feeds threads rss_kib streaming
open=0
for n in "${COUNTS[@]}"; do
  while ((open < n)); do
    curl -sN -o "$DATA/feed-$open.out" -w '%{http_code}\n' "http://127.0.0.1:$HTTP_PORT/api/ketenbeeld.v1.PictureService/Subscribe" \
      >"$DATA/feed-$open.code" 2>/dev/null &
    CURLS+=($!)
    open=$((open + 1))
  done
  sleep 1  # Let every stream get its snapshot and synced (or its 503).
  streaming=0
  for ((i = 0; i < open; i++)); do grep -q '^event: synced' "$DATA/feed-$i.out" 2>/dev/null && streaming=$((streaming + 1)); done
  measure "$n" "$streaming"
done
