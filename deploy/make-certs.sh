#!/usr/bin/env bash
# Makes a CA and the certificates of one node and its people with openssl
# (ECDSA P-256): the node's server certificate and client certificates for an
# analyst, a reader (automation) and an admin, named as csx:// URIs.
#
#   deploy/make-certs.sh OUT_DIR ORG [DNS_NAME...]
#
# Existing files in OUT_DIR are kept, so the script can add certificates to
# an existing CA. Keys are created with mode 0600.
set -euo pipefail
out=${1:?usage: make-certs.sh OUT_DIR ORG [DNS_NAME...]}
org=${2:?usage: make-certs.sh OUT_DIR ORG [DNS_NAME...]}
shift 2
names=("localhost" "$@")
days=${CSX_CERT_DAYS:-825}
mkdir -p "$out"
umask 077

if [ ! -f "$out/ca.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$out/ca.key" -out "$out/ca.crt" -days 3650 -subj "/O=$org/CN=$org CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
fi

# issue NAME CN SAN USAGE
issue() {
  local name=$1 cn=$2 san=$3 usage=$4
  [ -f "$out/$name.crt" ] && return 0
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$usage" "$san" > "$out/$name.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$out/$name.key" -out "$out/$name.csr" -subj "/O=$org/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -out "$out/$name.crt" -days "$days" -extfile "$out/$name.ext" 2>/dev/null
  rm -f "$out/$name.csr" "$out/$name.ext"
}

san="IP:127.0.0.1"
for n in "${names[@]}"; do san="$san,DNS:$n"; done
# The node certificate serves its port and identifies the node to peers.
issue node "node.$org" "$san,URI:csx://$org/peer/node" serverAuth,clientAuth
issue analyst "analyst.$org" "URI:csx://$org/analyst/analyst" clientAuth
issue reader "reader.$org" "URI:csx://$org/reader/reader" clientAuth
issue admin "admin.$org" "URI:csx://$org/admin/admin" clientAuth
chmod 0644 "$out"/*.crt
echo "certificates for $org in $out: ca.crt node.crt analyst.crt reader.crt admin.crt"
