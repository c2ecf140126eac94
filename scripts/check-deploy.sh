#!/usr/bin/env bash
# Checks the files in deploy/ with whatever tools this machine has, and says
# which checks ran and which were skipped and why. Exits 1 if a check that ran
# failed; a skipped check never fails the run.
#
#   scripts/check-deploy.sh
#
# Checks:
#   systemd   systemd-analyze verify of deploy/systemd/csxd.service (any
#             warning fails), its `systemd-analyze security` exposure, and
#             systemd-sysusers on deploy/systemd/csx.sysusers.conf
#   compose   `docker compose config -q` or `docker-compose config -q` on
#             deploy/compose/compose.yaml
#   configs   csxd --check-config of deploy/compose/config/*.yaml against
#             throw-away certificates (needs build/server/csxd and openssl)
#   runtime   every shared library of build/server/csxd and build/client/csx
#             comes from the Dockerfile's RUNTIME_PACKAGES or their
#             dependencies (needs a Debian 12 host with dpkg and apt-cache)
#   hadolint  hadolint on deploy/docker/Dockerfile
#   shell     shellcheck on the deploy scripts and this one
#   grafana   deploy/grafana/csx-dashboard.json is well-formed JSON with the
#             expected structure (python3)
#   image     docker build of deploy/docker/Dockerfile, only when a Docker
#             daemon is reachable and CSX_DOCKER_BUILD=1 (it takes a while)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ran=() skipped=() failed=()

