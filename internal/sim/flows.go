package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// The simulated flow exporters. The leaves export NetFlow v9 of the traffic
// entering the fabric on their host-facing ports (ingress, as "ip flow
// monitor … input" on edge interfaces does), so each flow between two hosts
// is seen once; traffic between two VMs of one host never reaches a switch
// and is exported as IPFIX by the hypervisors' distributed switch instead.
// Traffic from outside the data center is exported where it enters the
// fabric: the leaf of the VM it goes to, on its spine uplink. Each leaf
// sends from its own loopback address, so a collector that knows the
// switches resolves the interface indexes to their ports; the hypervisor
// exporter sends from 127.0.0.1.

// External and unknown endpoints of the simulated traffic.
var (
	// externalClients are Internet clients of the DMZ proxies
	// (TEST-NET-3, RFC 5737).
	externalClients = prefix("203.0.113.0/24")
	// routerMAC is the MAC the leaves route external traffic from.
	routerMAC = "00:00:0c:9f:f0:01"
	// strayAddr is an address inside a VM subnet that no VM has: a host
	// nobody inventoried.
	strayAddr = netip.MustParseAddr("10.110.200.200")
	strayMAC  = "02:00:00:0b:ad:01"
)

// Conversation is one simulated client/server exchange; every export
// interval it produces a record in each direction.
type Conversation struct {
	Client, Server         string // VM names; "" for a non-VM endpoint
	ClientAddr, ServerAddr netip.Addr
	Proto                  uint8
	Port                   uint16 // the server's port
	// Bytes and Packets per interval, client to server; the answer carries
	// ReplyFactor times as many bytes.
	Bytes, Packets uint64
	ReplyFactor    uint64

	clientMAC, serverMAC string
	clientVM, serverVM   int // plan VM index, -1 for a non-VM endpoint
	clientNIC, serverNIC int
	clientPort           uint16 // the client's ephemeral port
}

// FlowStats counts what one Export sent.
type FlowStats struct {
	Datagrams int    `json:"datagrams"`
	Records   int    `json:"records"`
	Bytes     uint64 `json:"bytes"`   // flow bytes described, before sampling
	Packets   uint64 `json:"packets"` // flow packets described, before sampling
}

// FlowExporter sends the simulated data center's traffic as NetFlow v9 (the
// leaves) and IPFIX (the hypervisors) to a collector. Its methods are safe
// for concurrent use.
type FlowExporter struct {
	d        *DataCenter
	to       netip.AddrPort
	sampling uint32
	convs    []Conversation

	mu    sync.Mutex
	conns map[netip.Addr]*net.UDPConn // by source address
	seq   map[netip.Addr]uint32       // export sequence by source address
	boot  time.Time                   // the exporters' clock origin (sysUpTime zero)
}

// Flows returns an exporter of the data center's traffic to the collector
// at to. Leaf records say they were sampled 1 in sampling packets (at least
// 1) and carry the sampled counts; hypervisor records are not sampled.
// Close releases its sockets.
func (d *DataCenter) Flows(to netip.AddrPort, sampling uint32) (*FlowExporter, error) {
	if !to.IsValid() {
		return nil, fmt.Errorf("%w: flow collector address %q is not valid", ErrConfig, to)
	}
	return &FlowExporter{
		d: d, to: to, sampling: max(sampling, 1), convs: d.plan.conversations(),
		conns: map[netip.Addr]*net.UDPConn{}, seq: map[netip.Addr]uint32{},
		// The exporters booted ten days ago, so backdated intervals have
		// positive uptimes too.
		boot: time.Now().Add(-10 * 24 * time.Hour),
	}, nil
}

// Conversations returns the simulated exchanges, in a stable order.
func (e *FlowExporter) Conversations() []Conversation {
	out := make([]Conversation, len(e.convs))
	copy(out, e.convs)
	return out
}

// Close closes the exporter's sockets.
func (e *FlowExporter) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, c := range e.conns {
		errs = append(errs, c.Close())
	}
	e.conns = map[netip.Addr]*net.UDPConn{}
	return errors.Join(errs...)
}

