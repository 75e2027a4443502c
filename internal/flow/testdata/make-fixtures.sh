#!/usr/bin/env bash
# make-fixtures.sh records the flow and discovery fixtures of internal/flow and
# cmd/vnetmap from real tools. It is not run by the tests: run it as root when
# the fixtures must change, then commit the pcaps.
#
# Two network namespaces, vnmfx-a (10.214.0.1, MAC 02:00:00:d6:00:01) and
# vnmfx-b (10.214.0.2, MAC 02:00:00:d6:00:02), joined by a veth pair, IPv6
# off. Nothing is configured in the root namespace. The traffic, from a to b,
# recorded on a's side into traffic.pcap (first 96 bytes of each frame):
#   ICMP  5 echo requests of 84 IP bytes (ping -c 5 -s 56), answered by b
#   TCP   10.214.0.1:40000 -> 10.214.0.2:5001, 100000 bytes of payload (nc -N)
#   UDP   10.214.0.1:40001 -> 10.214.0.2:5002, 3 datagrams of 100 payload bytes
# The veths have gso_max_segs 1, so TCP leaves in MSS-sized segments as on a
# wire, not in 64 KB GSO super-packets that a capture on a veth would show.
# Then softflowd (Debian) in vnmfx-a reads traffic.pcap and exports it as
# NetFlow v5 to 10.214.0.2:2055 (nf5.pcap), NetFlow v9 to :9995 (nf9.pcap) and
# IPFIX to :4739 (nf10.pcap), each recorded by tcpdump in vnmfx-b. Finally
# lldpd runs in both namespaces and tcpdump records their LLDP and CDP frames
# into lldp-cdp.pcap (vnmfx-a sends CDPv1, vnmfx-b CDPv2).
#
# How softflowd 1.1.0 is run, and why:
#   -c none  no control socket. In -r mode softflowd 1.1.0 does not poll;
#            it tests the control socket's slot of an uninitialised pollfd
#            array and, when the stack garbage there is non-zero, blocks in
#            accept() before reading a packet. Whether it did depended on the
#            environment and argv (stack contents): it read the file from an
#            interactive shell and hung from a script. Without a control
#            socket softflowd never looks at that slot.
#   -a       flow times from the capture's timestamps. Without it the flows'
#            uptime stamps are relative to softflowd's start and so negative
#            (wrapped to ~2^32 ms) for packets captured before it.
#   -d, </dev/null  foreground, exits after exporting every flow at the
#            end of the file (no expiry timers run in -r mode).
# Full tracking (addresses, ports, protocol) for v5, which has no MAC fields;
# -T ether (plus MACs and VLAN) for v9 and IPFIX.
#
# Needs: iproute2, softflowd, tcpdump, lldpd, netcat-openbsd, iputils-ping
# (scripts/deps.sh).
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
A=vnmfx-a B=vnmfx-b
[ "$(id -u)" = 0 ] || { echo "make-fixtures: run as root (network namespaces)" >&2; exit 1; }
for tool in ip softflowd tcpdump lldpd nc ping; do
  command -v "$tool" >/dev/null || { echo "make-fixtures: $tool missing (scripts/deps.sh)" >&2; exit 1; }
done
for ns in "$A" "$B"; do
  if ip netns list | grep -qw "$ns"; then echo "make-fixtures: namespace $ns exists (another run?)" >&2; exit 1; fi
done
work=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# packets FILE prints how many packets a capture holds.
packets() { tcpdump --count -r "$1" 2>/dev/null | awk '{print $1}'; }

# capture NS IFACE FILE FILTER records FILTER on IFACE into FILE in the
# background (immediate mode: nothing waits in a capture buffer when it is
# stopped) and waits until tcpdump listens.
capture() {
  ip netns exec "$1" tcpdump --immediate-mode -U -i "$2" -s "$snaplen" -w "$3" "$4" 2>"$3.log" &
  cap=$!
  pids+=("$cap")
  for _ in $(seq 1 50); do grep -q listening "$3.log" && return 0; sleep 0.1; done
  echo "make-fixtures: tcpdump did not start: $(cat "$3.log")" >&2
  exit 1
}

# stop PID stops a capture and waits until it has written its file.
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