pass() { ran+=("$1"); echo "ok    $1"; }
fail() { ran+=("$1"); failed+=("$1"); echo "FAIL  $1: $2"; }
skip() { skipped+=("$1 ($2)"); echo "skip  $1: $2"; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- systemd ---------------------------------------------------------------
unit=deploy/systemd/csxd.service
if have systemd-analyze; then
  # verify insists that ExecStart names an executable; point the copy at a
  # stand-in so the check means the same on a machine without csxd installed.
  printf '#!/bin/sh\nexit 0\n' >"$tmp/csxd"
  chmod +x "$tmp/csxd"
  sed "s#/usr/local/bin/csxd#$tmp/csxd#g" "$unit" >"$tmp/csxd.service"
  # verify exits 0 on unknown keys and unparsable values, which it reports
  # as warnings: any output at all is a failure.
  out=$(cd "$tmp" && systemd-analyze verify "$tmp/csxd.service" 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    fail "systemd verify" "$(printf '%s' "$out" | sed "s#$tmp/##g" | tr '\n' ' ')"
  else
    pass "systemd verify ($unit)"
  fi
  score=$(systemd-analyze security --offline=true "$tmp/csxd.service" 2>/dev/null |
    sed -n 's/.*Overall exposure level for csxd.service: \([0-9.]*\).*/\1/p')
  if [ -n "$score" ]; then
    # 0 is the best, 10 the worst; the unit scored 1.5 when it was written.
    if awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
      pass "systemd security exposure $score (at most 2.0)"
    else
      fail "systemd security" "exposure $score, above 2.0"
    fi
  else
    skip "systemd security" "systemd-analyze security --offline not supported here"
  fi
else
  skip "systemd verify" "systemd-analyze not installed"
fi
if have systemd-sysusers; then
  # Into an empty root: the user must come out as a system user named csx.
  mkdir -p "$tmp/root/etc"
  if systemd-sysusers --root="$tmp/root" "$repo/deploy/systemd/csx.sysusers.conf" \
    >/dev/null 2>&1 && grep -q '^csx:x:[0-9]*:[0-9]*:.*:/var/lib/csx:' "$tmp/root/etc/passwd"; then
    pass "sysusers deploy/systemd/csx.sysusers.conf"
  else
    fail "sysusers" "systemd-sysusers did not create the csx user"
  fi
else
  skip "sysusers" "systemd-sysusers not installed"
fi

# --- compose ---------------------------------------------------------------
compose_file=deploy/compose/compose.yaml
compose=()
if have docker && docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif have docker-compose; then
  compose=(docker-compose)
fi
if [ ${#compose[@]} -gt 0 ]; then
  if out=$("${compose[@]}" -f "$compose_file" config -q 2>&1); then
    pass "compose config (${compose[*]})"
  else
    fail "compose config (${compose[*]})" "$(printf '%s' "$out" | tr '\n' ' ')"
  fi
else
  skip "compose config" "neither 'docker compose' nor docker-compose installed"
fi

# --- compose node configs ----------------------------------------------------
csxd=build/server/csxd
if [ -x "$csxd" ] && have openssl; then
  if ! bash deploy/compose/make-certs.sh "$tmp/certs" >/dev/null 2>"$tmp/certs.log"; then
    fail "compose configs" "make-certs.sh: $(tr '\n' ' ' <"$tmp/certs.log")"
  else
    bad=0
    for f in deploy/compose/config/*.yaml; do
      org=$(basename "$f" .yaml)
      sed -e "s#/etc/csx/tls/#$tmp/certs/run/$org/#g" \
        -e "s#/var/lib/csx/#$tmp/state/$org/#g" "$f" >"$tmp/$org.yaml"
      mkdir -p "$tmp/state/$org" # the compose volume
      if ! out=$("$csxd" --config "$tmp/$org.yaml" --check-config 2>&1); then
        fail "compose config $f" "$out"
        bad=1
      fi
    done
    [ $bad = 0 ] && pass "compose configs pass csxd --check-config"
  fi
else
  skip "compose configs" "needs $csxd (scripts/build.sh) and openssl"
fi

# --- runtime packages of the image ---------------------------------------------
dockerfile=deploy/docker/Dockerfile
if [ -x build/server/csxd ] && [ -x build/client/csx ] && have dpkg && have apt-cache &&
  grep -q '^12' /etc/debian_version 2>/dev/null; then
  # RUNTIME_PACKAGES="..." spans continuation lines up to the closing quote.
  pkgs=$(sed -n '/^ARG RUNTIME_PACKAGES="/,/"$/p' "$dockerfile" |
    sed -e 's/^ARG RUNTIME_PACKAGES="//' -e 's/["\\]//g')
  # shellcheck disable=SC2086
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $pkgs 2>/dev/null |
    sed -n 's/^\([a-z0-9][^ ]*\)$/\1/p; s/^ *\(Pre\)\{0,1\}Depends: \([^<][^ ]*\)$/\2/p' |
    sed 's/:.*//' | sort -u >"$tmp/closure"
  # Libraries in debian:12-slim whatever is installed.
  printf '%s\n' libc6 libgcc-s1 libstdc++6 zlib1g libunistring2 >>"$tmp/closure"
  missing=()
  for lib in $(ldd build/server/csxd build/client/csx | awk '/=> \//{print $3}' | sort -u); do
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
      dpkg -S "${lib#/usr}" 2>/dev/null)
    pkg=${pkg%%:*}
    if [ -z "$pkg" ]; then
      missing+=("$lib (no package)")
    elif ! grep -qx "$pkg" "$tmp/closure"; then
      missing+=("$lib ($pkg)")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    pass "runtime packages of $dockerfile cover the libraries of csxd and csx"
  else
    fail "runtime packages" "not installed in the image: ${missing[*]}"
  fi
else
  skip "runtime packages" "needs build/server/csxd, build/client/csx and a Debian 12 host"
fi

# --- hadolint ----------------------------------------------------------------
if have hadolint; then
  if out=$(hadolint "$dockerfile" 2>&1); then
    pass "hadolint $dockerfile"
  else
    fail "hadolint" "$(printf '%s' "$out" | tr '\n' ' ')"
  fi
else
  skip "hadolint" "hadolint not installed"
fi

# --- shellcheck ----------------------------------------------------------------
if have shellcheck; then
  scripts=(deploy/compose/make-certs.sh deploy/make-certs.sh deploy/federation/run.sh
    scripts/*.sh .ci/run)
  if out=$(shellcheck "${scripts[@]}" 2>&1); then
    pass "shellcheck ${scripts[*]}"
  else
    fail "shellcheck" "$out"
  fi
else
  skip "shellcheck" "shellcheck not installed"
fi

# --- grafana -------------------------------------------------------------------
dashboard=deploy/grafana/csx-dashboard.json
if have python3; then
  if ! out=$(python3 -m json.tool "$dashboard" 2>&1 >/dev/null); then
    fail "grafana json" "$out"
  elif out=$(python3 - "$dashboard" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = [v["name"] for v in d["templating"]["list"]]
assert "DS_PROMETHEUS" in names and "instance" in names, names
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "duplicate panel ids"
for p in d["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] == "${DS_PROMETHEUS}", p["title"]
    for t in p["targets"]:
        e = t["expr"]
        assert e.count("(") == e.count(")"), (p["title"], e)
        assert 'instance=~"$instance"' in e, (p["title"], e)
PY
  ); then
    pass "grafana dashboard $dashboard"
  else
    fail "grafana dashboard" "$(printf '%s' "$out" | tail -1)"
  fi
else
  skip "grafana" "python3 not installed"
fi

# --- image build -------------------------------------------------------------
if ! have docker; then
  skip "docker build" "docker not installed"
elif ! docker info >/dev/null 2>&1; then
  skip "docker build" "no Docker daemon reachable"
elif [ "${CSX_DOCKER_BUILD:-0}" != 1 ]; then
  skip "docker build" "set CSX_DOCKER_BUILD=1 to build the image"
elif out=$(docker build -f "$dockerfile" -t csirt-exchange/csxd:check "$repo" 2>&1); then
  pass "docker build $dockerfile"
else
  fail "docker build" "$(printf '%s' "$out" | tail -20)"
fi

echo "check-deploy: ${#ran[@]} ran, ${#failed[@]} failed, ${#skipped[@]} skipped"
for s in "${skipped[@]}"; do echo "  skipped: $s"; done
[ ${#failed[@]} -eq 0 ]
