#!/usr/bin/env bash
# Runs the browser tests (web/tests/*.test.mjs, node's test runner) against the given binaries.
# Usage: run_browser_tests.sh SERVER_BINARY CLI_BINARY WEB_DIR [FEDERATOR_BINARY]
# Exit 77 (ctest's SKIP_RETURN_CODE) with a line "SKIPPED: ..." when chromium, node or web/node_modules is missing.
set -euo pipefail

server_binary=$1
cli_binary=$2
web_dir=$3
federator_binary=${4:-}
chromium="${KETENBEELD_CHROMIUM:-/usr/bin/chromium}"

skip() {
  echo "SKIPPED: $*"
  exit 77
}

[[ -x "${chromium}" ]] || skip "no chromium at ${chromium} (apt-get install -y chromium, or deploy/install-deps.sh browser)"
command -v node >/dev/null || skip "node is not installed (deploy/install-deps.sh browser)"
[[ -d "${web_dir}/node_modules/playwright-core" ]] ||
  skip "${web_dir}/node_modules/playwright-core is missing (run: cd web && npm ci)"

export KETENBEELD_SERVER_BINARY="${server_binary}"
export KETENBEELD_CLI_BINARY="${cli_binary}"
# The ROAZ dashboard's test (federation_view.test.mjs) feeds its server through the real federator.
if [[ -n "${federator_binary}" ]]; then export KETENBEELD_FEDERATOR_BINARY="${federator_binary}"; fi
export KETENBEELD_CHROMIUM="${chromium}"
cd "${web_dir}"
# One test file at a time: each starts its own server and browser.
exec node --test --test-concurrency=1 tests/