// Export sends one interval of traffic, ending at t and lasting interval,
// with the VMs where vCenter has them now. Each call draws the volumes
// from the data center's seed and t, so the same t gives the same records.
func (e *FlowExporter) Export(ctx context.Context, t time.Time, interval time.Duration) (FlowStats, error) {
	dgs, st, err := e.Datagrams(ctx, t, interval)
	if err != nil {
		return st, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, dg := range dgs {
		conn, err := e.conn(dg.From)
		if err != nil {
			return st, err
		}
		if _, err := conn.WriteToUDPAddrPort(dg.Payload, e.to); err != nil {
			return st, fmt.Errorf("sim: export flows from %s to %s: %w", dg.From, e.to, err)
		}
	}
	return st, nil
}

// FlowDatagram is one export packet and the address it is sent from.
type FlowDatagram struct {
	From    netip.Addr
	Payload []byte
}

// Datagrams returns what Export would send for the interval ending at t,
// without sending it: for replaying the traffic of a past moment.
func (e *FlowExporter) Datagrams(ctx context.Context, t time.Time, interval time.Duration) ([]FlowDatagram, FlowStats, error) {
	placement, err := e.d.currentPlacement(ctx)
	if err != nil {
		return nil, FlowStats{}, err
	}
	recs := e.d.plan.flowRecords(e.convs, placement, t, interval, e.sampling)
	dgs, st := e.encode(recs, t)
	return dgs, st, nil
}

// currentPlacement returns each VM's host index: the running switches'
// view when they run (it follows Migrate), else vCenter's.
func (d *DataCenter) currentPlacement(ctx context.Context) ([]int, error) {
	d.fabricMu.Lock()
	f := d.fabric
	d.fabricMu.Unlock()
	if f == nil {
		return d.placement(ctx)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]int, len(f.placement))
	copy(out, f.placement)
	return out, nil
}

// simRecord is one flow record and who exports it.
type simRecord struct {
	exporter         netip.Addr // a leaf's address, or 127.0.0.1 for a hypervisor
	ipfix            bool
	srcMAC, dstMAC   string
	src, dst         netip.Addr
	proto            uint8
	srcPort, dstPort uint16
	bytes, packets   uint64 // as exported (sampled)
	full             uint64 // bytes before sampling
	fullPackets      uint64
	inIf, outIf      uint32
	vlan             uint16
	start, end       time.Time
}

var hypervisorExporter = netip.MustParseAddr("127.0.0.1")

