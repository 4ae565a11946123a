#!/usr/bin/env bash
# Installs the Debian 12 packages Ketenbeeld needs, and only the ones that are missing.
#
# Usage: deploy/install-deps.sh [GROUP...]
#   build  (default) compiler, CMake/Ninja/ccache and every library the top-level CMakeLists.txt finds.
#   clang  clang-14 and its sanitizer/libFuzzer runtimes: fuzz targets and clang's -Wthread-safety analysis.
#   tools  clang-format and clang-tidy for `make format`, `make format-check` and `make tidy`.
#   browser  chromium, and node/npm when missing, for the browser tests (then: cd web && npm ci).
#   bench  etcd 3.4 and Redis 7: the peers the benchmark suite (bench/) measures us against (etcd also the real cluster
#          tests/etcd runs), and hiredis + libevent, the bench's Redis client (`make bench-deps`).
#   all    all of the above.
#
# Idempotent: each package is checked with dpkg-query; when all are installed it says so and exits 0 without
# touching apt. Otherwise it runs `apt-get update` once and installs only the missing packages, with sudo when not
# run as root. docs/dependencies.md says why each package is here.
set -euo pipefail

# Needed to configure and build everything, tests included. The compression and gflags -dev packages are listed
# because RocksDB's CMake config (RocksDBConfig.cmake) calls find_dependency() on each of them; gRPC's config needs
# OpenSSL, c-ares and RE2 (the openssl tool: deploy/dev-certs.sh and its test). Debian pulls these in as dependencies too, but configure fails without them, so we name
# them. GCC's ASan/UBSan/TSan runtimes come with build-essential (libgcc-12-dev). libxml2-dev: the CAP and EDXL-HAVE
# exchange formats (server/interop, docs/dependencies.md).
readonly BUILD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config lld
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libssl-dev libc-ares-dev libre2-dev openssl
  librocksdb-dev libsnappy-dev liblz4-dev libzstd-dev libbz2-dev zlib1g-dev libgflags-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libmicrohttpd-dev prometheus-cpp-dev libjemalloc-dev
  libxml2-dev
  libcurl4-openssl-dev
)
readonly CLANG_PACKAGES=(clang-14 libclang-rt-14-dev)
readonly TOOLS_PACKAGES=(clang-format clang-tidy)
# The browser tests (tests/browser): Debian's chromium, driven by playwright-core from npm (web/package.json). Node
# and npm only when there is no node yet: a machine may have node from elsewhere, whose npm Debian's would conflict with.
BROWSER_PACKAGES=(chromium)
command -v node >/dev/null 2>&1 || BROWSER_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || BROWSER_PACKAGES+=(npm)
readonly BROWSER_PACKAGES
readonly BENCH_PACKAGES=(etcd-server redis-server libhiredis-dev libevent-dev)

die() {
  echo "install-deps: error: $*" >&2
  exit 1
}

wanted=()
if [[ $# -eq 0 ]]; then
  set -- build
fi
for group in "$@"; do
  case "${group}" in
    build) wanted+=("${BUILD_PACKAGES[@]}") ;;
    clang) wanted+=("${CLANG_PACKAGES[@]}") ;;
    tools) wanted+=("${TOOLS_PACKAGES[@]}") ;;
    browser) wanted+=("${BROWSER_PACKAGES[@]}") ;;
    bench) wanted+=("${BENCH_PACKAGES[@]}") ;;
    all)
      wanted+=("${BUILD_PACKAGES[@]}" "${CLANG_PACKAGES[@]}" "${TOOLS_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}"
        "${BENCH_PACKAGES[@]}")
      ;;
    -h | --help)
      sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown group '${group}' (expected build, clang, tools, browser, bench or all; see --help)" ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  die "dpkg-query/apt-get not found: this script supports Debian 12 (bookworm) only. docs/dependencies.md lists" \
    "the packages to install by other means."
fi

if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091  # a system file, not ours
  os_id="$(. /etc/os-release && echo "${ID:-}:${VERSION_CODENAME:-}")"
  if [[ "${os_id}" != "debian:bookworm" ]]; then
    echo "install-deps: warning: tested on Debian 12 (bookworm) only; this is '${os_id}'. Trying anyway." >&2
  fi
fi

# Prints the packages of "$@" that are not fully installed. One dpkg-query call for all of them; a package that
# was removed but left config files ("deinstall ok config-files") or that dpkg has never heard of counts as missing.
missing_packages() {
  local -A installed=()
  local name status
  while IFS=$'\t' read -r name status; do
    [[ "${status}" == "install ok installed" ]] && installed["${name}"]=1
  done < <(dpkg-query -W -f='${Package}\t${Status}\n' "$@" 2>/dev/null || true)
  local package
  for package in "$@"; do
    [[ -n "${installed[${package}]:-}" ]] || echo "${package}"
  done
}

mapfile -t missing < <(missing_packages "${wanted[@]}")
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#wanted[@]} required Debian packages are already installed."
  exit 0
fi

echo "install-deps: missing Debian packages: ${missing[*]}"

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    die "not running as root and sudo is not installed. As root, run:" \
      "apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (e.g. unattended-upgrades on a fresh VM) instead of failing on its lock.
readonly APT_OPTIONS=(-o DPkg::Lock::Timeout=600)

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTIONS[@]}" update ||
  die "apt-get update failed (network or apt sources?)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTIONS[@]}" install -y --no-install-recommends \
  "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"

mapfile -t still_missing < <(missing_packages "${wanted[@]}")
if [[ ${#still_missing[@]} -ne 0 ]]; then
  die "still not installed after apt-get install: ${still_missing[*]}"
fi
echo "install-deps: installed ${missing[*]}."
