package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/vnetmap/vnetmap/internal/source/snmp"
)

// The simulated switch fabric: each rack's vPC leaf pair (plan.switches)
// and two spines every leaf is uplinked to, so that neighbour discovery
// from one leaf reaches them all. Each switch is an ordered OID table built
// from the plan and the VMs' current hosts, served by an SNMP agent
// (agent.go). The tables use exactly the OIDs and encodings the SNMP source
// (internal/source/snmp) reads; docs/facts.md lists the facts it draws.

// OIDs served, without the leading dot.
const (
	oidSystem        = "1.3.6.1.2.1.1"
	oidIfNumber      = "1.3.6.1.2.1.2.1.0"
	oidIfEntry       = "1.3.6.1.2.1.2.2.1"
	oidIfXEntry      = "1.3.6.1.2.1.31.1.1.1"
	oidIfStackStatus = "1.3.6.1.2.1.31.1.2.1.3"
	oidLLDPLocChSub  = "1.0.8802.1.1.2.1.3.1.0"
	oidLLDPLocCh     = "1.0.8802.1.1.2.1.3.2.0"
	oidLLDPLocSys    = "1.0.8802.1.1.2.1.3.3.0"
	oidLLDPLocPort   = "1.0.8802.1.1.2.1.3.7.1"
	oidLLDPRem       = "1.0.8802.1.1.2.1.4.1.1"
	oidLLDPRemMan    = "1.0.8802.1.1.2.1.4.2.1"
	oidCDPCache      = "1.3.6.1.4.1.9.9.23.1.2.1.1"
	oidBasePortIf    = "1.3.6.1.2.1.17.1.4.1.2"
	oidDot1qTpFdb    = "1.3.6.1.2.1.17.7.1.2.2.1"
	oidDot1qCurrent  = "1.3.6.1.2.1.17.7.1.4.2.1"
	oidDot1qStatic   = "1.3.6.1.2.1.17.7.1.4.3.1"
	oidDot1qPvid     = "1.3.6.1.2.1.17.7.1.4.5.1.1"
	oidLAGAttached   = "1.2.840.10006.300.43.1.2.1.1.13"
	oidNetToPhys     = "1.3.6.1.2.1.4.35.1"
)

// Fixed parts of the fabric.
const (
	spines        = 2
	peerLinkPC    = 1  // vPC peer-link port-channel
	peerLinkFirst = 49 // Ethernet1/49-50
	uplinkFirst   = 53 // Ethernet1/53 to spine1, 1/54 to spine2
	leafPorts     = 54 // 48x25G + 6x100G
	spinePlatform = "N9K-C9364C"
	leafObjectID  = "1.3.6.1.4.1.9.12.3.1.3.1812" // cevChassisN9KC93180YCFX
	spineObjectID = "1.3.6.1.4.1.9.12.3.1.3.1723" // cevChassisN9KC9364C
	esxiRelease   = "VMware ESX Releasebuild-22380479"
	// misconfiguredVLAN is the VLAN missing from one trunk on purpose; see
	// misconfigured.
	misconfiguredVLAN = 230
)

// station is a device of the fabric that is not a VM or a host: it sits on
// an access port of one leaf, in the forwarding table of that port and in
// the ARP table of the leaf's SVI for its VLAN.
type station struct {
	name string
	ip   netip.Addr
	mac  string
	vlan int
	leaf int // index in plan.switches
}

// printer is on the first free edge port of the first leaf, in the
// management VLAN: an IP and a MAC of no VM, which `where` places through
// ARP and the FDB. Its address is beyond the hosts' management addresses
// (10.10.0.11 up).
var printer = station{name: "printer", ip: netip.MustParseAddr("10.10.255.250"), mac: "02:00:00:00:02:50", vlan: 10, leaf: 0}

// nxosDescr is an NX-OS sysDescr, on one line as the agents send it.
const nxosDescr = "Cisco NX-OS(tm) nxos.10.2.5.M.bin, Software (nxos), Version 10.2(5), RELEASE SOFTWARE Copyright (c) 2002-2023 by Cisco Systems, Inc."