// conversations lays out who talks to whom: the application tiers, their
// shared services, monitoring, the DMZ's Internet clients and one stray
// address. Only IPv4 addresses are used.
func (p *plan) conversations() []Conversation {
	byApp := map[string][]int{}
	for vi := range p.vms {
		byApp[p.vms[vi].role.app] = append(byApp[p.vms[vi].role.app], vi)
	}
	tier := func(app, t string) []int {
		var out []int
		for _, vi := range byApp[app] {
			if p.vms[vi].role.tier == t {
				out = append(out, vi)
			}
		}
		return out
	}
	rnd := rand.New(rand.NewPCG(uint64(p.cfg.Seed), 7))
	var out []Conversation
	add := func(client, server int, proto uint8, port uint16, bytes, packets, reply uint64) {
		cn, sn := p.ipv4NIC(client), p.ipv4NIC(server)
		if cn < 0 || sn < 0 || client == server {
			return
		}
		c := Conversation{
			Client: p.vms[client].name, Server: p.vms[server].name,
			ClientAddr: p.vnicIPv4(client, cn), ServerAddr: p.vnicIPv4(server, sn),
			Proto: proto, Port: port, Bytes: bytes, Packets: packets, ReplyFactor: reply,
			clientMAC: p.vms[client].nics[cn].mac, serverMAC: p.vms[server].nics[sn].mac,
			clientVM: client, serverVM: server, clientNIC: cn, serverNIC: sn,
			clientPort: uint16(32768 + rnd.IntN(28000)),
		}
		out = append(out, c)
	}
	pick := func(from []int, i, n int) []int {
		var out []int
		for k := range min(n, len(from)) {
			out = append(out, from[(i+k)%len(from)])
		}
		return out
	}
	const tcp, udp = 6, 17
	apps := append(tier("billing", "app"), tier("orders", "app")...)
	for i, web := range tier("portal", "web") {
		for _, app := range pick(apps, i, 2) {
			add(web, app, tcp, 8443, 2_000_000, 2_000, 4)
		}
	}
	for i, app := range apps {
		for _, db := range pick(tier("postgres", "db"), i, 1) {
			add(app, db, tcp, 5432, 5_000_000, 6_000, 6)
		}
		for _, k := range pick(byApp["kafka"], i, 1) {
			add(app, k, tcp, 9092, 3_000_000, 3_000, 1)
		}
	}
	for i, vi := range append(append(tier("portal", "web"), apps...), tier("postgres", "db")...) {
		for _, l := range pick(byApp["ldap"], i, 1) {
			add(vi, l, tcp, 636, 20_000, 40, 2)
		}
	}
	for i, px := range byApp["dmz-proxy"] {
		for _, web := range pick(tier("portal", "web"), 3*i, 3) {
			add(px, web, tcp, 443, 1_500_000, 1_500, 8)
		}
	}
	shopApps := tier("shop", "app")
	for i, web := range tier("shop", "web") {
		for _, app := range pick(shopApps, i, 1) {
			add(web, app, tcp, 8080, 1_000_000, 1_000, 3)
		}
	}
	for i, app := range shopApps {
		for _, db := range pick(tier("shop", "db"), i, 1) {
			add(app, db, tcp, 1433, 4_000_000, 4_000, 5)
		}
	}
	mon := byApp["monitoring"]
	for vi := range p.vms {
		if len(mon) > 0 && p.vms[vi].role.app != "monitoring" {
			add(mon[vi%len(mon)], vi, tcp, 9100, 5_000, 10, 20)
		}
	}
	// Non-VM clients: the Internet behind the DMZ proxies, and a stray
	// address in the web VLAN.
	for i, px := range byApp["dmz-proxy"] {
		if sn := p.ipv4NIC(px); sn >= 0 {
			out = append(out, Conversation{
				Server: p.vms[px].name, ClientAddr: addrAt(externalClients, 10+i), ServerAddr: p.vnicIPv4(px, sn),
				Proto: tcp, Port: 443, Bytes: 800_000, Packets: 900, ReplyFactor: 10,
				clientMAC: routerMAC, serverMAC: p.vms[px].nics[sn].mac, clientVM: -1, serverVM: px, serverNIC: sn,
				clientPort: uint16(32768 + rnd.IntN(28000)),
			})
		}
	}
	if webs := tier("portal", "web"); len(webs) > 0 {
		if sn := p.ipv4NIC(webs[0]); sn >= 0 {
			out = append(out, Conversation{
				Server: p.vms[webs[0]].name, ClientAddr: strayAddr, ServerAddr: p.vnicIPv4(webs[0], sn),
				Proto: udp, Port: 161, Bytes: 3_000, Packets: 20, ReplyFactor: 2,
				clientMAC: strayMAC, serverMAC: p.vms[webs[0]].nics[sn].mac, clientVM: -1, serverVM: webs[0], serverNIC: sn,
				clientPort: uint16(32768 + rnd.IntN(28000)),
			})
		}
	}
	return out
}

// ipv4NIC returns the index of the VM's first vNIC with an IPv4 address on
// a port group that is not a trunk, or -1.
func (p *plan) ipv4NIC(vi int) int {
	for ni, n := range p.vms[vi].nics {
		if len(p.portgroups[n.portgroup].trunk) > 0 {
			continue
		}
		for _, a := range n.ips {
			if a.Is4() {
				return ni
			}
		}
	}
	return -1
}

func (p *plan) vnicIPv4(vi, ni int) netip.Addr {
	for _, a := range p.vms[vi].nics[ni].ips {
		if a.Is4() {
			return a
		}
	}
	return netip.Addr{}
}

// edge is where a VM's traffic enters the fabric: the leaf and port of the
// pNIC that carries its port group.
type edge struct {
	leaf    int // index in plan.switches
	ifIndex uint32
}

