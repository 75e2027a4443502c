#!/usr/bin/env bash
# lab.sh builds and removes the vnetmap network-namespace lab: two leaf
# "switches" (a Linux bridge over veth ports), four hosts with two NICs each, a
# management namespace, lldpd (LLDP and CDP) in every switch and host, and
# snmpd in each leaf with lldpd as its AgentX subagent, so LLDP-MIB answers
# come from real frames exchanged over the veths. The topology is
# lab/cabling.json, the single source of truth shared with the Go tests.
#
#   lab.sh up ID DIR   build lab ID, writing everything (configs, sockets,
#                      logs, secrets) under DIR; waits until every expected
#                      LLDP neighbour is learnt and each leaf answers SNMP
#   lab.sh down ID     kill the lab's processes and delete its namespaces
#   lab.sh gc          remove labs left by a killed test (IDs PIDxHEX whose PID
#                      is gone)
#
# Every namespace is named vnm<ID>-<node> and nothing is configured in the root
# namespace. Addresses come from cabling.json (10.213.0.0/16), never from the
# machine's own subnets. The SNMP community and v3 secrets are generated per
# run, written to files in DIR and never printed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cabling=${VNETMAP_LAB_CABLING:-$here/cabling.json}
wait_seconds=${VNETMAP_LAB_WAIT:-20}
v3user=vnmlab

die() { echo "lab: $*" >&2; exit 1; }

check_id() {
  [[ $1 =~ ^[a-z0-9]{1,20}$ ]] || die "bad lab ID ${1@Q}: want 1-20 of [a-z0-9]"
}

ns() { echo "vnml$1-$2"; }

# lab_namespaces ID lists the namespaces of lab ID that exist.
lab_namespaces() {
  ip netns list | awk '{print $1}' | grep -E "^vnml$1-" || true
}

down() {
  local id=$1 n pids
  local namespaces
  namespaces=$(lab_namespaces "$id")
  [ -n "$namespaces" ] || return 0
  # Stop the lab's own processes (those inside its namespaces), politely then firmly.
  for n in $namespaces; do
    pids=$(ip netns pids "$n" 2>/dev/null || true)
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
  done
  for _ in $(seq 1 20); do
    local left=""
    for n in $namespaces; do left+=$(ip netns pids "$n" 2>/dev/null || true); done
    [ -z "$left" ] && break
    sleep 0.1
  done
  for n in $namespaces; do
    pids=$(ip netns pids "$n" 2>/dev/null || true)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  done
  # Deleting a namespace destroys the veths and bridges inside it.
  for n in $namespaces; do ip netns del "$n" 2>/dev/null || true; done
}

