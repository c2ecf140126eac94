#!/usr/bin/env bash
# Makes the certificates of the compose federation with deploy/make-certs.sh:
# one CA per org (cl.csirt, us.cisa, uk.ncsc, co.colcert), each node
# certificate naming the container host name (cl-csirt, ...) and
# node.ORG as DNS SANs, plus analyst, reader and admin client certificates.
#
#   deploy/compose/make-certs.sh [CERTS_DIR]     # default deploy/compose/certs
#
# Layout (CERTS_DIR is git-ignored):
#   ORG/                  everything make-certs.sh made, CA key included; for
#                         you (csx --cert ORG/analyst.crt ...), never mounted
#   federation-ca.pem     the four CA certificates (every node's client_ca)
#   run/ORG/              what the ORG container mounts read-only at
#                         /etc/csx/tls: node.crt/.key, admin.crt/.key (for the
#                         health check), ca.crt, federation-ca.pem, and
#                         ca-ORG.crt of every org (issuer_ca of the rules)
#
# The container runs as uid CSX_CONTAINER_UID (default 10001, the csx user of
# deploy/docker/Dockerfile). Run as root, the keys under run/ are given to that
# uid (mode 0600); run as another user they are made world-readable (0644),
# which is acceptable for this demo on a single-user machine only.
# Existing certificates are kept; run/ is refreshed on every run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/certs}
uid=${CSX_CONTAINER_UID:-10001}
orgs=(cl.csirt us.cisa uk.ncsc co.colcert)

mkdir -p "$out"
for org in "${orgs[@]}"; do
  bash "$here/../make-certs.sh" "$out/$org" "$org" "${org/./-}" "node.$org" >/dev/null
done
for org in "${orgs[@]}"; do cat "$out/$org/ca.crt"; done > "$out/federation-ca.pem.tmp"
chmod 0644 "$out/federation-ca.pem.tmp"
mv "$out/federation-ca.pem.tmp" "$out/federation-ca.pem"

for org in "${orgs[@]}"; do
  run="$out/run/$org"
  mkdir -p "$run"
  chmod 0755 "$out" "$out/run" "$run"
  cp "$out/$org/node.crt" "$out/$org/admin.crt" "$out/$org/ca.crt" \
    "$out/federation-ca.pem" "$run/"
  # Each org's CA on its own, for the issuer_ca of the principals rules.
  for ca_org in "${orgs[@]}"; do cp "$out/$ca_org/ca.crt" "$run/ca-$ca_org.crt"; done
  # Keys: 0600 and owned by the container's uid when we may chown, else 0644.
  for key in node.key admin.key; do
    rm -f "$run/$key"
    install -m 0600 "$out/$org/$key" "$run/$key"
    if [ "$(id -u)" = 0 ]; then
      chown "$uid:$uid" "$run/$key"
    else
      chmod 0644 "$run/$key"
    fi
  done
  chmod 0644 "$run"/*.crt "$run/federation-ca.pem"
done
if [ "$(id -u)" != 0 ]; then
  echo "note: not root, so the keys in $out/run are world-readable (demo only)" >&2
fi
echo "certificates in $out: ${orgs[*]} (containers mount $out/run/ORG)"