// fabricSwitch is one switch of the fabric.
type fabricSwitch struct {
	name, platform, objectID, chassis string
	addr                              netip.Addr // where its agent listens: its management address in the fabric
	rack                              int        // 1-based, 0 for a spine
	leaf                              int        // index in plan.switches, -1 for a spine
	spine                             int        // 1-based spine number, 0 for a leaf
}

// fabric lists the switches in agent order: the leaves as plan.switches,
// then the spines. Leaf n listens on 127.1.0.n and spine k on 127.2.0.k:
// loopback addresses stand in for the management addresses, which the
// LLDP and CDP tables advertise so that discovery follows them.
func (p *plan) fabric() []fabricSwitch {
	out := make([]fabricSwitch, 0, len(p.switches)+spines)
	for i, s := range p.switches {
		out = append(out, fabricSwitch{
			name: s.Name, platform: s.Platform, objectID: leafObjectID, chassis: s.ChassisID,
			addr: addrAt(prefix("127.1.0.0/16"), i+1), rack: s.Rack, leaf: i,
		})
	}
	for k := 1; k <= spines; k++ {
		out = append(out, fabricSwitch{
			name: "spine" + strconv.Itoa(k), platform: spinePlatform, objectID: spineObjectID,
			chassis: fmt.Sprintf("00:de:fc:00:00:%02x", k),
			addr:    addrAt(prefix("127.2.0.0/16"), k), leaf: -1, spine: k,
		})
	}
	return out
}

// misconfigured returns the host and pNIC index of the one trunk the
// fabric gets wrong on purpose: the leaf port of vmnic1 of the first host
// of the standard (shop) clusters does not allow VLAN 230. shop-db-v230 is
// the port group whose active uplink is vmnic1 (vmnic0 is its standby), so
// the shop-db VMs on that host are cut off although the host's port group
// has the VLAN — what `where`, `check` and `migrate-check` should reveal.
// That port learns no MAC in VLAN 230 either.
func (p *plan) misconfigured() (host, pnic int) {
	for hi := range p.hosts {
		if !p.clusters[p.hosts[hi].cluster].dvs {
			return hi, 1
		}
	}
	return -1, -1
}

// Interface indexes as NX-OS numbers them.
func ethIfIndex(n int) int { return 0x1a000000 + (n-1)<<12 }
func poIfIndex(n int) int  { return 0x16000000 + n - 1 }

func sviIfIndex(vid int) int { return 0x09000000 + vid }

const mgmtIfIndex = 0x05000000

// neighbour is what a switch port sees of the device at the other end.
type neighbour struct {
	lldp, cdp     bool
	chassis       string // LLDP chassis ID, a MAC
	port, desc    string // LLDP port ID (interface name) and description; CDP port ID
	system        string // LLDP system name, CDP device ID
	sysDescr      string
	platform      string // CDP platform
	mgmt          netip.Addr
	native        int // CDP native VLAN
	cdpDeviceName string
}

// swPort is one interface of a switch.
type swPort struct {
	ifIndex     int
	name, short string // ifDescr "Ethernet1/7", ifName "Eth1/7"
	alias       string
	lag         bool
	mtu, speed  int // speed in Mb/s
	up, adminUp bool
	pc          int  // port-channel number the port is a member of
	bridged     bool // a bridge port (access or trunk)
	svi         int  // VLAN of an SVI (interface VlanN), 0 for a port
	station     *station
	native      int // PVID: untagged VLAN
	allowed     []int
	nb          *neighbour
}

// switchMIB builds the OID table of switch i of fs; placement gives each
// VM's current host (index in p.hosts).
func (p *plan) switchMIB(fs []fabricSwitch, i int, placement []int, uptime uint32) *mib {
	sw := fs[i]
	ports := p.switchPorts(fs, i)
	b := &mibBuilder{}
	b.system(sw, uptime)
	b.interfaces(sw, ports)
	b.lldp(sw, ports)
	b.cdp(ports)
	b.lag(ports)
	if sw.leaf >= 0 {
		b.bridge(ports, p.vlanNames(), p.fdb(sw.leaf, ports, placement))
		b.arp(p.arp(ports))
	}
	return b.mib()
}

