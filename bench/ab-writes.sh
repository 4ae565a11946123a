#!/usr/bin/env bash
# A/B of two (or more) ketenbeeld-server binaries on the durable-writes case, alternating, with the committer's view.
#
#   bench/ab-writes.sh [-r ROUNDS] [-p PUBLISHERS] [-s SECONDS] [-a stream|unary] [-b BENCH_BIN] SERVER_BIN...
#
# Each round runs every SERVER_BIN once, in the order given, over PublishStatus streams or, with -a unary, one
# ReportStatus call per write (default: 4 rounds, P = 256, 8 s, stream). This virtual machine varies by ±15% from run to run, so a change counts only when it wins round after round.
# Per run it prints acknowledged writes/s, server and load-generator CPU, latency p99, and from the server's
# Prometheus endpoint (scraped 5 s and 9 s after the start) the commit groups per second, the mean time of a group
# from its start until durable, and the writes per group. Group time / writes per group is the committer thread's
# time per write: the serial part of the write path. docs/benchmarks.md shows results.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=4
publishers=256
seconds=8
write_api=stream
bench_bin="$repo_root/build/bench/ketenbeeld-bench"
while getopts "r:p:s:a:b:h" option; do
  case "$option" in
    r) rounds="$OPTARG" ;;
    p) publishers="$OPTARG" ;;
    s) seconds="$OPTARG" ;;
    a) write_api="$OPTARG" ;;
    b) bench_bin="$OPTARG" ;;
    *) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -lt 1 || $seconds -lt 8 ]]; then
  sed -n '2,13p' "${BASH_SOURCE[0]}"
  echo "ab-writes.sh: give at least one SERVER_BIN, and -s of at least 8 (scrapes 5 s and 9 s in)" >&2
  exit 2
fi

if [[ $write_api != stream && $write_api != unary ]]; then
  echo "ab-writes.sh: -a is stream or unary, not '$write_api'" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
metrics_port=$((20000 + RANDOM % 20000))
# The harness starts the server as `LAUNCHER SERVER_BIN FLAGS...`: this launcher adds the metrics endpoint.
cat > "$work/launcher" <<EOF
#!/bin/sh
exec "\$@" --metrics_listen 127.0.0.1:$metrics_port
EOF
chmod +x "$work/launcher"

scrape() {
  curl -sf --max-time 2 "http://127.0.0.1:$metrics_port/metrics" |
    grep -E '^ketenbeeld_commit_(latency_seconds|group_writes)_(sum|count) ' > "$1" || true
}

for ((round = 1; round <= rounds; round++)); do
  for server_bin in "$@"; do
    rm -rf "$work/data" "$work/results"
    "$bench_bin" --peers ketenbeeld --server_bin "$(realpath "$server_bin")" --server_launcher "$work/launcher" \
      --work_dir "$work/data" --results_dir "$work/results" --scenarios writes --write_api "$write_api" \
      --publishers "$publishers" --write_seconds "$seconds" > "$work/bench.log" 2>&1 &
    bench_pid=$!
    sleep 5 && scrape "$work/m1"
    sleep 4 && scrape "$work/m2"
    wait "$bench_pid" || { cat "$work/bench.log" >&2; exit 1; }
    python3 - "$round" "$server_bin" "$work" <<'EOF'
import json, sys
round_number, server_bin, work = sys.argv[1:4]
def scraped(path):
    values = {}
    for line in open(path):
        name, value = line.split()
        values[name] = float(value)
    return values
first, second = scraped(f"{work}/m1"), scraped(f"{work}/m2")
delta = {name: second[name] - first.get(name, 0) for name in second}
groups = delta.get("ketenbeeld_commit_latency_seconds_count", 0)
case = json.load(open(f"{work}/results/durable_writes.json"))["cases"][0]["ketenbeeld"]
line = (f"round {round_number}  {server_bin}: {case['writes_per_s']:,.0f} writes/s, "
        f"CPU server {case['cpu']['server_pct']:.0f}% bench {case['cpu']['bench_pct']:.0f}%, "
        f"p99 {case['latency']['p99_ms']:.1f} ms")
if groups > 0:
    group_ms = 1000 * delta["ketenbeeld_commit_latency_seconds_sum"] / groups
    writes = delta["ketenbeeld_commit_group_writes_sum"] / groups
    line += (f"; {groups / 4:.0f} groups/s, {group_ms:.2f} ms per group, {writes:.1f} writes per group, "
             f"committer {1000 * group_ms / writes:.1f} µs per write")
print(line)
EOF
  done
done
