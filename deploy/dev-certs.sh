#!/usr/bin/env bash
# Development PKI for Ketenbeeld (openssl CLI): a CA, a server certificate for this machine and client certificates
# for a demo region, plus an (initially empty) CRL; under DIR/etcd/ a separate CA for etcd, etcd's server certificate
# and the members' client certificate (TLS to etcd, docs/operations.md). NOT for production: the CA keys lie
# unencrypted beside the certificates. Production: docs/security.md, "Credentials".
#
#   deploy/dev-certs.sh DIR [REGION]        create what is missing in DIR (REGION: VR01..VR25, default VR10)
#   deploy/dev-certs.sh revoke DIR NAME     revoke DIR/NAME.pem and regenerate DIR/crl.pem (the server re-reads it)
#
# Idempotent: an existing CA is never overwritten, existing certificates are kept; only crl.pem is regenerated.
# Client certificates name the organisation in the subject CN and the role in the OU (institution, ghor, dispatch,
# bestuur, operator, federation). The organisation ids are those of the demo region in docs/exercise.sh; the
# federation certificate is the region's link upward (docs/federation-policy.md).
set -euo pipefail

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

command -v openssl >/dev/null || { echo "dev-certs.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }

# openssl ca needs a configuration: its database (index.txt, serial, crlnumber) lives in DIR/ca-db.
write_ca_config() {
  local dir=$1
  mkdir -p "${dir}/ca-db/issued"
  [[ -f ${dir}/ca-db/index.txt ]] || : >"${dir}/ca-db/index.txt"
  [[ -f ${dir}/ca-db/serial ]] || openssl rand -hex 8 | tr 'a-f' 'A-F' >"${dir}/ca-db/serial"
  [[ -f ${dir}/ca-db/crlnumber ]] || echo 1000 >"${dir}/ca-db/crlnumber"
  cat >"${dir}/ca-db/openssl.cnf" <<CNF
[ ca ]
default_ca = dev_ca

[ dev_ca ]
dir              = ${dir}/ca-db
database         = \$dir/index.txt
new_certs_dir    = \$dir/issued
serial           = \$dir/serial
crlnumber        = \$dir/crlnumber
certificate      = ${dir}/ca.pem
private_key      = ${dir}/ca.key
default_md       = sha256
default_days     = 825
default_crl_days = 365
policy           = any_subject
unique_subject   = no
copy_extensions  = none
preserve         = yes

[ any_subject ]
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ server_cert ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
# clientAuth too: the members of a replicated region present it to each other as their client certificate.
extendedKeyUsage       = serverAuth, clientAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid:always

[ client_cert ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
authorityKeyIdentifier = keyid:always
CNF
}

make_crl() {
  local dir=$1
  openssl ca -batch -config "${dir}/ca-db/openssl.cnf" -gencrl -out "${dir}/crl.pem.new" 2>/dev/null
  # Replace in one step: the server must never read a half-written CRL.
  mv "${dir}/crl.pem.new" "${dir}/crl.pem"
}

# issue DIR NAME SUBJECT EXTENSIONS: NAME.key + NAME.pem signed by the CA, unless NAME.pem exists.
issue() {
  local dir=$1 name=$2 subject=$3 extensions=$4
  if [[ -f ${dir}/${name}.pem ]]; then
    echo "  kept     ${name}.pem"
    return
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${dir}/${name}.key" 2>/dev/null
  chmod 600 "${dir}/${name}.key"
  openssl req -new -key "${dir}/${name}.key" -subj "${subject}" -out "${dir}/${name}.csr"
  openssl ca -batch -notext -config "${dir}/ca-db/openssl.cnf" -extensions "${extensions}" \
    -in "${dir}/${name}.csr" -out "${dir}/${name}.pem" 2>/dev/null
  rm -f "${dir}/${name}.csr"
  echo "  made     ${name}.pem  (${subject}, serial $(openssl x509 -in "${dir}/${name}.pem" -noout -serial | cut -d= -f2))"
}

# make_ca DIR SUBJECT: DIR/ca.pem + DIR/ca.key unless ca.pem exists.
make_ca() {
  local dir=$1 subject=$2
  if [[ -f ${dir}/ca.pem ]]; then
    echo "  kept     ca.pem (existing CA; never overwritten)"
    return
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${dir}/ca.key" 2>/dev/null
  chmod 600 "${dir}/ca.key"
  openssl req -new -x509 -key "${dir}/ca.key" -days 3650 -sha256 -subj "${subject}" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "${dir}/ca.pem"
  echo "  made     ca.pem + ca.key (${subject}, 10 years)"
}

create() {
  local dir=$1 region=${2:-VR10}
  [[ ${region} =~ ^VR(0[1-9]|1[0-9]|2[0-5])$ ]] || { echo "dev-certs.sh: REGION must be VR01..VR25" >&2; exit 2; }
  local region_id=${region,,}  # vr10
  mkdir -p "${dir}"
  dir=$(cd "${dir}" && pwd)
  echo "Development PKI in ${dir} (region ${region}):"
  make_ca "${dir}" "/O=Veiligheidsregio ${region}/CN=Ketenbeeld development CA ${region}"
  write_ca_config "${dir}"
  issue "${dir}" server "/O=Veiligheidsregio ${region}/CN=localhost" server_cert
  # NAME ROLE: organisation id (CN) and role word (OU).
  local clients=(
    "ghor-${region_id} ghor"
    "meldkamer-${region_id} dispatch"
    "zh-noord institution"
    "zh-kust institution"
    "zh-west institution"
    "vvt-duin institution"
    "vvt-polder institution"
    "bestuur-${region_id} bestuur"
    "beheer operator"
    "federatie-${region_id} federation"
  )
  local entry name role
  for entry in "${clients[@]}"; do
    read -r name role <<<"${entry}"
    issue "${dir}" "${name}" "/O=Veiligheidsregio ${region}/OU=${role}/CN=${name}" client_cert
  done
  make_crl "${dir}"
  echo "  made     crl.pem ($(revoked_count "${dir}") revoked)"
  # etcd's own CA, apart from the region's: it issues etcd's server certificate (127.0.0.1, ::1, localhost) and the
  # client certificate the region's members present to etcd (--client-cert-auth). A certificate of the region's CA
  # then opens nothing in etcd, and an etcd certificate nothing in Ketenbeeld.
  local etcd_dir=${dir}/etcd
  mkdir -p "${etcd_dir}"
  echo "etcd PKI in ${etcd_dir}:"
  make_ca "${etcd_dir}" "/O=Veiligheidsregio ${region}/CN=Ketenbeeld development etcd CA ${region}"
  write_ca_config "${etcd_dir}"
  issue "${etcd_dir}" server "/O=Veiligheidsregio ${region}/CN=localhost" server_cert
  issue "${etcd_dir}" member "/O=Veiligheidsregio ${region}/CN=ketenbeeld-${region_id}" client_cert
  echo
  echo "Server config:  tls { server_certificate: \"${dir}/server.pem\" server_private_key: \"${dir}/server.key\""
  echo "                      client_ca: \"${dir}/ca.pem\" client_crl: \"${dir}/crl.pem\" }"
  echo "etcd:           etcd --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \\"
  echo "                     --cert-file ${dir}/etcd/server.pem --key-file ${dir}/etcd/server.key \\"
  echo "                     --trusted-ca-file ${dir}/etcd/ca.pem --client-cert-auth ..."
  echo "Member config:  replication { etcd_endpoints: \"https://127.0.0.1:2379\" etcd_ca_file: \"${dir}/etcd/ca.pem\""
  echo "                              etcd_cert_file: \"${dir}/etcd/member.pem\" etcd_key_file: \"${dir}/etcd/member.key\" ... }"
  echo "Client:         ketenbeeld --server 127.0.0.1:PORT --ca ${dir}/ca.pem --cert ${dir}/zh-noord.pem --key ${dir}/zh-noord.key ..."
}

revoked_count() {
  grep -c '^R' "$1/ca-db/index.txt" || true
}

revoke() {
  local dir=$1 name=$2
  [[ -f ${dir}/ca-db/openssl.cnf ]] || { echo "dev-certs.sh: ${dir} has no development CA (run dev-certs.sh ${dir} first)" >&2; exit 1; }
  [[ -f ${dir}/${name}.pem ]] || { echo "dev-certs.sh: ${dir}/${name}.pem does not exist" >&2; exit 1; }
  dir=$(cd "${dir}" && pwd)
  local serial
  serial=$(openssl x509 -in "${dir}/${name}.pem" -noout -serial | cut -d= -f2)
  if grep -q "^R.*	${serial}	" "${dir}/ca-db/index.txt"; then
    echo "${name}.pem (serial ${serial}) was already revoked"
  else
    openssl ca -batch -config "${dir}/ca-db/openssl.cnf" -revoke "${dir}/${name}.pem" 2>/dev/null
    echo "revoked  ${name}.pem (serial ${serial})"
  fi
  make_crl "${dir}"
  echo "made     crl.pem ($(revoked_count "${dir}") revoked); a running server applies it within a second"
}

case ${1:-} in
  "" | -h | --help) usage ;;
  revoke)
    [[ $# -eq 3 ]] || usage
    revoke "$2" "$3"
    ;;
  *)
    [[ $# -le 2 ]] || usage
    create "$@"
    ;;
esac
