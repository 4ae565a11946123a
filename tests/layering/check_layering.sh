#!/usr/bin/env bash
# Checks that every module includes only the headers of the modules below it (docs/architecture.md, "Modules and
# dependencies"), and that gRPC stays out of the modules under the transports.
#
# Usage: check_layering.sh [REPO_ROOT]   (ctest runs it as layering.includes; exit 1 lists every violation)
#
# CMake's target links give each library only the libraries below it, but every library has the repository root as
# include directory, so an #include of a higher module's header would still compile (and link, if header-only). This
# check closes that gap. The table below is the architecture: change it deliberately, together with the diagram.
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "${root}"

# module folder -> the folders of ours it may include (besides its own and base/, which every module may use). "proto"
# is the generated public API (ketenbeeld/v1/*.pb.h); "grpc" is gRPC itself and the generated stubs (grpcpp/, grpc/,
# *.grpc.pb.h).
# What was one server/pipeline is four modules, by who includes whom: server/state (records, the picture) is below
# everything that reads or changes the picture; server/queries (reads, reports, alert audiences) reads it;
# server/mutations (the write planners) plans against it and addresses alerts with queries/audience.h; server/pipeline
# (committer, hub, scheduler) calls the planners. server/policy only needs server/state but keeps its place above.
# etcd/ (the etcd client, for the replicated mode) stands apart: gRPC and its own generated etcd protos
# (etcd/proto/...), nothing of Ketenbeeld's, so it could be lifted out as it is.
declare -A allowed=(
  [base]="proto"
  [etcd]="grpc"
  [storage]="proto"
  [server/domain]="proto"
  [server/interop]="proto server/domain"
  [server/observability]=""
  [server/security]="proto server/domain server/observability"
  [server/state]="proto storage server/domain server/observability"
  [server/queries]="proto storage server/domain server/observability server/state"
  [server/mutations]="proto storage server/domain server/observability server/state server/queries"
  [server/pipeline]="proto storage server/domain server/observability server/state server/queries server/mutations"
  [server/notify]="proto storage server/domain server/observability server/state server/queries server/mutations
    server/pipeline"
  [server/policy]="proto storage server/domain server/observability server/security server/state server/queries
    server/mutations server/pipeline"
  [server/service]="proto storage server/domain server/observability server/security server/state server/queries
    server/mutations server/pipeline server/policy server/interop"
  [server/replication]="proto grpc storage server/domain server/observability server/state server/queries
    server/mutations server/pipeline etcd"
  [server/feed]="proto storage server/domain server/observability server/security server/state server/queries
    server/mutations server/pipeline server/policy server/service server/interop"
  [server/http]="proto storage server/domain server/observability server/security server/state server/queries
    server/mutations server/pipeline server/policy server/service server/feed server/interop"
  [server/api]="proto grpc storage server/domain server/observability server/security server/state server/queries
    server/mutations server/pipeline server/policy server/service server/feed server/interop client"
  [server/app]="proto grpc storage server/domain server/observability server/security server/state server/queries
    server/mutations server/pipeline server/policy server/service server/feed server/http server/api
    server/replication server/interop server/notify"
  [server/config]="proto grpc storage server/domain server/observability server/security server/state server/queries
    server/mutations server/pipeline server/policy server/service server/feed server/http server/api server/app
    server/replication server/interop server/notify"
  [client]="proto grpc"
  [client/cli]="proto grpc client"
  [client/examples]="proto grpc client client/cli"
  [federator]="proto grpc client"
)
# The gRPC glue of these modules (files named here) may include gRPC; the rest of the module may not.
declare -A grpc_files=(
  [server/security]="server/security/authenticator.h server/security/authenticator.cc"
  [server/observability]="server/observability/metrics.h server/observability/metrics.cc
    server/observability/rpc_interceptor.h server/observability/rpc_interceptor.cc"
)

# CLI11 ("cli11": CLI/*.hpp) is for programs' command lines: of the modules above only these may include it. The client
# library is what integrators link, so it stays free of it.
cli11_modules="server/config client/cli client/examples"

# Sets `kind` to the folder of ours an include names, or "proto"/"grpc"/"cli11"/"" (not ours: Abseil, RocksDB, the
# standard library, ...). A function that sets a variable rather than prints: the check runs it for every include of
# the tree, and a subshell per include made it take a minute and a half.
include_kind() {
  case "$1" in
    grpc/* | grpcpp/* | *.grpc.pb.h) kind=grpc ;;
    ketenbeeld/*) kind=proto ;;
    CLI/*) kind=cli11 ;;
    base/*) kind=base ;;
    storage/*) kind=storage ;;
    etcd/*) kind=etcd ;;
    client/*/* | server/*/*)
      local rest="${1#*/}"
      kind="${1%%/*}/${rest%%/*}"
      ;;
    client/*) kind=client ;;
    federator/*) kind=federator ;;
    server/*) kind=server ;;
    tests/* | bench/*) kind="${1%%/*}" ;;
    *) kind="" ;;
  esac
}

# Drops from a module's file list the files of the modules nested in its folder (client/cli/ inside client/): those
# are checked against their own row.
nested_out() {
  local files
  files="$(cat)"
  for other in "${!allowed[@]}"; do
    [[ "${other}" == "$1"/* ]] && files="$(grep -v "^${other}/" <<<"${files}" || true)"
  done
  [[ -n "${files}" ]] && echo "${files}"
  return 0
}

violations=0
for module in "${!allowed[@]}"; do
  [[ -d "${module}" ]] || continue
  # shellcheck disable=SC2206  # word splitting of the table is intended
  ok=(${module} base ${allowed[${module}]})
  [[ " ${cli11_modules} " == *" ${module} "* ]] && ok+=(cli11)
  files="$(find "${module}" -type f \( -name '*.h' -o -name '*.cc' \) | sort | nested_out "${module}")"
  # One grep per module, not per file: "file:line:#include ...".
  while IFS= read -r match; do
    file="${match%%:*}"
    rest="${match#*:}"
    [[ "${rest#*:}" =~ ^#include\ \"([^\"]*)\" ]] || continue
    header="${BASH_REMATCH[1]}"
    include_kind "${header}"
    [[ -z "${kind}" ]] && continue
    if [[ "${kind}" == grpc && " ${grpc_files[${module}]:-} " =~ [[:space:]]${file}[[:space:]] ]]; then
      continue
    fi
    if [[ " ${ok[*]} " != *" ${kind} "* ]]; then
      echo "${file}:${rest%%:*}: ${module} may not include \"${header}\" (${kind} is not below ${module})"
      violations=$((violations + 1))
    fi
  done < <(xargs -r grep -Hn '^#include "' <<<"${files}" || true)
done

if ((violations > 0)); then
  echo "layering: ${violations} include(s) against docs/architecture.md's module order"
  exit 1
fi
echo "layering: every include of storage/, server/, client/, federator/ and etcd/ follows the module order"