// switchPorts lays out the interfaces of switch i, in ifIndex order.
func (p *plan) switchPorts(fs []fabricSwitch, i int) []*swPort {
	sw := fs[i]
	byName := map[string]*swPort{}
	var ports []*swPort
	addEth := func(n, speed int) *swPort {
		pt := &swPort{ifIndex: ethIfIndex(n), name: fmt.Sprintf("Ethernet1/%d", n), short: fmt.Sprintf("Eth1/%d", n), mtu: leafMTU, speed: speed, adminUp: true}
		byName[pt.name] = pt
		ports = append(ports, pt)
		return pt
	}
	link := func(pt *swPort, peer fabricSwitch, peerPort string) {
		pt.up = true
		pt.alias = peer.name + " " + peerPort
		pt.nb = &neighbour{
			lldp: true, cdp: true, chassis: peer.chassis, port: peerPort, desc: peerPort,
			system: peer.name, sysDescr: nxosDescr, platform: peer.platform, mgmt: peer.addr,
			cdpDeviceName: fmt.Sprintf("%s(FDO%08d)", peer.name, 23460000+peer.leaf+100*peer.spine),
		}
	}
	if sw.spine > 0 {
		for li := range p.switches {
			pt := addEth(li+1, 100000)
			link(pt, fs[li], fmt.Sprintf("Ethernet1/%d", uplinkFirst+sw.spine-1))
		}
		return append(ports, &swPort{ifIndex: mgmtIfIndex, name: "mgmt0", short: "mgmt0", mtu: 1500, speed: 1000, up: true, adminUp: true})
	}

	for n := 1; n <= leafPorts; n++ {
		speed := 25000
		if n > 48 {
			speed = 100000
		}
		pt := addEth(n, speed)
		if n <= 48 || (n > peerLinkFirst+1 && n < uplinkFirst) {
			pt.bridged, pt.native, pt.allowed = true, nativeVLAN, []int{nativeVLAN}
		}
	}
	leafVLANs := map[int]bool{nativeVLAN: true}
	pcs := map[int]*swPort{}
	badHost, badPNIC := p.misconfigured()
	for hi := range p.hosts {
		h := &p.hosts[hi]
		for j := range h.pnics {
			if p.leafOf(h, j) != sw.leaf {
				continue
			}
			pn := &h.pnics[j]
			c := pn.cable
			pt := byName[c.Port]
			pt.up, pt.speed, pt.alias = true, c.Speed, h.name+" "+pn.device
			pt.nb = p.hostNeighbour(h, j)
			vlans := []int{c.Native}
			for _, pg := range p.carried(h, pn) {
				vlans = append(vlans, expand(pg.vlans())...)
			}
			if hi == badHost && j == badPNIC {
				vlans = slices.DeleteFunc(vlans, func(v int) bool { return v == misconfiguredVLAN })
			}
			slices.Sort(vlans)
			vlans = slices.Compact(vlans)
			for _, v := range vlans {
				leafVLANs[v] = true
			}
			if c.PortChannel == 0 {
				pt.native, pt.allowed = c.Native, vlans
				continue
			}
			pt.pc, pt.bridged, pt.native, pt.allowed = c.PortChannel, false, 0, nil
			pc := &swPort{
				ifIndex: poIfIndex(c.PortChannel), name: "port-channel" + strconv.Itoa(c.PortChannel), short: "po" + strconv.Itoa(c.PortChannel),
				alias: h.name + " " + c.LAG, lag: true, mtu: leafMTU, speed: c.Speed, up: true, adminUp: true,
				bridged: true, native: c.Native, allowed: vlans,
			}
			pcs[c.PortChannel] = pc
		}
	}

	if printer.leaf == sw.leaf {
		pt := freeEdgePort(ports)
		pt.up, pt.speed, pt.alias, pt.station = true, 1000, printer.name, &printer
		pt.native, pt.allowed = printer.vlan, []int{printer.vlan}
		leafVLANs[printer.vlan] = true
	}
	names := p.vlanNames()
	for _, vid := range p.sviVLANs() {
		if leafVLANs[vid] {
			name := "Vlan" + strconv.Itoa(vid)
			ports = append(ports, &swPort{ifIndex: sviIfIndex(vid), name: name, short: name, alias: names[vid], mtu: leafMTU, speed: 1000, up: true, adminUp: true, svi: vid})
		}
	}

	peer := fs[slices.IndexFunc(fs, func(f fabricSwitch) bool { return f.name == p.switches[sw.leaf].Peer })]
	var all []int
	for v := range leafVLANs {
		all = append(all, v)
	}
	slices.Sort(all)
	pcs[peerLinkPC] = &swPort{
		ifIndex: poIfIndex(peerLinkPC), name: "port-channel1", short: "po1", alias: "vPC peer-link", lag: true,
		mtu: leafMTU, speed: 200000, up: true, adminUp: true, bridged: true, native: nativeVLAN, allowed: all,
	}
	for n := peerLinkFirst; n <= peerLinkFirst+1; n++ {
		pt := byName[fmt.Sprintf("Ethernet1/%d", n)]
		link(pt, peer, pt.name)
		pt.pc, pt.alias = peerLinkPC, "vPC peer-link"
	}
	for k := 1; k <= spines; k++ {
		pt := byName[fmt.Sprintf("Ethernet1/%d", uplinkFirst+k-1)]
		link(pt, fs[len(p.switches)+k-1], fmt.Sprintf("Ethernet1/%d", sw.leaf+1))
	}
	for _, pc := range pcs {
		ports = append(ports, pc)
	}
	ports = append(ports, &swPort{ifIndex: mgmtIfIndex, name: "mgmt0", short: "mgmt0", mtu: 1500, speed: 1000, up: true, adminUp: true})
	slices.SortFunc(ports, func(a, b *swPort) int { return a.ifIndex - b.ifIndex })
	return ports
}

