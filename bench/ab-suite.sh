#!/usr/bin/env bash
# A/B of two (or more) ketenbeeld-server binaries over the whole suite (durable writes, fan-out, snapshot, recovery,
# memory), alternating, for "no regression beyond run-to-run noise" after a change of structure.
#
#   bench/ab-suite.sh [-r ROUNDS] [-b BENCH_BIN] [-o OUT_DIR] SERVER_BIN...
#
# Each round runs every SERVER_BIN once, in the order given (default 3 rounds), with fixed mid-size parameters: writes
# at P = 256 over PublishStatus and over unary ReportStatus (8 s each), fan-out to 1,000 subscribers at 200 writes/s
# (10 s), a snapshot of 10,000 organisations, recovery of 200,000 events, 1,000 idle feeds. Per binary it prints the
# median and the range over the rounds of each figure. This virtual machine varies by ±15% from run to run: a change
# counts only when the ranges separate. Needs the machine to itself (no builds, no other benchmarks).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=3
bench_bin="$repo_root/build/bench/ketenbeeld-bench"
out_dir=""
while getopts "r:b:o:h" option; do
  case "$option" in
    r) rounds="$OPTARG" ;;
    b) bench_bin="$OPTARG" ;;
    o) out_dir="$OPTARG" ;;
    *) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -lt 1 ]]; then
  sed -n '2,10p' "${BASH_SOURCE[0]}"
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[[ -n "$out_dir" ]] || out_dir="$work/results"
mkdir -p "$out_dir"

for ((round = 1; round <= rounds; round++)); do
  for index in $(seq 1 $#); do
    server_bin="${!index}"
    results="$out_dir/round$round/bin$index"
    rm -rf "$work/data"
    mkdir -p "$results"
    echo "round $round: $server_bin" >&2
    "$bench_bin" --peers ketenbeeld --server_bin "$(realpath "$server_bin")" --work_dir "$work/data" \
      --results_dir "$results" --scenarios writes,fanout,snapshot,recovery,memory \
      --publishers 256 --write_api stream,unary --write_seconds 8 \
      --fanout_subscribers 1000 --fanout_rates 200 --fanout_seconds 10 \
      --snapshot_organizations 10000 --recovery_events 200000 --idle_subscribers 1000 > "$results/bench.log" 2>&1 ||
      { tail -n 30 "$results/bench.log" >&2; exit 1; }
  done
done

python3 - "$out_dir" "$rounds" "$@" <<'EOF'
import json, statistics, sys
out_dir, rounds, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def load(round_number, index, scenario):
    return json.load(open(f"{out_dir}/round{round_number}/bin{index}/{scenario}.json"))["cases"]

def figures(round_number, index):
    result = {}
    for case in load(round_number, index, "durable_writes"):
        k = case["ketenbeeld"]
        result[f"writes {k['write_api']} P={k['publishers']} (writes/s)"] = k["writes_per_s"]
        result[f"writes {k['write_api']} P={k['publishers']} p99 (ms)"] = k["latency"]["p99_ms"]
    for case in load(round_number, index, "fanout"):
        k = case["ketenbeeld"]
        delivery = k.get("commit_to_delivery") or k["send_to_delivery"]
        result[f"fan-out {case['case']} p50 (ms)"] = delivery["p50_ms"]
        result[f"fan-out {case['case']} p99 (ms)"] = delivery["p99_ms"]
        result[f"fan-out {case['case']} complete"] = float(k["every_subscriber_got_every_event"])
    for case in load(round_number, index, "snapshot"):
        result[f"snapshot {case['case']} median (ms)"] = case["ketenbeeld"]["synced_ms"]["median"]
    for case in load(round_number, index, "recovery"):
        result[f"recovery {case['case']} median (ms)"] = case["ketenbeeld"]["start_to_serving_ms"]["median"]
    for case in load(round_number, index, "memory"):
        result[f"memory {case['case']} (KiB/feed)"] = case["ketenbeeld"]["kib_per_subscriber"]
    return result

per_binary = []
for index in range(1, len(binaries) + 1):
    runs = [figures(r, index) for r in range(1, rounds + 1)]
    per_binary.append({name: [run[name] for run in runs] for name in runs[0]})

print("| figure | " + " | ".join(f"bin{i} median [min–max]" for i in range(1, len(binaries) + 1)) + " |")
print("|---|" + "---|" * len(binaries))
for name in per_binary[0]:
    cells = []
    for values in per_binary:
        v = values.get(name, [])
        cells.append(f"{statistics.median(v):,.1f} [{min(v):,.1f}–{max(v):,.1f}]" if v else "—")
    print(f"| {name} | " + " | ".join(cells) + " |")
for i, binary in enumerate(binaries, 1):
    print(f"bin{i} = {binary}")
EOF