// uplinkOf returns the pNIC index of host hi that carries the VM's vNIC
// traffic: the vSwitch's active uplink (the standby first for port groups
// that override the order), or a LAG member chosen by the flow's hash.
func (p *plan) uplinkOf(hi int, pgi int, hash uint32) int {
	h := &p.hosts[hi]
	pg := &p.portgroups[pgi]
	var lag []int
	want := vs0Active
	if pg.standbyFirst {
		want = vs0Standby
	}
	for j := range h.pnics {
		pn := &h.pnics[j]
		switch {
		case pn.use == lagPort && pg.where == dvsHosts:
			lag = append(lag, j)
		case pn.use == want && (pg.where == everyHost || pg.where == standardHosts):
			return j
		}
	}
	if len(lag) == 0 {
		return -1
	}
	return lag[int(hash%uint32(len(lag)))]
}

// edgeOf returns where VM vi's vNIC ni, on host hi, enters the fabric.
func (p *plan) edgeOf(hi, vi, ni int, hash uint32) (edge, bool) {
	j := p.uplinkOf(hi, p.vms[vi].nics[ni].portgroup, hash)
	if j < 0 {
		return edge{}, false
	}
	var n int
	if _, err := fmt.Sscanf(p.hosts[hi].pnics[j].cable.Port, "Ethernet1/%d", &n); err != nil {
		return edge{}, false
	}
	return edge{leaf: p.leafOf(&p.hosts[hi], j), ifIndex: uint32(ethIfIndex(n))}, true
}