// freeEdgePort is the last 25G edge port cabled to no host, else the last
// edge port among the 100G ones; ports are in ifIndex order.
func freeEdgePort(ports []*swPort) *swPort {
	var last *swPort
	for _, pt := range ports {
		if n := portNumber(pt.name); pt.bridged && strings.HasPrefix(pt.name, "Ethernet") && pt.nb == nil && pt.pc == 0 && (n <= 48 || last == nil) {
			last = pt
		}
	}
	return last
}

// sviVLANs are the VLANs a leaf routes (has an SVI for, where it carries
// them): the management VLAN and those of the port groups with one VLAN.
func (p *plan) sviVLANs() []int {
	vids := []int{printer.vlan}
	for _, pg := range p.portgroups {
		if pg.vlan != 0 && pg.pvlan == 0 && len(pg.trunk) == 0 {
			vids = append(vids, pg.vlan)
		}
	}
	slices.Sort(vids)
	return slices.Compact(vids)
}

// arpEntry is one entry of a leaf's ARP table.
type arpEntry struct {
	ifIndex int
	ip      netip.Addr
	mac     string
}

// arp is the ARP table of a leaf: on each of its SVIs, the IPv4 addresses
// of the VMs whose vNIC is in that VLAN, wherever they run, and the
// stations on its ports.
func (p *plan) arp(ports []*swPort) []arpEntry {
	svis := map[int]int{} // vid → ifIndex
	for _, pt := range ports {
		if pt.svi != 0 {
			svis[pt.svi] = pt.ifIndex
		}
	}
	var out []arpEntry
	for _, pt := range ports {
		if st := pt.station; st != nil && svis[st.vlan] != 0 {
			out = append(out, arpEntry{ifIndex: svis[st.vlan], ip: st.ip, mac: st.mac})
		}
	}
	for _, v := range p.vms {
		for _, nic := range v.nics {
			pg := &p.portgroups[nic.portgroup]
			idx := svis[pg.vlan]
			if idx == 0 || pg.pvlan != 0 || len(pg.trunk) > 0 {
				continue
			}
			for _, a := range nic.ips {
				if a.Is4() {
					out = append(out, arpEntry{ifIndex: idx, ip: a, mac: nic.mac})
				}
			}
		}
	}
	return out
}