ip netns add "$A"
ip netns add "$B"
for ns in "$A" "$B"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip -n "$A" link add fxa address 02:00:00:d6:00:01 type veth peer name fxb netns "$B" address 02:00:00:d6:00:02
ip -n "$A" link set fxa gso_max_segs 1
ip -n "$B" link set fxb gso_max_segs 1
ip -n "$A" addr add 10.214.0.1/24 dev fxa
ip -n "$B" addr add 10.214.0.2/24 dev fxb
ip -n "$A" link set fxa up
ip -n "$B" link set fxb up
ip netns exec "$A" ping -q -c 1 -W 5 10.214.0.2 >/dev/null

# The traffic.
ip netns exec "$B" nc -kl 10.214.0.2 5001 >/dev/null &
pids+=($!)
ip netns exec "$B" nc -klu 10.214.0.2 5002 >/dev/null &
pids+=($!)
snaplen=96
capture "$A" fxa "$work/traffic.pcap" 'icmp or tcp port 5001 or udp port 5002'
ip netns exec "$A" ping -q -c 5 -i 0.2 -s 56 10.214.0.2 >/dev/null
head -c 100000 /dev/zero | ip netns exec "$A" nc -N -p 40000 10.214.0.2 5001
for _ in 1 2 3; do
  printf '%0100d' 0 | ip netns exec "$A" nc -u -w 0 -p 40001 10.214.0.2 5002 || true
  sleep 0.2
done
sleep 0.5
stop "$cap"
echo "traffic.pcap: $(packets "$work/traffic.pcap") packets"

# The exports: softflowd in vnmfx-a reads traffic.pcap and exports to
# vnmfx-b, where tcpdump records the datagrams and nc keeps the port open (no
# ICMP port unreachable back to the exporter).
snaplen=0
for spec in 5:2055:full 9:9995:ether 10:4739:ether; do
  IFS=: read -r ver port track <<<"$spec"
  capture "$B" fxb "$work/nf$ver.pcap" "udp dst port $port"
  ip netns exec "$B" nc -klu 10.214.0.2 "$port" >/dev/null &
  sink=$!
  pids+=("$sink")
  if ! ip netns exec "$A" timeout 30 softflowd -d -a -c none -r "$work/traffic.pcap" -v "$ver" -T "$track" \
    -n "10.214.0.2:$port" </dev/null >"$work/sf$ver.log" 2>&1; then
    echo "make-fixtures: softflowd -v $ver failed:" >&2
    cat "$work/sf$ver.log" >&2
    exit 1
  fi
  sleep 0.5
  stop "$cap"
  kill "$sink"
  n=$(packets "$work/nf$ver.pcap")
  [ "$n" -gt 0 ] || { echo "make-fixtures: softflowd -v $ver exported nothing" >&2; cat "$work/sf$ver.log" >&2; exit 1; }
  echo "nf$ver.pcap: $n datagrams"
done

# LLDP and CDP between the namespaces. lldpd's unprivileged user must reach
# its control socket in the work directory.
chmod a+x "$work"
capture "$B" fxb "$work/lldp-cdp.pcap" 'ether proto 0x88cc or ether dst 01:00:0c:cc:cc:cc'
for spec in "$A:-cc" "$B:-ccc"; do
  ns=${spec%%:*} cdp=${spec##*:}
  printf 'configure system hostname %s\nconfigure lldp tx-interval 1\n' "$ns" >"$work/$ns.lldpd.conf"
  ip netns exec "$ns" lldpd -d "$cdp" -l -u "$work/$ns.lldpd.sock" -p "$work/$ns.lldpd.pid" -O "$work/$ns.lldpd.conf" \
    -S "vnetmap fixture $ns" >"$work/$ns.lldpd.log" 2>&1 &
  pids+=($!)
done
sleep 4
stop "$cap"
n=$(packets "$work/lldp-cdp.pcap")
[ "$n" -gt 0 ] || { echo "make-fixtures: no LLDP or CDP frame recorded" >&2; cat "$work"/*.lldpd.log >&2; exit 1; }
echo "lldp-cdp.pcap: $n frames"

cp "$work/traffic.pcap" "$work/nf5.pcap" "$work/nf9.pcap" "$work/nf10.pcap" "$work/lldp-cdp.pcap" "$out/"
chmod 644 "$out"/*.pcap
ls -l "$out"/*.pcap
