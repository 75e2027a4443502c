#!/usr/bin/env bash
# deps.sh makes this machine ready for `make test`: Go modules and the web
# UI's npm packages downloaded, Chromium for the browser tests, the
# local PostgreSQL (127.0.0.1:5432, database "test") up, and the tools of the
# network-namespace lab (lab/: iproute2, lldpd, snmpd, net-snmp clients, jq,
# tcpdump). It installs from Debian only what is missing, so it is quick on a
# prepared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
# The toolchain go.mod asks for, as the Makefile exports it, so that this
# script run on its own downloads the modules with it too.
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}

need=()
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
# snmpsim (snmpsimd) serves the SNMP source's .snmprec fixtures in its tests.
command -v snmpsimd >/dev/null 2>&1 || need+=(snmpsim)
# The lab (lab/lab.sh): namespaces, veths and bridges; lldpd (LLDP, CDP, AgentX
# subagent); snmpd as the AgentX master; snmpbulkwalk for readiness; jq reads
# lab/cabling.json; tcpdump to look at the frames when debugging.
command -v ip >/dev/null 2>&1 && command -v bridge >/dev/null 2>&1 || need+=(iproute2)
command -v lldpd >/dev/null 2>&1 || need+=(lldpd)
command -v snmpd >/dev/null 2>&1 || need+=(snmpd)
command -v snmpbulkwalk >/dev/null 2>&1 || need+=(snmp)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
# Flow fixtures (internal/flow/testdata/make-fixtures.sh; tcpdump and lldpd above).
command -v softflowd >/dev/null 2>&1 || need+=(softflowd)
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
# The web UI's browser tests (cmd/vnetmap TestUI) drive Debian's Chromium;
# no test tool downloads a browser of its own.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    # A policy-rc.d that denies every start keeps the packages from starting
    # lldpd (LLDP on the machine's real NICs) and snmpd in the root namespace:
    # the lab starts its own, inside its namespaces.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      trap 'rm -f "$policy"' EXIT
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "deps: missing ${need[*]} and not root: install them" >&2
  fi
fi

# Never let lldpd or snmpd run in the root namespace (lldpd would speak LLDP
# on the machine's real NICs): keep their units from starting at boot too.
if [ "$(id -u)" = 0 ]; then
  for unit in lldpd snmpd; do
    command -v "$unit" >/dev/null 2>&1 || continue
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
    command -v update-rc.d >/dev/null 2>&1 && update-rc.d "$unit" disable >/dev/null 2>&1 || true
  done
fi

go mod download

# The web UI's npm packages, from the lock file (make build and make test
# build the bundle with them). Node.js 20 and npm come with the machine.
if command -v npm >/dev/null 2>&1; then
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund)
  fi
else
  echo "deps: npm (Node.js 20) is missing: the web UI cannot be built" >&2
fi

# Labs (lab/) left behind by a test process that was killed before its cleanup.
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then
  ./lab/lab.sh gc || true
fi

# PostgreSQL for the store's second backend. On these machines it is a Debian
# cluster; start it if it is down. VNETMAP_TEST_PG overrides the DSN.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
    [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "deps: PostgreSQL up on 127.0.0.1:5432"
else
  echo "deps: PostgreSQL is not reachable on 127.0.0.1:5432; store tests fail in CI and skip elsewhere" >&2
fi