// hostNeighbour is what the leaf sees of a host pNIC: LLDP where the host
// side speaks LLDP (the distributed switch's LAG uplinks), CDP where it
// speaks CDP (standard vSwitch uplinks), mirroring the host's hints.
func (p *plan) hostNeighbour(h *hostPlan, j int) *neighbour {
	pn := &h.pnics[j]
	n := &neighbour{system: h.name, port: pn.device, sysDescr: esxiRelease, platform: "VMware ESX", mgmt: h.mgmtIP, native: pn.cable.Native, cdpDeviceName: h.name}
	if pn.use == lagPort {
		n.lldp, n.chassis = true, h.pnics[0].mac
		n.desc = fmt.Sprintf("port %s on dvSwitch %s (etherswitch)", h.dvsPorts[j], dvsName) // vmnic2, vmnic3 are lag1-0, lag1-1
	} else {
		n.cdp = true
	}
	return n
}

// fdbEntry is one learned MAC.
type fdbEntry struct {
	vid, bridgePort int
	mac             string
}

// fdb is the forwarding table of leaf li: the VMs' MACs on the ports of
// their current host's uplinks (the LACP port-channel on both leaves of the
// vPC pair; the active pNIC's port for a standard vSwitch), and the
// VMkernel MACs (vmk0 on vmnic0, vmk1 on the first storage uplink). A MAC
// in a VLAN its port does not allow is not learned.
func (p *plan) fdb(li int, ports []*swPort, placement []int) []fdbEntry {
	bridgePort := map[int]int{} // ifIndex → bridge port
	byIf := map[int]*swPort{}
	n := 0
	for _, pt := range ports {
		if pt.bridged {
			n++
			bridgePort[pt.ifIndex] = n
			byIf[pt.ifIndex] = pt
		}
	}
	var out []fdbEntry
	learn := func(h *hostPlan, j, vid int, mac string) {
		if j < 0 || j >= len(h.pnics) || p.leafOf(h, j) != li {
			return
		}
		c := h.pnics[j].cable
		idx := ethIfIndex(portNumber(c.Port))
		if c.PortChannel != 0 {
			idx = poIfIndex(c.PortChannel)
		}
		if pt := byIf[idx]; pt != nil && slices.Contains(pt.allowed, vid) {
			out = append(out, fdbEntry{vid: vid, bridgePort: bridgePort[idx], mac: mac})
		}
	}
	for _, pt := range ports {
		if st := pt.station; st != nil && pt.bridged {
			out = append(out, fdbEntry{vid: st.vlan, bridgePort: bridgePort[pt.ifIndex], mac: st.mac})
		}
	}
	for hi := range p.hosts {
		h := &p.hosts[hi]
		learn(h, 0, 10, h.pnics[0].mac)
		if h.storageIP.IsValid() {
			learn(h, 2, 30, h.storageMAC)
		}
	}
	for vi := range p.vms {
		v := &p.vms[vi]
		h := &p.hosts[placement[vi]]
		for _, nic := range v.nics {
			pg := &p.portgroups[nic.portgroup]
			vid := pg.vlan
			switch {
			case pg.pvlan != 0:
				vid = pg.pvlan
			case len(pg.trunk) > 0:
				vid = pg.trunk[0].lo
			case vid == 0:
				vid = nativeVLAN
			}
			for j := range h.pnics {
				if p.activeFor(h, j, pg) {
					learn(h, j, vid, nic.mac)
				}
			}
		}
	}
	return out
}