gc() {
  local n id pid
  for n in $(ip netns list | awk '{print $1}' | grep -E "^vnml[0-9]+x[0-9a-f]+-" || true); do
    id=${n#vnml}; id=${id%%-*}; pid=${id%%x*}
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "lab: removing stale lab $id (process $pid is gone)" >&2
      down "$id"
    fi
  done
}

is_leaf() { jq -e --arg n "$1" 'any(.leaves[]; .name == $n)' "$cabling" >/dev/null; }

secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# start LOG ARGV... runs ARGV detached (own session, output to LOG) so it
# outlives this script and holds none of the caller's descriptors.
start() {
  local log=$1; shift
  setsid "$@" </dev/null >"$log" 2>&1 &
}

up() {
  local id=$1 dir=$2
  for tool in ip bridge jq lldpd lldpcli snmpd snmpbulkwalk setsid; do
    command -v "$tool" >/dev/null 2>&1 || die "missing $tool (run scripts/deps.sh)"
  done
  [ -d "$dir" ] || die "lab dir $dir does not exist"
  dir=$(cd "$dir" && pwd)
  # lldpd runs lldpcli as its unprivileged user to apply lldpd.conf through
  # the control socket, so that user must be able to traverse DIR (the
  # secrets in it stay readable by root only).
  chmod a+x "$dir"
  # Unix socket paths are limited to 107 bytes.
  [ ${#dir} -le 70 ] || die "lab dir $dir is too long for unix sockets (max 70 bytes)"

  down "$id"
  trap 'rc=$?; if [ $rc -ne 0 ]; then down "'"$id"'"; fi' EXIT

  local station prefix dprefix
  station=$(jq -r .mgmt.station "$cabling")
  prefix=$(jq -r .mgmt.prefix "$cabling")
  dprefix=$(jq -r .data_prefix "$cabling")
  local -a leaves hosts
  mapfile -t leaves < <(jq -r '.leaves[].name' "$cabling")
  mapfile -t hosts < <(jq -r '.hosts[].name' "$cabling")

  local n
  for n in mgmt "${leaves[@]}" "${hosts[@]}"; do
    ip netns add "$(ns "$id" "$n")"
    ip -n "$(ns "$id" "$n")" link set lo up
    mkdir -p "$dir/$n"
  done

  # Management: one bridge in the mgmt namespace reaching each leaf's mgmt0.
  local m; m=$(ns "$id" mgmt)
  ip -n "$m" link add br0 type bridge
  ip -n "$m" addr add "$station/$prefix" dev br0
  ip -n "$m" link set br0 up
  local leaf addr
  for leaf in "${leaves[@]}"; do
    addr=$(jq -r --arg l "$leaf" '.leaves[] | select(.name == $l) | .mgmt' "$cabling")
    ip -n "$m" link add "to-$leaf" type veth peer name mgmt0 netns "$(ns "$id" "$leaf")"
    ip -n "$m" link set "to-$leaf" master br0 up
    ip -n "$(ns "$id" "$leaf")" addr add "$addr/$prefix" dev mgmt0
    ip -n "$(ns "$id" "$leaf")" link set mgmt0 up
    # The leaf's data plane: a plain bridge over its swp ports.
    ip -n "$(ns "$id" "$leaf")" link add br0 type bridge
    ip -n "$(ns "$id" "$leaf")" link set br0 up
  done

  # Cabling: one veth pair per link, created directly inside the two namespaces.
  local a b an ap bn bp
  while read -r a b; do
    an=${a%%:*} ap=${a#*:} bn=${b%%:*} bp=${b#*:}
    ip -n "$(ns "$id" "$an")" link add "$ap" type veth peer name "$bp" netns "$(ns "$id" "$bn")"
    for end in "$an $ap $bn $bp" "$bn $bp $an $ap"; do
      read -r n p peer peerport <<<"$end"
      if is_leaf "$n"; then
        # A switch port: in the bridge, described like an operator would.
        ip -n "$(ns "$id" "$n")" link set "$p" alias "$peer $peerport" master br0
        # CDP's multicast address is not link-local, so a bridge would flood a
        # neighbour's CDP to every other port; switches never do that.
        bridge -n "$(ns "$id" "$n")" link set dev "$p" mcast_flood off
      fi
      ip -n "$(ns "$id" "$n")" link set "$p" up
    done
  done < <(jq -r '.links[] | "\(.a) \(.b)"' "$cabling")

  for n in "${hosts[@]}"; do
    addr=$(jq -r --arg h "$n" '.hosts[] | select(.name == $h) | .address' "$cabling")
    ip -n "$(ns "$id" "$n")" addr add "$addr/$dprefix" dev vmnic0
  done

  # Secrets, generated per run, readable by root only.
  (umask 077
   secret >"$dir/community"
   echo -n "$v3user" >"$dir/v3.user"
   secret >"$dir/v3.auth"
   secret >"$dir/v3.priv"
   echo "defCommunity $(cat "$dir/community")" >"$dir/mgmt/snmp.conf")

  for leaf in "${leaves[@]}"; do
    addr=$(jq -r --arg l "$leaf" '.leaves[] | select(.name == $l) | .mgmt' "$cabling")
    local d=$dir/$leaf
    mkdir -p "$d/snmp"
    (umask 077; cat >"$d/snmpd.conf" <<EOF
agentaddress udp:$addr:161
master agentx
agentxsocket unix:$d/agentx.sock
agentxperms 0600 0700
sysname $leaf
sysdescr vnetmap lab leaf $leaf (Linux bridge, lldpd AgentX)
syslocation vnetmap lab
syscontact lab@vnetmap.invalid
rocommunity $(cat "$dir/community") $station/32
rocommunity $(cat "$dir/community") 127.0.0.1/32
createUser $v3user SHA "$(cat "$dir/v3.auth")" AES "$(cat "$dir/v3.priv")"
rouser $v3user priv
EOF
    )
    start "$d/snmpd.log" env SNMP_PERSISTENT_DIR="$d/snmp" MIBS= \
      ip netns exec "$(ns "$id" "$leaf")" snmpd -f -Lf "$d/snmpd.log" -C -c "$d/snmpd.conf" -p "$d/snmpd.pid"
  done
  for leaf in "${leaves[@]}"; do
    for _ in $(seq 1 50); do [ -S "$dir/$leaf/agentx.sock" ] && break; sleep 0.1; done
    [ -S "$dir/$leaf/agentx.sock" ] || die "snmpd of $leaf did not open its AgentX socket (see $dir/$leaf/snmpd.log)"
  done

  for n in "${leaves[@]}" "${hosts[@]}"; do
    local d=$dir/$n role=host
    is_leaf "$n" && role=leaf
    {
      echo "configure system hostname $n"
      echo "configure lldp portidsubtype ifname"
      echo "configure lldp tx-interval 1"
      if [ $role = leaf ]; then
        echo "configure system interface pattern swp*"
        echo "configure system ip management pattern $(jq -r --arg l "$n" '.leaves[] | select(.name == $l) | .mgmt' "$cabling")"
      else
        echo "configure system interface pattern vmnic*"
      fi
    } >"$d/lldpd.conf"
    local -a args=(-dd -u "$d/lldpd.sock" -p "$d/lldpd.pid" -O "$d/lldpd.conf")
    if [ $role = leaf ]; then
      # A switch sends CDPv1 and CDPv2 whoever is on the port, and serves the
      # LLDP-MIB through snmpd.
      args+=(-ccc -l -H 2 -x -X "unix:$d/agentx.sock")
    else
      # A host listens to CDP (and answers it); no neighbour filtering so both
      # the LLDP and the CDP view of the switch port are shown.
      args+=(-c -l -H 0)
    fi
    start "$d/lldpd.log" ip netns exec "$(ns "$id" "$n")" lldpd "${args[@]}"
  done

  wait_ready "$id" "$dir"
  trap - EXIT
  echo "lab: $id up in $dir" >&2
}

# expected NODE prints "IFACE SYSTEM PORT" for every neighbour NODE must learn.
expected() {
  jq -r --arg n "$1" '.links[] | [(.a|split(":")), (.b|split(":"))] |
    (if .[0][0] == $n then "\(.[0][1]) \(.[1][0]) \(.[1][1])" else empty end),
    (if .[1][0] == $n then "\(.[1][1]) \(.[0][0]) \(.[0][1])" else empty end)' "$cabling" | sort
}

# learnt ID DIR NODE prints "IFACE SYSTEM PORT" for every LLDP neighbour NODE has learnt.
learnt() {
  ip netns exec "$(ns "$1" "$3")" lldpcli -u "$2/$3/lldpd.sock" -f json0 show neighbors 2>/dev/null |
    jq -r '.lldp[0].interface[]? | select(.via == "LLDP") |
      "\(.name) \(.chassis[0].name[0].value) \(.port[0].id[0].value)"' | sort
}

# learnt_cdp ID DIR NODE prints the interfaces on which NODE has learnt a CDP neighbour.
learnt_cdp() {
  ip netns exec "$(ns "$1" "$3")" lldpcli -u "$2/$3/lldpd.sock" -f json0 show neighbors 2>/dev/null |
    jq -r '.lldp[0].interface[]? | select(.via | startswith("CDP")) | .name' | sort -u
}

wait_ready() {
  local id=$1 dir=$2 n missing deadline=$((SECONDS + wait_seconds))
  local -a nodes leaves hosts
  mapfile -t nodes < <(jq -r '.leaves[].name, .hosts[].name' "$cabling")
  mapfile -t hosts < <(jq -r '.hosts[].name' "$cabling")
  mapfile -t leaves < <(jq -r '.leaves[].name' "$cabling")
  while :; do
    missing=""
    for n in "${nodes[@]}"; do
      [ "$(learnt "$id" "$dir" "$n")" = "$(expected "$n")" ] || missing+=" $n"
    done
    for n in "${hosts[@]}"; do
      [ "$(learnt_cdp "$id" "$dir" "$n")" = "$(expected "$n" | cut -d' ' -f1)" ] || missing+=" $n(cdp)"
    done
    if [ -z "$missing" ]; then
      for n in "${leaves[@]}"; do
        snmp_ready "$id" "$dir" "$n" || missing+=" $n(snmp)"
      done
    fi
    [ -z "$missing" ] && return 0
    [ $SECONDS -lt $deadline ] || die "not ready after ${wait_seconds}s:$missing (logs in $dir)"
    sleep 0.5
  done
}

# snmp_ready ID DIR LEAF: the leaf's LLDP-MIB lldpRemSysName has one row per cabled port.
snmp_ready() {
  local addr want got
  addr=$(jq -r --arg l "$3" '.leaves[] | select(.name == $l) | .mgmt' "$cabling")
  want=$(expected "$3" | wc -l)
  # The community reaches snmpbulkwalk through a client configuration file,
  # never through its command line.
  got=$(ip netns exec "$(ns "$1" mgmt)" env MIBS= SNMPCONFPATH="$2/mgmt" snmpbulkwalk -v2c -t 1 -r 1 -On \
    "$addr" 1.0.8802.1.1.2.1.4.1.1.9 2>/dev/null | grep -c '^\.1\.0\.8802' || true)
  [ "$got" = "$want" ]
}

case "${1:-}" in
  up) [ $# = 3 ] || die "usage: $0 up ID DIR"; check_id "$2"; up "$2" "$3" ;;
  down) [ $# = 2 ] || die "usage: $0 down ID"; check_id "$2"; down "$2" ;;
  gc) gc ;;
  *) die "usage: $0 up ID DIR | down ID | gc" ;;
esac
