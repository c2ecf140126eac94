#!/usr/bin/env bash
# Starts a four-node federation on loopback: cl.csirt (127.0.0.1:7441),
# us.cisa (:7442), uk.ncsc (:7443) and co.colcert (:7444), each with its own CA
# and the agreements in deploy/federation/*.yaml; submits RED, AMBER and
# GREEN indicators at the US node and shows who ends up holding what.
# Nodes keep running until Ctrl-C (CSX_FED_EXIT=1 stops them at the end).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=${CSX_FED_DIR:-/tmp/csx-federation}
orgs=(cl.csirt us.cisa uk.ncsc co.colcert)
if [ ! -x "$repo/build/server/csxd" ] || [ ! -x "$repo/build/client/csx" ]; then
  bash "$repo/scripts/build.sh" build
fi

mkdir -p "$dir/certs"
for org in "${orgs[@]}"; do
  bash "$repo/deploy/make-certs.sh" "$dir/certs/$org" "$org" >/dev/null
done
cat "$dir"/certs/*/ca.crt > "$dir/certs/federation-ca.pem"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for org in "${orgs[@]}"; do
  mkdir -p "$dir/$org"
  cp "$here/$org.yaml" "$dir/$org/node.yaml"
  "$repo/build/server/csxd" --config "$dir/$org/node.yaml" --check-config >/dev/null
  rm -f "$dir/$org/port"
  "$repo/build/server/csxd" --config "$dir/$org/node.yaml" --port-file "$dir/$org/port" \
    2>"$dir/$org/csxd.log" &
  pids+=($!)
done
for org in "${orgs[@]}"; do
  for _ in $(seq 100); do [ -f "$dir/$org/port" ] && break; sleep 0.1; done
  [ -f "$dir/$org/port" ] || { cat "$dir/$org/csxd.log"; echo "$org did not start" >&2; exit 1; }
done

csx() {  # csx ORG ROLE ARGS...
  local org=$1 role=$2; shift 2
  "$repo/build/client/csx" --server "127.0.0.1:$(cat "$dir/$org/port")" \
    --ca "$dir/certs/federation-ca.pem" --cert "$dir/certs/$org/$role.crt" \
    --key "$dir/certs/$org/$role.key" "$@"
}
echo "== us.cisa submits one RED, one AMBER and one GREEN indicator"
csx us.cisa analyst submit --type domain --value red.c2.example --tlp RED -o table
csx us.cisa analyst submit --type domain --value amber.c2.example --tlp AMBER -o table
green=$(csx us.cisa analyst submit --type ipv4 --value 203.0.113.66 --tlp GREEN \
  --confidence 90 -o jsonl | sed 's/.*"id":"\([^"]*\)".*/\1/')
sleep 2
for org in "${orgs[@]}"; do
  echo "== held by $org"
  csx "$org" reader query --include-revoked -o table
done
echo "== why the AMBER indicator is not passed on to co.colcert"
amber=$(csx cl.csirt reader query --value amber.c2.example -o jsonl | sed 's/.*"id":"\([^"]*\)".*/\1/')
csx cl.csirt admin agreements explain --indicator "$amber" --partner co.colcert -o table
echo "== a sighting in Colombia travels back to the US"
csx co.colcert analyst sight "$green" --count 3 -o table >/dev/null
sleep 2
csx us.cisa reader get "$green" -o json | grep -A1 '"sightings"'

if [ "${CSX_FED_EXIT:-0}" = 1 ]; then exit 0; fi
echo
echo "The federation runs in $dir (logs: $dir/ORG/csxd.log). Ctrl-C stops it."
wait
