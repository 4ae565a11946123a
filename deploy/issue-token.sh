#!/usr/bin/env bash
# Issue a bearer token for an integration that cannot hold a client certificate (docs/security.md, "Credentials").
#
#   deploy/issue-token.sh [--file TOKENS_FILE] ORGANIZATION_ID ROLE NAME...
#
# Prints the new token once, on stdout: hand it over securely, it is not stored anywhere. The tokens file gets only
# its SHA-256: "sha256:<hex> ORGANIZATION_ID ROLE NAME". With --file the line is appended (the file is created with
# mode 600 if missing; a running server picks the change up within a second); without --file the line is printed on
# stderr for you to add. Revoke a token by deleting its line.
#
# ROLE: institution, ghor, dispatch, bestuur, operator or federation (the old words administration and admin are
# written as bestuur and operator). NAME: who holds the token (free text, shown as "token:NAME" in every event the
# token causes).
set -euo pipefail

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

file=
while [[ $# -gt 0 ]]; do
  case $1 in
    --file) [[ $# -ge 2 ]] || usage; file=$2; shift 2 ;;
    --file=*) file=${1#--file=}; shift ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) echo "issue-token.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[[ $# -ge 3 ]] || usage
organization=$1
role=$2
shift 2
name="$*"

# The same rules the server applies when it reads the file (server/security/tokens.cc).
if [[ ! ${organization} =~ ^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$ ]]; then
  echo "issue-token.sh: ORGANIZATION_ID must be lowercase letters, digits and '-' (not at the ends), at most 64" >&2
  exit 2
fi
case ${role} in
  institution | ghor | dispatch | bestuur | operator | federation) ;;
  # The words before the rename (one typo apart, very different powers): the server still accepts them in old files,
  # but a new line gets the current word.
  administration) role=bestuur; echo "issue-token.sh: note: role \"administration\" is now \"bestuur\"" >&2 ;;
  admin) role=operator; echo "issue-token.sh: note: role \"admin\" is now \"operator\"" >&2 ;;
  *) echo "issue-token.sh: unknown role \"${role}\"; expected institution, ghor, dispatch, bestuur, operator or federation" >&2; exit 2 ;;
esac
if [[ -z ${name//[[:space:]]/} || ${name} == *$'\n'* ]]; then
  echo "issue-token.sh: NAME must be one non-empty line" >&2
  exit 2
fi

command -v openssl >/dev/null || { echo "issue-token.sh: openssl not found" >&2; exit 1; }
# 32 random bytes as 64 hex digits: printable, no characters that need quoting in a header or a shell.
token=$(openssl rand -hex 32)
hash=$(printf '%s' "${token}" | openssl dgst -sha256 -r | cut -d' ' -f1)
line="sha256:${hash} ${organization} ${role} ${name}"

if [[ -n ${file} ]]; then
  if [[ ! -e ${file} ]]; then
    (umask 077 && : >"${file}")
  fi
  if grep -qF -- " ${organization} ${role} ${name}" "${file}"; then
    echo "issue-token.sh: note: ${file} already has a token for \"${name}\" (${organization}, ${role}); delete that line to revoke it" >&2
  fi
  # One write of one line: a server reading the file concurrently sees the old or the new version.
  printf '%s\n' "${line}" >>"${file}"
  echo "issue-token.sh: added to ${file}: ${organization} ${role} \"${name}\"" >&2
else
  echo "issue-token.sh: add this line to the tokens file:" >&2
  echo "${line}" >&2
fi
echo "${token}"
