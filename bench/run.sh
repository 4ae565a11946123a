#!/usr/bin/env bash
# Runs the whole benchmark suite against ketenbeeld-server, etcd 3.4 and Redis 7 and prints the side-by-side tables.
#
#   bench/run.sh [--quick | --smoke] [BUILD_DIR] [-- extra ketenbeeld-bench flags]
#
# BUILD_DIR (argument or environment; default: build) must already contain ketenbeeld-server and ketenbeeld-bench
# (and ketenbeeld-federator for federation_lag, which is skipped without it): this script builds nothing. etcd is
# /usr/bin/etcd (ETCD_BIN to change), Redis /usr/bin/redis-server (REDIS_BIN); `make bench-deps` installs both, and
# hiredis for the bench's Redis client. Each peer that is missing is skipped with a message (without etcd also the
# replicated-mode scenarios: three etcd members and three servers); ketenbeeld is always measured. Servers run on
# 127.0.0.1 with their data under WORK_DIR (default BUILD_DIR/bench-work, i.e. on the same disk). Results:
# bench/results/*.json, the tables in bench/results/tables.txt, the machine in bench/results/machine.json.
# docs/benchmarks.md explains the numbers.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode_flag=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode_flag="--quick"; shift ;;
    --smoke) mode_flag="--smoke"; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) BUILD_DIR="$1"; shift ;;
  esac
done
BUILD_DIR="${BUILD_DIR:-build}"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$repo_root/$BUILD_DIR"
ETCD_BIN="${ETCD_BIN:-/usr/bin/etcd}"
REDIS_BIN="${REDIS_BIN:-/usr/bin/redis-server}"
WORK_DIR="${WORK_DIR:-$BUILD_DIR/bench-work}"
RESULTS_DIR="${RESULTS_DIR:-$repo_root/bench/results}"

find_binary() {  # The top-level build puts them in server/ and bench/; a wrapper build one level deeper.
  local found
  found="$(find "$BUILD_DIR" -maxdepth 3 -type f -name "$1" -perm -u+x 2>/dev/null | sort | head -n 1)"
  if [[ -z "$found" ]]; then
    echo "run.sh: no $1 under $BUILD_DIR: build it first (e.g. cmake --build $BUILD_DIR --target $1)" >&2
    exit 2
  fi
  echo "$found"
}
server_bin="$(find_binary ketenbeeld-server)"
bench_bin="$(find_binary ketenbeeld-bench)"
# federation_lag runs the real federator; without it that scenario is skipped with a message.
federator_bin="$(find "$BUILD_DIR" -maxdepth 3 -type f -name ketenbeeld-federator -perm -u+x 2>/dev/null | sort | head -n 1)"
[[ -n "$federator_bin" ]] || echo "run.sh: no ketenbeeld-federator under $BUILD_DIR: federation_lag is SKIPPED"

mkdir -p "$WORK_DIR" "$RESULTS_DIR"

# The machine, and how busy it is: the numbers mean little without it.
fsync_probe="$WORK_DIR/fsync-probe"
dd_out="$(dd if=/dev/zero of="$fsync_probe" bs=4k count=500 oflag=dsync 2>&1 | tail -n 1)"
rm -f "$fsync_probe"
dd_seconds="$(sed -E 's/.*copied, ([0-9.,]+) s.*/\1/' <<<"$dd_out" | tr , .)"
fsync_ms="$(awk -v s="$dd_seconds" 'BEGIN { printf "%.3f", s * 1000 / 500 }')"
# Before machine.json is rewritten, which would make the tree look dirty.
commit="$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$repo_root" diff --quiet 2>/dev/null || commit="$commit+dirty"
etcd_version="missing"
[[ -x "$ETCD_BIN" ]] && etcd_version="$("$ETCD_BIN" --version 2>/dev/null | head -n 1 | awk '{print $3}')"
redis_version="missing"
# "Redis server v=7.0.15 sha=..." -> 7.0.15
[[ -x "$REDIS_BIN" ]] && redis_version="$("$REDIS_BIN" --version 2>/dev/null | sed -nE 's/.* v=([^ ]+).*/\1/p')"
for peer in "etcd:$ETCD_BIN:$etcd_version" "redis:$REDIS_BIN:$redis_version"; do
  IFS=: read -r name path version <<<"$peer"
  [[ "$version" == "missing" ]] && echo "run.sh: $path not installed: the $name side is SKIPPED (make bench-deps)"
done
cat >"$RESULTS_DIR/machine.json" <<JSON
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "nproc": $(nproc),
  "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')",
  "memory_gib": $(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo),
  "disk": "$(df -h "$WORK_DIR" | awk 'NR == 2 { print $1 " " $2 " (" $4 " free)" }')",
  "fsync_4k_dd_dsync_ms": $fsync_ms,
  "kernel": "$(uname -r)",
  "loadavg_before": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "etcd_version": "$etcd_version",
  "redis_version": "$redis_version",
  "ketenbeeld_commit": "$commit"
}
JSON
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
  "fsync (dd 4 KiB oflag=dsync) ${fsync_ms} ms, load average $(cut -d' ' -f1-3 /proc/loadavg), etcd $etcd_version," \
  "redis $redis_version"

status=0
"$bench_bin" $mode_flag --server_bin "$server_bin" --etcd_bin "$ETCD_BIN" --redis_bin "$REDIS_BIN" \
  --federator_bin "$federator_bin" --work_dir "$WORK_DIR" \
  --results_dir "$RESULTS_DIR" "${extra[@]}" | tee "$RESULTS_DIR/tables.txt" || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS_DIR/tables.txt"
exit "$status"
