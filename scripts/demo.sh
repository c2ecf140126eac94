#!/usr/bin/env bash
# Installs the dependencies, builds, makes demo certificates with openssl,
# starts a demo node (org cl.csirt) on the embedded SQLite store at
# 127.0.0.1:7443, submits a few indicators and pulls the feed. The node keeps
# running in the foreground until Ctrl-C (set CSX_DEMO_EXIT=1 to stop it at
# the end instead).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build

demo=${CSX_DEMO_DIR:-$PWD/demo}
port=${CSX_DEMO_PORT:-7443}
mkdir -p "$demo"
bash deploy/make-certs.sh "$demo/certs" cl.csirt >/dev/null
cat > "$demo/node.yaml" <<YAML
node: { org: cl.csirt, listen: "127.0.0.1:$port" }
tls: { cert: certs/node.crt, key: certs/node.key, client_ca: certs/ca.crt }
store: { sqlite: csx.db }
principals:
  - { match: { san_uri: "csx://cl.csirt/analyst/*" }, role: analyst }
  - { match: { san_uri: "csx://cl.csirt/reader/*" }, role: reader }
  - { match: { san_uri: "csx://cl.csirt/admin/*" }, role: admin }
YAML
build/server/csxd --config "$demo/node.yaml" --check-config
rm -f "$demo/port"
build/server/csxd --config "$demo/node.yaml" --port-file "$demo/port" 2>"$demo/csxd.log" &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -f "$demo/port" ] && break; sleep 0.1; done
[ -f "$demo/port" ] || { cat "$demo/csxd.log"; echo "demo node did not start" >&2; exit 1; }

csx() {
  build/client/csx --server "127.0.0.1:$port" --ca "$demo/certs/ca.crt" \
    --cert "$demo/certs/$1.crt" --key "$demo/certs/$1.key" "${@:2}"
}
echo "== submit (analyst)"
csx analyst submit --type ipv4 --value 198.51.100.23 --tlp green --confidence 85 \
  --tag c2 --sector finance --description "demo C2 server" -o table
csx analyst submit --type domain --value Phish.Example.COM. --tlp amber --tag phishing -o table
cat > "$demo/bulk.csv" <<CSV
type,value,tlp,confidence,tags,sectors
url,HTTP://Malware.Example:80/payload.bin,AMBER,70,malware;dropper,energy
sha256,E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,GREEN,60,,
cve,cve-2024-3094,CLEAR,100,xz,
ipv4,999.1.1.1,GREEN,50,,
CSV
echo "== bulk submit (one line is invalid on purpose)"
csx analyst submit --file "$demo/bulk.csv" -o table || true
echo "== query: indicators that contain the address 198.51.100.23"
csx reader query --contains 198.51.100.23 -o table
echo "== pull the feed (jsonl, resumable with --cursor-file)"
csx reader pull --cursor-file "$demo/cursor" -o jsonl
echo "== status (admin)"
csx admin status -o table
csx admin audit verify -o table

if [ "${CSX_DEMO_EXIT:-0}" = 1 ]; then
  kill -TERM $node_pid; wait $node_pid || true
  exit 0
fi
echo
echo "The demo node runs at 127.0.0.1:$port (log: $demo/csxd.log). Try:"
echo "  build/client/csx --server 127.0.0.1:$port --ca $demo/certs/ca.crt --cert $demo/certs/analyst.crt --key $demo/certs/analyst.key query -o table"
echo "Ctrl-C stops it."
trap - EXIT
wait $node_pid