// flowRecords computes the records of one interval ending at t.
func (p *plan) flowRecords(convs []Conversation, placement []int, t time.Time, interval time.Duration, sampling uint32) []simRecord {
	fabric := p.fabric()
	rnd := rand.New(rand.NewPCG(uint64(p.cfg.Seed), uint64(t.Unix())))
	var out []simRecord
	for _, c := range convs {
		// Volumes vary by ±40% from interval to interval.
		scale := 0.6 + 0.8*rnd.Float64()
		fwdBytes := uint64(float64(c.Bytes) * scale)
		fwdPackets := max(1, uint64(float64(c.Packets)*scale))
		dirs := [2]struct {
			srcVM, srcNIC, dstVM, dstNIC int
			srcMAC, dstMAC               string
			src, dst                     netip.Addr
			srcPort, dstPort             uint16
			bytes, packets               uint64
		}{
			{c.clientVM, c.clientNIC, c.serverVM, c.serverNIC, c.clientMAC, c.serverMAC, c.ClientAddr, c.ServerAddr, c.clientPort, c.Port, fwdBytes, fwdPackets},
			{c.serverVM, c.serverNIC, c.clientVM, c.clientNIC, c.serverMAC, c.clientMAC, c.ServerAddr, c.ClientAddr, c.Port, c.clientPort, fwdBytes * c.ReplyFactor, fwdPackets * max(1, c.ReplyFactor/2)},
		}
		h := fnv.New32a()
		_, _ = h.Write(c.ClientAddr.AsSlice())
		_, _ = h.Write(c.ServerAddr.AsSlice())
		_ = binary.Write(h, binary.BigEndian, [2]uint16{c.clientPort, c.Port})
		hash := h.Sum32()
		for _, d := range dirs {
			r := simRecord{
				srcMAC: d.srcMAC, dstMAC: d.dstMAC, src: d.src, dst: d.dst, proto: c.Proto,
				srcPort: d.srcPort, dstPort: d.dstPort, full: d.bytes, fullPackets: d.packets,
				start: t.Add(-interval), end: t,
			}
			switch {
			case d.srcVM >= 0 && d.dstVM >= 0 && placement[d.srcVM] == placement[d.dstVM]:
				r.exporter, r.ipfix = hypervisorExporter, true
				r.vlan = uint16(p.portgroups[p.vms[d.srcVM].nics[d.srcNIC].portgroup].vlan)
				r.bytes, r.packets = r.full, r.fullPackets
			case d.srcVM >= 0:
				in, ok := p.edgeOf(placement[d.srcVM], d.srcVM, d.srcNIC, hash)
				if !ok {
					continue
				}
				r.exporter, r.inIf = fabric[in.leaf].addr, in.ifIndex
				r.outIf = uint32(ethIfIndex(uplinkFirst + int(hash%2)))
				if d.dstVM >= 0 {
					if out, ok := p.edgeOf(placement[d.dstVM], d.dstVM, d.dstNIC, hash); ok && out.leaf == in.leaf {
						r.outIf = out.ifIndex
					}
				}
			default: // from outside: enters at the destination's leaf
				out, ok := p.edgeOf(placement[d.dstVM], d.dstVM, d.dstNIC, hash)
				if !ok {
					continue
				}
				r.exporter, r.outIf = fabric[out.leaf].addr, out.ifIndex
				r.inIf = uint32(ethIfIndex(uplinkFirst + int(hash%2)))
			}
			if !r.ipfix {
				r.bytes, r.packets = r.full/uint64(sampling), r.fullPackets/uint64(sampling)
				if r.packets == 0 {
					continue // not sampled this interval
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// Record layouts, in template order. NetFlow v9 (leaves): IN_BYTES,
// IN_PKTS, PROTOCOL, L4_SRC_PORT, IPV4_SRC_ADDR, INPUT_SNMP, L4_DST_PORT,
// IPV4_DST_ADDR, OUTPUT_SNMP, FIRST_SWITCHED, LAST_SWITCHED,
// SAMPLING_INTERVAL, IN_SRC_MAC, IN_DST_MAC. IPFIX (hypervisors):
// octetDeltaCount, packetDeltaCount, protocolIdentifier,
// sourceTransportPort, sourceIPv4Address, destinationTransportPort,
// destinationIPv4Address, sourceMacAddress, destinationMacAddress, vlanId,
// flowStartMilliseconds, flowEndMilliseconds.
var (
	v9Fields    = [][2]uint16{{1, 8}, {2, 8}, {4, 1}, {7, 2}, {8, 4}, {10, 4}, {11, 2}, {12, 4}, {14, 4}, {22, 4}, {21, 4}, {34, 4}, {56, 6}, {80, 6}}
	ipfixFields = [][2]uint16{{1, 8}, {2, 8}, {4, 1}, {7, 2}, {8, 4}, {11, 2}, {12, 4}, {56, 6}, {80, 6}, {58, 2}, {152, 8}, {153, 8}}
)

const (
	flowTemplateID   = 256
	maxFlowDatagram  = 1400
	v9RecordBytes    = 8 + 8 + 1 + 2 + 4 + 4 + 2 + 4 + 4 + 4 + 4 + 4 + 6 + 6
	ipfixRecordBytes = 8 + 8 + 1 + 2 + 4 + 2 + 4 + 6 + 6 + 2 + 8 + 8
)

// encode packs the records into datagrams by exporter, templates first in
// every datagram.
func (e *FlowExporter) encode(recs []simRecord, t time.Time) ([]FlowDatagram, FlowStats) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var st FlowStats
	var out []FlowDatagram
	byExporter := map[netip.Addr][]simRecord{}
	var order []netip.Addr
	for _, r := range recs {
		if _, ok := byExporter[r.exporter]; !ok {
			order = append(order, r.exporter)
		}
		byExporter[r.exporter] = append(byExporter[r.exporter], r)
	}
	for _, ex := range order {
		rs := byExporter[ex]
		per := (maxFlowDatagram - 80) / v9RecordBytes
		if rs[0].ipfix {
			per = (maxFlowDatagram - 80) / ipfixRecordBytes
		}
		for len(rs) > 0 {
			n := min(per, len(rs))
			var b []byte
			if rs[0].ipfix {
				b = e.ipfixDatagram(ex, rs[:n], t)
			} else {
				b = e.v9Datagram(ex, rs[:n], t)
			}
			out = append(out, FlowDatagram{From: ex, Payload: b})
			st.Datagrams++
			st.Records += n
			for _, r := range rs[:n] {
				st.Bytes += r.full
				st.Packets += r.fullPackets
			}
			rs = rs[n:]
		}
	}
	return out, st
}

// conn returns the socket sending from address a. The caller holds e.mu.
func (e *FlowExporter) conn(a netip.Addr) (*net.UDPConn, error) {
	if c, ok := e.conns[a]; ok {
		return c, nil
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 0)))
	if err != nil {
		return nil, fmt.Errorf("sim: flow exporter socket on %s: %w", a, err)
	}
	e.conns[a] = c
	return c, nil
}

func putTemplate(b []byte, setID uint16, fields [][2]uint16) []byte {
	b = binary.BigEndian.AppendUint16(b, setID)
	b = binary.BigEndian.AppendUint16(b, uint16(4+4+4*len(fields)))
	b = binary.BigEndian.AppendUint16(b, flowTemplateID)
	b = binary.BigEndian.AppendUint16(b, uint16(len(fields)))
	for _, f := range fields {
		b = binary.BigEndian.AppendUint16(b, f[0])
		b = binary.BigEndian.AppendUint16(b, f[1])
	}
	return b
}

func appendMAC(b []byte, s string) []byte {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return append(b, 0, 0, 0, 0, 0, 0)
	}
	return append(b, hw...)
}

// v9Datagram is a NetFlow v9 export packet: header, template flowset, one
// data flowset (padded to 4 bytes).
func (e *FlowExporter) v9Datagram(ex netip.Addr, rs []simRecord, t time.Time) []byte {
	uptime := func(at time.Time) uint32 { return uint32(max(0, at.Sub(e.boot).Milliseconds())) }
	b := make([]byte, 0, maxFlowDatagram)
	b = binary.BigEndian.AppendUint16(b, 9)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rs)+1))
	b = binary.BigEndian.AppendUint32(b, uptime(t))
	b = binary.BigEndian.AppendUint32(b, uint32(t.Unix()))
	b = binary.BigEndian.AppendUint32(b, e.seq[ex])
	e.seq[ex]++
	b = binary.BigEndian.AppendUint32(b, 0)
	b = putTemplate(b, 0, v9Fields)
	setStart := len(b)
	b = binary.BigEndian.AppendUint16(b, flowTemplateID)
	b = binary.BigEndian.AppendUint16(b, 0)
	for _, r := range rs {
		b = binary.BigEndian.AppendUint64(b, r.bytes)
		b = binary.BigEndian.AppendUint64(b, r.packets)
		b = append(b, r.proto)
		b = binary.BigEndian.AppendUint16(b, r.srcPort)
		b = append(b, r.src.AsSlice()...)
		b = binary.BigEndian.AppendUint32(b, r.inIf)
		b = binary.BigEndian.AppendUint16(b, r.dstPort)
		b = append(b, r.dst.AsSlice()...)
		b = binary.BigEndian.AppendUint32(b, r.outIf)
		b = binary.BigEndian.AppendUint32(b, uptime(r.start))
		b = binary.BigEndian.AppendUint32(b, uptime(r.end))
		b = binary.BigEndian.AppendUint32(b, e.sampling)
		b = appendMAC(b, r.srcMAC)
		b = appendMAC(b, r.dstMAC)
	}
	for (len(b)-setStart)%4 != 0 {
		b = append(b, 0)
	}
	binary.BigEndian.PutUint16(b[setStart+2:], uint16(len(b)-setStart))
	return b
}