// activeFor reports whether the host's j-th pNIC forwards the port group's
// traffic: every LAG port for a distributed port group, the first active
// pNIC of the vSwitch for a standard one.
func (p *plan) activeFor(h *hostPlan, j int, pg *portgroupPlan) bool {
	use := h.pnics[j].use
	switch pg.where {
	case dvsHosts:
		return use == lagPort
	case storageHosts:
		return use == vs1Active && slices.IndexFunc(h.pnics, func(pn pnicPlan) bool { return pn.use == vs1Active }) == j
	}
	if pg.standbyFirst {
		return use == vs0Standby
	}
	return use == vs0Active
}

// vlanNames names the VLANs after the port groups that use them
// ("prod-web-v110" → "prod-web"); others get NX-OS's default VLANnnnn.
func (p *plan) vlanNames() map[int]string {
	names := map[int]string{nativeVLAN: "default", pvlanPrimary: "dmz-primary"}
	for _, pg := range p.portgroups {
		switch {
		case pg.pvlan != 0:
			names[pg.pvlan] = "dmz-isolated"
		case pg.vlan != 0 && len(pg.trunk) == 0:
			n := strings.TrimSuffix(pg.name, "-v"+strconv.Itoa(pg.vlan))
			names[pg.vlan] = n
		}
	}
	return names
}

// portNumber is n of "Ethernet1/n".
func portNumber(name string) int {
	_, n, _ := strings.Cut(name, "/")
	v, _ := strconv.Atoi(n)
	return v
}

// expand lists every VLAN of the ranges.
func expand(rs []vlanRange) []int {
	var out []int
	for _, r := range rs {
		for v := r.lo; v <= r.hi; v++ {
			out = append(out, v)
		}
	}
	return out
}

// mibBuilder collects variables; mib sorts them.
type mibBuilder struct{ vars []variable }

func (b *mibBuilder) add(oid string, typ gosnmp.Asn1BER, val any) {
	o, err := snmp.ParseOID(oid)
	if err != nil {
		panic("sim: bad OID in a switch table: " + oid) // a bug in this file, not input
	}
	b.vars = append(b.vars, variable{oid: o, typ: typ, val: val})
}

func (b *mibBuilder) str(oid, v string)           { b.add(oid, gosnmp.OctetString, []byte(v)) }
func (b *mibBuilder) octets(oid string, v []byte) { b.add(oid, gosnmp.OctetString, v) }
func (b *mibBuilder) int(oid string, v int)       { b.add(oid, gosnmp.Integer, v) }
func (b *mibBuilder) gauge(oid string, v int) {
	b.add(oid, gosnmp.Gauge32, uint32(min(max(v, 0), 1<<32-1)))
}

func (b *mibBuilder) mib() *mib {
	slices.SortFunc(b.vars, func(x, y variable) int { return slices.Compare(x.oid, y.oid) })
	for i := range b.vars {
		b.vars[i].name = "." + joinOID(b.vars[i].oid)
	}
	return &mib{vars: b.vars}
}

func (b *mibBuilder) system(sw fabricSwitch, uptime uint32) {
	b.str(oidSystem+".1.0", nxosDescr)
	b.add(oidSystem+".2.0", gosnmp.ObjectIdentifier, "."+sw.objectID)
	b.add(oidSystem+".3.0", gosnmp.TimeTicks, uptime)
	b.str(oidSystem+".4.0", "noc@dc1.example")
	b.str(oidSystem+".5.0", sw.name)
	loc := "spine row"
	if sw.rack > 0 {
		loc = "rack " + strconv.Itoa(sw.rack)
	}
	b.str(oidSystem+".6.0", loc)
	b.int(oidSystem+".7.0", 70)
}

