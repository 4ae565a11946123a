#!/usr/bin/env bash
# The demo region with mTLS: development certificates (dev-certs.sh), a server on 127.0.0.1 with TLS and a CRL, and
# the CLI acting as each organisation with its own certificate. Documented in docs/security.md, "Credentials"
# ("Running the demo region with mTLS").
#
#   deploy/demo-region.sh [BUILD_DIR] [DIR]
#
# BUILD_DIR: where ketenbeeld-server and ketenbeeld are built (default: build). DIR: certificates, config, data and
# server log (default: a temporary directory, removed at the end; a given DIR is kept, and its CA reused).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${1:-build}
server_bin="${build_dir}/server/ketenbeeld-server"
cli_bin="${build_dir}/client/ketenbeeld"
[[ -x ${server_bin} && -x ${cli_bin} ]] || { echo "demo-region.sh: build first (ninja -C ${build_dir} ketenbeeld-server ketenbeeld)" >&2; exit 2; }

if [[ -n ${2:-} ]]; then
  work=$2
  keep=1
  mkdir -p "${work}"
else
  work=$(mktemp -d -t ketenbeeld-demo.XXXXXX)
  keep=0
fi
work=$(cd "${work}" && pwd)
certs="${work}/certs"
server_pid=
cleanup() {
  if [[ -n ${server_pid} ]]; then kill -TERM "${server_pid}" 2>/dev/null && wait "${server_pid}" 2>/dev/null || true; fi
  if [[ ${keep} == 0 ]]; then rm -rf "${work}"; fi
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
# as NAME ARGS...: the CLI with NAME's certificate; shows the command as a user would type it.
as() {
  local name=$1
  shift
  printf '$ ketenbeeld --cert %s.pem %s\n' "${name}" "$*"
  "${cli_bin}" --server "${address}" --ca "${certs}/ca.pem" --cert "${certs}/${name}.pem" \
    --key "${certs}/${name}.key" "$@" || echo "(exit code $?)"
}

step "1. Development certificates (deploy/dev-certs.sh)"
deploy/dev-certs.sh "${certs}" VR10

step "2. Server with TLS on 127.0.0.1 (every call needs a certificate of the region's CA)"
cat >"${work}/ketenbeeld.textproto" <<CONFIG
listen: "127.0.0.1:0"
data_dir: "${work}/data"
region { safety_region: "VR10" }
tls {
  server_certificate: "${certs}/server.pem"
  server_private_key: "${certs}/server.key"
  client_ca: "${certs}/ca.pem"
  client_crl: "${certs}/crl.pem"
}
metrics_listen: ""
http_listen: ""
CONFIG
cat "${work}/ketenbeeld.textproto"
"${server_bin}" --config "${work}/ketenbeeld.textproto" 2>"${work}/server.log" &
server_pid=$!
address=
for _ in $(seq 100); do
  address=$(sed -n 's/.*"event":"server_started".*"address":"\([^"]*\)".*/\1/p' "${work}/server.log")
  [[ -n ${address} ]] && break
  kill -0 "${server_pid}" 2>/dev/null || break
  sleep 0.1
done
[[ -n ${address} ]] || { echo "demo-region.sh: the server did not start:" >&2; cat "${work}/server.log" >&2; exit 1; }
echo "server on ${address}"

step "3. Without a certificate the TLS handshake refuses the call"
printf '$ ketenbeeld picture   # with --ca only\n'
"${cli_bin}" --server "${address}" --ca "${certs}/ca.pem" picture || echo "(exit code $?)"

step "4. The operator (beheer, OU=operator) registers the demo organisations"
as beheer org register --id ghor-vr10 --name "GHOR Noord-Holland Noord" --kind ghor --region VR10
as beheer org register --id meldkamer-vr10 --name "Meldkamer Ambulancezorg Noord-Holland" --kind dispatch-centre --region VR10
as beheer org register --id zh-noord --name "Ziekenhuis Noord" --kind hospital --region VR10
as beheer org register --id zh-kust --name "Kustziekenhuis" --kind hospital --region VR10
as beheer org register --id zh-west --name "Westfries Gasthuis" --kind hospital --region VR10
as beheer org register --id vvt-duin --name "Zorgcentrum Duinzicht" --kind nursing-home --region VR10
as beheer org register --id vvt-polder --name "Woonzorg De Polder" --kind nursing-home --region VR10

step "5. Each hospital reports its own status with its own certificate"
as zh-noord status report --org zh-noord --overall strained --capacity ic-adult:available=2,baseline=12
as zh-kust status report --org zh-kust --overall normal --capacity ic-adult:available=5,baseline=8
as zh-west status report --org zh-west --overall critical --capacity ic-adult:available=0,baseline=10 --ed "diversion:CT down"
as vvt-polder status report --org vvt-polder --overall strained --capacity nursing-home:available=3,occupied=57

step "6. A hospital cannot report for another organisation"
as zh-kust status report --org zh-noord --overall closed

step "7. The GHOR sees the whole picture, with every organisation's figures"
as ghor-vr10 picture --region VR10

step "8. Another hospital sees the operational picture, but not its competitors' figures"
as zh-kust picture --region VR10

step "9. Revoking vvt-polder's certificate takes effect without a restart"
deploy/dev-certs.sh revoke "${certs}" vvt-polder
sleep 1.5  # The server checks the CRL file at most once per second.
as vvt-polder status report --org vvt-polder --overall critical

echo
echo "Server log: ${work}/server.log$([[ ${keep} == 1 ]] && echo " (kept)" || echo " (removed at exit)")"
