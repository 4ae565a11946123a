#!/usr/bin/env bash
# Runs libFuzzer targets for a bounded time each, up to JOBS at once (each target is one single-threaded process, so
# on a 2-core CI machine two at a time halve the phase's wall time without shortening any target's run).
# Usage: run_fuzz.sh BUILD_DIR SECONDS JOBS TARGET...
# Each target keeps its corpus in BUILD_DIR/corpus/TARGET (so repeated runs go deeper) and its log in
# BUILD_DIR/TARGET.log; the last lines of each log are printed when it ends. A crash leaves its reproducer in BUILD_DIR
# (artifact_prefix) and fails the run, naming the target, after every target has ended.
set -euo pipefail

build_dir=$1
seconds=$2
jobs=$3
shift 3

run_one() {
  local target=$1
  mkdir -p "${build_dir}/corpus/${target}"
  local status=0
  "${build_dir}/tests/fuzz/${target}" -max_total_time="${seconds}" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="${build_dir}/" "${build_dir}/corpus/${target}" >"${build_dir}/${target}.log" 2>&1 || status=$?
  echo "fuzz: ${target} for ${seconds} s: $([[ ${status} -eq 0 ]] && echo ok || echo "FAILED (exit ${status})")"
  tail -n 15 "${build_dir}/${target}.log"
  return "${status}"
}

declare -A pid_of
failed=()
for target in "$@"; do
  # At most `jobs` running: wait for one to end before starting the next.
  while [[ $(jobs -rp | wc -l) -ge ${jobs} ]]; do
    wait -n || true
  done
  run_one "${target}" &
  pid_of[${target}]=$!
done
for target in "$@"; do
  wait "${pid_of[${target}]}" || failed+=("${target}")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${failed[*]} (reproducers in ${build_dir}/)" >&2
  exit 1
fi