func (b *mibBuilder) interfaces(sw fabricSwitch, ports []*swPort) {
	b.int(oidIfNumber, len(ports))
	status := func(ok bool) int {
		if ok {
			return 1
		}
		return 2
	}
	base := mac(sw.chassis)
	for n, pt := range ports {
		i := "." + strconv.Itoa(pt.ifIndex)
		typ := 6
		switch {
		case pt.lag:
			typ = 161
		case pt.svi != 0:
			typ = 53 // propVirtual, as NX-OS types its SVIs
		}
		m := slices.Clone(base)
		m[4], m[5] = byte((n+1)>>8), byte(n+1)
		b.int(oidIfEntry+".1"+i, pt.ifIndex)
		b.str(oidIfEntry+".2"+i, pt.name)
		b.int(oidIfEntry+".3"+i, typ)
		b.int(oidIfEntry+".4"+i, pt.mtu)
		b.gauge(oidIfEntry+".5"+i, pt.speed*1_000_000)
		b.octets(oidIfEntry+".6"+i, m)
		b.int(oidIfEntry+".7"+i, status(pt.adminUp))
		b.int(oidIfEntry+".8"+i, status(pt.up))
		b.str(oidIfXEntry+".1"+i, pt.short)
		b.gauge(oidIfXEntry+".15"+i, pt.speed)
		b.str(oidIfXEntry+".18"+i, pt.alias)
	}
}

func (b *mibBuilder) lldp(sw fabricSwitch, ports []*swPort) {
	b.int(oidLLDPLocChSub, 4)
	b.octets(oidLLDPLocCh, mac(sw.chassis))
	b.str(oidLLDPLocSys, sw.name)
	rem := 0
	for _, pt := range ports {
		if pt.lag || pt.svi != 0 {
			continue
		}
		i := "." + strconv.Itoa(pt.ifIndex)
		b.int(oidLLDPLocPort+".2"+i, 5) // interfaceName
		b.str(oidLLDPLocPort+".3"+i, pt.short)
		b.str(oidLLDPLocPort+".4"+i, pt.name)
		n := pt.nb
		if n == nil || !n.lldp {
			continue
		}
		rem++
		idx := fmt.Sprintf(".0.%d.%d", pt.ifIndex, rem)
		b.int(oidLLDPRem+".4"+idx, 4) // macAddress
		b.octets(oidLLDPRem+".5"+idx, mac(n.chassis))
		b.int(oidLLDPRem+".6"+idx, 5) // interfaceName
		b.str(oidLLDPRem+".7"+idx, n.port)
		b.str(oidLLDPRem+".8"+idx, n.desc)
		b.str(oidLLDPRem+".9"+idx, n.system)
		b.str(oidLLDPRem+".10"+idx, n.sysDescr)
		if n.mgmt.IsValid() {
			a := n.mgmt.As4()
			mi := fmt.Sprintf("%s.1.4.%d.%d.%d.%d", idx, a[0], a[1], a[2], a[3])
			b.int(oidLLDPRemMan+".3"+mi, 2) // ifIndex
			b.int(oidLLDPRemMan+".4"+mi, 0)
		}
	}
}

func (b *mibBuilder) cdp(ports []*swPort) {
	for _, pt := range ports {
		n := pt.nb
		if n == nil || !n.cdp {
			continue
		}
		idx := fmt.Sprintf(".%d.1", pt.ifIndex)
		if n.mgmt.IsValid() {
			a := n.mgmt.As4()
			b.int(oidCDPCache+".3"+idx, 1) // ip
			b.octets(oidCDPCache+".4"+idx, a[:])
		}
		b.str(oidCDPCache+".5"+idx, n.sysDescr)
		b.str(oidCDPCache+".6"+idx, n.cdpDeviceName)
		b.str(oidCDPCache+".7"+idx, n.port)
		b.str(oidCDPCache+".8"+idx, n.platform)
		if n.native > 0 {
			b.int(oidCDPCache+".11"+idx, n.native)
		}
	}
}

// lag serves IEEE8023-LAG-MIB dot3adAggPortAttachedAggID for every
// physical port and ifStackTable for the port-channels.
func (b *mibBuilder) lag(ports []*swPort) {
	for _, pt := range ports {
		if pt.lag || pt.svi != 0 || pt.ifIndex == mgmtIfIndex {
			continue
		}
		agg := 0
		if pt.pc != 0 {
			agg = poIfIndex(pt.pc)
			b.int(fmt.Sprintf("%s.%d.%d", oidIfStackStatus, agg, pt.ifIndex), 1)
		}
		b.int(fmt.Sprintf("%s.%d", oidLAGAttached, pt.ifIndex), agg)
	}
}