// ipfixDatagram is an IPFIX message: header, template set, one data set.
func (e *FlowExporter) ipfixDatagram(ex netip.Addr, rs []simRecord, t time.Time) []byte {
	b := make([]byte, 0, maxFlowDatagram)
	b = binary.BigEndian.AppendUint16(b, 10)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(t.Unix()))
	b = binary.BigEndian.AppendUint32(b, e.seq[ex])
	e.seq[ex] += uint32(len(rs))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = putTemplate(b, 2, ipfixFields)
	setStart := len(b)
	b = binary.BigEndian.AppendUint16(b, flowTemplateID)
	b = binary.BigEndian.AppendUint16(b, 0)
	for _, r := range rs {
		b = binary.BigEndian.AppendUint64(b, r.bytes)
		b = binary.BigEndian.AppendUint64(b, r.packets)
		b = append(b, r.proto)
		b = binary.BigEndian.AppendUint16(b, r.srcPort)
		b = append(b, r.src.AsSlice()...)
		b = binary.BigEndian.AppendUint16(b, r.dstPort)
		b = append(b, r.dst.AsSlice()...)
		b = appendMAC(b, r.srcMAC)
		b = appendMAC(b, r.dstMAC)
		b = binary.BigEndian.AppendUint16(b, r.vlan)
		b = binary.BigEndian.AppendUint64(b, uint64(r.start.UnixMilli()))
		b = binary.BigEndian.AppendUint64(b, uint64(r.end.UnixMilli()))
	}
	binary.BigEndian.PutUint16(b[setStart+2:], uint16(len(b)-setStart))
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}