// bridge serves BRIDGE-MIB base ports and Q-BRIDGE-MIB PVIDs, VLANs (with
// egress and untagged port lists) and the forwarding table.
func (b *mibBuilder) bridge(ports []*swPort, names map[int]string, fdb []fdbEntry) {
	var bridged []*swPort
	vlans := map[int][]int{}    // vid → egress bridge ports
	untagged := map[int][]int{} // vid → untagged bridge ports
	for _, pt := range ports {
		if !pt.bridged {
			continue
		}
		bridged = append(bridged, pt)
		bp := len(bridged)
		b.int(fmt.Sprintf("%s.%d", oidBasePortIf, bp), pt.ifIndex)
		b.gauge(fmt.Sprintf("%s.%d", oidDot1qPvid, bp), pt.native)
		for _, v := range pt.allowed {
			vlans[v] = append(vlans[v], bp)
			if v == pt.native {
				untagged[v] = append(untagged[v], bp)
			}
		}
	}
	size := (len(bridged) + 7) / 8
	for vid, egress := range vlans {
		name := names[vid]
		if name == "" {
			name = fmt.Sprintf("VLAN%04d", vid)
		}
		eg, un := portList(size, egress), portList(size, untagged[vid])
		b.str(fmt.Sprintf("%s.1.%d", oidDot1qStatic, vid), name)
		b.octets(fmt.Sprintf("%s.2.%d", oidDot1qStatic, vid), eg)
		b.octets(fmt.Sprintf("%s.4.%d", oidDot1qStatic, vid), un)
		b.int(fmt.Sprintf("%s.5.%d", oidDot1qStatic, vid), 1) // active
		b.gauge(fmt.Sprintf("%s.3.0.%d", oidDot1qCurrent, vid), vid)
		b.octets(fmt.Sprintf("%s.4.0.%d", oidDot1qCurrent, vid), eg)
		b.octets(fmt.Sprintf("%s.5.0.%d", oidDot1qCurrent, vid), un)
		b.int(fmt.Sprintf("%s.6.0.%d", oidDot1qCurrent, vid), 2) // permanent
	}
	seen := map[string]bool{}
	for _, e := range fdb {
		m := mac(e.mac)
		idx := fmt.Sprintf(".%d.%d.%d.%d.%d.%d.%d", e.vid, m[0], m[1], m[2], m[3], m[4], m[5])
		if seen[idx] {
			continue
		}
		seen[idx] = true
		b.int(oidDot1qTpFdb+".2"+idx, e.bridgePort)
		b.int(oidDot1qTpFdb+".3"+idx, 3) // learned
	}
}

// arp serves IP-MIB ipNetToPhysicalTable: ifIndex.1.4.a.b.c.d, the MAC
// and the type dynamic(3).
func (b *mibBuilder) arp(entries []arpEntry) {
	seen := map[string]bool{}
	for _, e := range entries {
		a := e.ip.As4()
		idx := fmt.Sprintf(".%d.1.4.%d.%d.%d.%d", e.ifIndex, a[0], a[1], a[2], a[3])
		if seen[idx] {
			continue
		}
		seen[idx] = true
		b.octets(oidNetToPhys+".4"+idx, mac(e.mac))
		b.int(oidNetToPhys+".6"+idx, 3)
	}
}

// portList encodes bridge ports as a Q-BRIDGE PortList of n octets.
func portList(n int, ports []int) []byte {
	b := make([]byte, n)
	for _, p := range ports {
		b[(p-1)/8] |= 0x80 >> ((p - 1) % 8)
	}
	return b
}

// mac parses a MAC written with colons; a malformed one is all zeros.
func mac(s string) []byte {
	b := make([]byte, 6)
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return b
	}
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 16, 8)
		if err != nil {
			return make([]byte, 6)
		}
		b[i] = byte(v)
	}
	return b
}
