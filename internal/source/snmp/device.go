package snmp

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/vnetmap/vnetmap/internal/ifname"
)

// Table groups: the facts of one group share an owner (switch:<name>#<group>),
// so that a group whose tables fail keeps its previous facts.
const (
	groupIf     = "if"
	groupLLDP   = "lldp"
	groupCDP    = "cdp"
	groupFDB    = "fdb"
	groupVLAN   = "vlan"
	groupLAG    = "lag"
	groupEntity = "entity"
	groupARP    = "arp"
)

// groups lists every group, in collection order.
var groups = []string{groupIf, groupEntity, groupLLDP, groupCDP, groupVLAN, groupFDB, groupLAG, groupARP}

// OIDs, without the leading dot.
const (
	oidSysDescr      = "1.3.6.1.2.1.1.1.0"
	oidSysObjectID   = "1.3.6.1.2.1.1.2.0"
	oidSysName       = "1.3.6.1.2.1.1.5.0"
	oidIfEntry       = "1.3.6.1.2.1.2.2.1"
	oidIfXEntry      = "1.3.6.1.2.1.31.1.1.1"
	oidIfStackStatus = "1.3.6.1.2.1.31.1.2.1.3"
	oidEntPhysical   = "1.3.6.1.2.1.47.1.1.1.1"
	oidLLDPLocChSub  = "1.0.8802.1.1.2.1.3.1.0"
	oidLLDPLocCh     = "1.0.8802.1.1.2.1.3.2.0"
	oidLLDPLocPort   = "1.0.8802.1.1.2.1.3.7.1"
	oidLLDPRem       = "1.0.8802.1.1.2.1.4.1.1"
	oidLLDPRemMan    = "1.0.8802.1.1.2.1.4.2.1"
	oidCDPCache      = "1.3.6.1.4.1.9.9.23.1.2.1.1"
	oidBasePortIf    = "1.3.6.1.2.1.17.1.4.1.2"
	oidDot1dTpFdb    = "1.3.6.1.2.1.17.4.3.1"
	oidDot1qTpFdb    = "1.3.6.1.2.1.17.7.1.2.2.1"
	oidDot1qCurrent  = "1.3.6.1.2.1.17.7.1.4.2.1"
	oidDot1qStatic   = "1.3.6.1.2.1.17.7.1.4.3.1"
	oidDot1qPvid     = "1.3.6.1.2.1.17.7.1.4.5.1.1"
	oidVTPVlan       = "1.3.6.1.4.1.9.9.46.1.3.1.1"
	oidVTPTrunk      = "1.3.6.1.4.1.9.9.46.1.6.1.1"
	oidVMVlan        = "1.3.6.1.4.1.9.9.68.1.2.2.1.2"
	oidLAGAttached   = "1.2.840.10006.300.43.1.2.1.1.13"
	oidNetToPhys     = "1.3.6.1.2.1.4.35.1"
	oidNetToMedia    = "1.3.6.1.2.1.4.22.1"
	ciscoEnterprise  = "1.3.6.1.4.1.9."
	ifTypeLAG        = 161
	maxCiscoVLANWalk = 1001 // VLANs 1002-1005 are FDDI/Token Ring defaults
)

// port is one interface of a device as read.
type port struct {
	ifIndex                      int
	name, ifName, ifDescr, alias string
	ifType                       int
	speedMbps, mtu               int64
	mac, admin, oper             string
	hasSpeed, hasMTU             bool

	mode                   string
	accessVLAN, nativeVLAN int
	allowed                []int

	lldp []lldpNeighbour
	cdp  *cdpNeighbour
}

// isLAG reports whether the interface is an aggregate (a port-channel).
func (p *port) isLAG() bool {
	return p.ifType == ifTypeLAG || strings.HasPrefix(p.name, "Port-channel") || (strings.HasPrefix(p.name, "ae") && p.ifType != 6)
}

type lldpNeighbour struct {
	chassis, port, portDesc, system string
	mgmt                            netip.Addr
}

type cdpNeighbour struct {
	device, port, platform string
	addr                   netip.Addr
	native                 int
}

type fdbEntry struct {
	ifIndex int
	mac     string
	vlan    int // 0 when unknown
	status  string
}

// arpEntry is one ARP or neighbour cache entry.
type arpEntry struct {
	ifIndex int
	addr    netip.Addr
	mac     string
	typ     string
}

type vlanInfo struct {
	vid          int
	name, status string
}

type membership struct {
	ifIndex, vid int
	tagged       bool
}

type lagMember struct {
	agg    int
	source string
}

// neighbourAddr is a management address a device's neighbour advertised.
type neighbourAddr struct {
	addr netip.Addr
	name string // the neighbour's system name, a hint for its switch name
}

// device is everything read from one switch.
type device struct {
	addr, from, name                 string
	sysDescr, sysObjectID, chassisID string
	vendor, model, serial, version   string
	ports                            map[int]*port
	idx                              ifname.Index
	vlans                            map[int]*vlanInfo
	members                          []membership
	fdb                              []fdbEntry
	lag                              map[int]lagMember
	arp                              []arpEntry
	failed                           map[string]string // group → first failure
	neighbours                       []neighbourAddr
}

func (d *device) fail(group string, err error) {
	if _, ok := d.failed[group]; !ok {
		d.failed[group] = err.Error()
	}
}

// poll reads one device. It returns an error only when the device cannot be
// read at all (no answer to the system group); table failures are recorded
// in d.failed by group.
func poll(ctx context.Context, cfg Configuration, cr credentials, addr string, cnt *counters) (*device, error) {
	s, err := dial(cfg, cr, addr, cr.community, cnt)
	if err != nil {
		return nil, err
	}
	defer s.close()
	sys, err := s.get("system", oidSysDescr, oidSysObjectID, oidSysName)
	if err != nil {
		return nil, err
	}
	d := &device{addr: addr, ports: map[int]*port{}, vlans: map[int]*vlanInfo{}, lag: map[int]lagMember{}, failed: map[string]string{}}
	if v, ok := sys[oidSysName]; ok {
		name, _ := str(v)
		d.name = switchName(name)
	}
	d.sysDescr, _ = str(sys[oidSysDescr])
	if v, ok := sys[oidSysObjectID].Value.(string); ok {
		d.sysObjectID = strings.TrimPrefix(v, ".")
	}
	if err := d.readInterfaces(ctx, s); err != nil {
		for _, g := range groups {
			if g != groupEntity {
				d.fail(g, err)
			}
		}
	} else {
		d.readLLDP(ctx, s)
		d.readCDP(ctx, s)
		d.readBridge(ctx, cfg, cr, s, cnt)
		d.readLAG(ctx, s)
		d.readARP(ctx, s)
	}
	d.readEntity(ctx, s)
	return d, nil
}

// switchName is a sysName lower-cased and stripped of its domain; an IP
// address is kept whole.
func switchName(sysName string) string {
	n := strings.ToLower(strings.TrimSpace(sysName))
	if _, err := netip.ParseAddr(n); err == nil {
		return n
	}
	n, _, _ = strings.Cut(n, ".")
	return n
}

var ifTypes = map[int]string{
	1: "other", 6: "ethernetCsmacd", 24: "softwareLoopback", 53: "propVirtual", 62: "fastEther",
	117: "gigabitEthernet", 131: "tunnel", 135: "l2vlan", 136: "l3ipvlan", 161: "ieee8023adLag",
}

var ifStatus = map[int64]string{1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent", 7: "lowerLayerDown"}

func (d *device) readInterfaces(ctx context.Context, s *session) error {
	it, err := s.table(ctx, "ifTable", oidIfEntry, 1, 2, 3, 4, 5, 6, 7, 8)
	if err != nil {
		return err
	}
	xt, err := s.table(ctx, "ifXTable", oidIfXEntry, 1, 15, 18)
	if err != nil {
		return err
	}
	if len(it) == 0 {
		return fmt.Errorf("%w: walk ifTable on %s: empty", ErrBadValue, s.addr)
	}
	if err := checkTypes("ifTable", s.addr, it, map[uint32]valueKind{2: text, 3: number, 4: number, 5: number, 6: text, 7: number, 8: number}); err != nil {
		return err
	}
	if err := checkTypes("ifXTable", s.addr, xt, map[uint32]valueKind{1: text, 15: number, 18: text}); err != nil {
		return err
	}
	for idx, row := range it {
		i, err := strconv.Atoi(idx)
		if err != nil {
			return fmt.Errorf("%w: ifTable on %s: index %q", ErrBadValue, s.addr, idx)
		}
		p := &port{ifIndex: i}
		p.ifDescr, _ = str(row[2])
		if t, ok := integer(row[3]); ok {
			p.ifType = int(t)
		}
		if m, ok := integer(row[4]); ok {
			p.mtu, p.hasMTU = m, true
		}
		if sp, ok := integer(row[5]); ok {
			p.speedMbps, p.hasSpeed = sp/1_000_000, true
		}
		if b, ok := octets(row[6]); ok {
			p.mac, _ = MAC(b)
		}
		if a, ok := integer(row[7]); ok {
			p.admin = ifStatus[a]
		}
		if o, ok := integer(row[8]); ok {
			p.oper = ifStatus[o]
		}
		if x := xt[idx]; x != nil {
			p.ifName, _ = str(x[1])
			if hs, ok := integer(x[15]); ok && hs > 0 {
				p.speedMbps, p.hasSpeed = hs, true
			}
			p.alias, _ = str(x[18])
		}
		d.idx.Add(i, p.ifName, p.ifDescr)
		p.name, _ = d.idx.Name(i)
		if p.name == "" {
			p.name = "ifindex-" + idx
		}
		d.ports[i] = p
	}
	return nil
}

func (d *device) readEntity(ctx context.Context, s *session) {
	t, err := s.table(ctx, "entPhysicalTable", oidEntPhysical, 2, 5, 10, 11, 12, 13)
	if err != nil {
		d.fail(groupEntity, err)
		return
	}
	keys := sortedIndexes(t)
	for _, k := range keys {
		row := t[k]
		if class, ok := integer(row[5]); !ok || class != 3 { // chassis
			continue
		}
		d.version, _ = str(row[10])
		d.serial, _ = str(row[11])
		d.vendor, _ = str(row[12])
		d.model, _ = str(row[13])
		return
	}
}

// lookupPort resolves an LLDP local port: its ID or description as an
// interface name, else its number as an ifIndex.
func (d *device) lookupPort(num int, id, desc string) (*port, bool) {
	for _, n := range []string{id, desc} {
		if i, ok := d.idx.Lookup(n); ok && n != "" {
			return d.ports[i], true
		}
	}
	p, ok := d.ports[num]
	return p, ok
}

func (d *device) readLLDP(ctx context.Context, s *session) {
	loc, err := s.get("lldpLocChassisId", oidLLDPLocChSub, oidLLDPLocCh)
	if err != nil {
		d.fail(groupLLDP, err)
		return
	}
	if b, ok := octets(loc[oidLLDPLocCh]); ok {
		sub, _ := integer(loc[oidLLDPLocChSub])
		d.chassisID = ChassisID(int(sub), b)
	}
	lp, err := s.table(ctx, "lldpLocPortTable", oidLLDPLocPort, 2, 3, 4)
	if err != nil {
		d.fail(groupLLDP, err)
		return
	}
	locals := map[int]*port{}
	for idx, row := range lp {
		num, _ := strconv.Atoi(idx)
		sub, _ := integer(row[2])
		b, _ := octets(row[3])
		desc, _ := str(row[4])
		if p, ok := d.lookupPort(num, PortID(int(sub), b), desc); ok {
			locals[num] = p
		}
	}
	rem, err := s.table(ctx, "lldpRemTable", oidLLDPRem, 4, 5, 6, 7, 8, 9)
	if err != nil {
		d.fail(groupLLDP, err)
		return
	}
	man := map[string]netip.Addr{} // localPort.remIndex → first address
	err = s.walk(ctx, "lldpRemManAddrTable", oidLLDPRemMan, func(sfx []uint32, _ gosnmp.SnmpPDU) error {
		if len(sfx) < 2 || sfx[0] != 3 { // one column is enough: the address is in the index
			return nil
		}
		lport, ridx, a, err := ManAddrIndex(sfx[1:])
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadValue, err)
		}
		k := fmt.Sprintf("%d.%d", lport, ridx)
		if _, ok := man[k]; !ok {
			man[k] = a
		}
		return nil
	})
	if err != nil {
		d.fail(groupLLDP, err)
		return
	}
	for _, idx := range sortedIndexes(rem) {
		row := rem[idx]
		c, err := ParseOID(idx)
		if err != nil || len(c) != 3 {
			d.fail(groupLLDP, fmt.Errorf("%w: lldpRemTable on %s: index %q", ErrBadValue, s.addr, idx))
			return
		}
		p, ok := locals[int(c[1])]
		if !ok {
			p, ok = d.ports[int(c[1])]
		}
		if !ok {
			continue
		}
		var n lldpNeighbour
		csub, _ := integer(row[4])
		cb, _ := octets(row[5])
		n.chassis = ChassisID(int(csub), cb)
		psub, _ := integer(row[6])
		pb, _ := octets(row[7])
		n.port = PortID(int(psub), pb)
		n.portDesc, _ = str(row[8])
		n.system, _ = str(row[9])
		n.mgmt = man[fmt.Sprintf("%d.%d", c[1], c[2])]
		p.lldp = append(p.lldp, n)
		if n.mgmt.IsValid() {
			d.neighbours = append(d.neighbours, neighbourAddr{addr: n.mgmt, name: n.system})
		}
	}
}

func (d *device) readCDP(ctx context.Context, s *session) {
	t, err := s.table(ctx, "cdpCacheTable", oidCDPCache, 3, 4, 6, 7, 8, 11)
	if err != nil {
		d.fail(groupCDP, err)
		return
	}
	for _, idx := range sortedIndexes(t) {
		row := t[idx]
		c, err := ParseOID(idx)
		if err != nil || len(c) != 2 {
			d.fail(groupCDP, fmt.Errorf("%w: cdpCacheTable on %s: index %q", ErrBadValue, s.addr, idx))
			return
		}
		p, ok := d.ports[int(c[0])]
		if !ok || p.cdp != nil {
			continue
		}
		n := &cdpNeighbour{}
		n.device, _ = str(row[6])
		n.port, _ = str(row[7])
		n.platform, _ = str(row[8])
		if v, ok := integer(row[11]); ok {
			n.native = int(v)
		}
		if typ, ok := integer(row[3]); ok && typ == 1 { // ip
			if b, ok := octets(row[4]); ok {
				n.addr, _ = InetAddress(1, b)
			}
		}
		p.cdp = n
		if n.addr.IsValid() {
			d.neighbours = append(d.neighbours, neighbourAddr{addr: n.addr, name: n.device})
		}
	}
}

// readBridge reads VLANs, port modes and the forwarding table.
func (d *device) readBridge(ctx context.Context, cfg Configuration, cr credentials, s *session, cnt *counters) {
	basePorts, err := d.basePorts(ctx, s)
	if err != nil {
		d.fail(groupVLAN, err)
		d.fail(groupFDB, err)
		return
	}
	cisco := strings.HasPrefix(d.sysObjectID+".", ciscoEnterprise)
	var vtp table
	if cisco {
		if vtp, err = s.table(ctx, "vtpVlanTable", oidVTPVlan, 2, 4); err != nil {
			d.fail(groupVLAN, err)
			d.fail(groupFDB, err)
			return
		}
	}
	fdbIDs, err := d.readVLANs(ctx, s, basePorts, vtp)
	if err != nil {
		d.fail(groupVLAN, err)
	}
	if err := d.readFDB(ctx, cfg, cr, s, cnt, basePorts, fdbIDs, vtp); err != nil {
		d.fail(groupFDB, err)
	}
}

func (d *device) basePorts(ctx context.Context, s *session) (map[int]int, error) {
	m := map[int]int{}
	err := s.walk(ctx, "dot1dBasePortIfIndex", oidBasePortIf, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		i, ok := integer(v)
		if !ok || len(sfx) != 1 {
			return fmt.Errorf("%w: %s is %v", ErrBadValue, v.Name, v.Type)
		}
		m[int(sfx[0])] = int(i)
		return nil
	})
	return m, err
}

// readVLANs reads the VLANs and port memberships: Q-BRIDGE where served,
// CISCO-VTP-MIB trunks on Cisco. It returns the FDB id → VLAN map.
func (d *device) readVLANs(ctx context.Context, s *session, basePorts map[int]int, vtp table) (map[int]int, error) {
	static, err := s.table(ctx, "dot1qVlanStaticTable", oidDot1qStatic, 1, 2, 4)
	if err != nil {
		return nil, err
	}
	current, err := s.table(ctx, "dot1qVlanCurrentTable", oidDot1qCurrent, 3, 4, 5, 6)
	if err != nil {
		return nil, err
	}
	pvid := map[int]int{}
	err = s.walk(ctx, "dot1qPvid", oidDot1qPvid, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		n, ok := integer(v)
		if !ok || len(sfx) != 1 {
			return fmt.Errorf("%w: %s is %v", ErrBadValue, v.Name, v.Type)
		}
		pvid[basePorts[int(sfx[0])]] = int(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	fdbIDs := map[int]int{}
	egress := map[int][]int{}   // ifIndex → VLANs
	untagged := map[int][]int{} // ifIndex → VLANs
	add := func(vid int, eg, un []byte) {
		for _, bp := range PortList(eg) {
			if i, ok := basePorts[bp]; ok {
				egress[i] = append(egress[i], vid)
			}
		}
		for _, bp := range PortList(un) {
			if i, ok := basePorts[bp]; ok {
				untagged[i] = append(untagged[i], vid)
			}
		}
	}
	for idx, row := range static {
		vid, _ := strconv.Atoi(idx)
		v := d.vlan(vid)
		v.name, _ = str(row[1])
		if len(current) == 0 {
			eg, _ := octets(row[2])
			un, _ := octets(row[4])
			add(vid, eg, un)
		}
	}
	for idx, row := range current {
		c, err := ParseOID(idx)
		if err != nil || len(c) != 2 {
			return nil, fmt.Errorf("%w: dot1qVlanCurrentTable on %s: index %q", ErrBadValue, s.addr, idx)
		}
		vid := int(c[1])
		v := d.vlan(vid)
		if st, ok := integer(row[6]); ok {
			v.status = map[int64]string{1: "other", 2: "permanent", 3: "dynamic"}[st]
		}
		if f, ok := integer(row[3]); ok {
			fdbIDs[int(f)] = vid
		}
		eg, _ := octets(row[4])
		un, _ := octets(row[5])
		add(vid, eg, un)
	}
	for i, eg := range egress {
		p, ok := d.ports[i]
		if !ok {
			continue
		}
		slices.Sort(eg)
		un := untagged[i]
		tagged := false
		for _, vid := range eg {
			t := !slices.Contains(un, vid)
			tagged = tagged || t
			d.members = append(d.members, membership{ifIndex: i, vid: vid, tagged: t})
		}
		if tagged {
			p.mode, p.nativeVLAN, p.allowed = "trunk", pvid[i], eg
		} else {
			p.mode, p.accessVLAN = "access", pvid[i]
			if p.accessVLAN == 0 && len(un) > 0 {
				p.accessVLAN = un[0]
			}
		}
	}
	if vtp == nil {
		return fdbIDs, nil
	}
	for idx, row := range vtp {
		c, err := ParseOID(idx)
		if err != nil || len(c) != 2 {
			return nil, fmt.Errorf("%w: vtpVlanTable on %s: index %q", ErrBadValue, s.addr, idx)
		}
		v := d.vlan(int(c[1]))
		v.name, _ = str(row[4])
		if st, ok := integer(row[2]); ok {
			v.status = map[int64]string{1: "operational", 2: "suspended", 3: "mtuTooBigForDevice", 4: "mtuTooBigForTrunk"}[st]
		}
	}
	return fdbIDs, d.readCiscoTrunks(ctx, s)
}

func (d *device) vlan(vid int) *vlanInfo {
	v := d.vlans[vid]
	if v == nil {
		v = &vlanInfo{vid: vid}
		d.vlans[vid] = v
	}
	return v
}

// readCiscoTrunks reads CISCO-VTP-MIB vlanTrunkPortTable and the access
// VLANs of CISCO-VLAN-MEMBERSHIP-MIB.
func (d *device) readCiscoTrunks(ctx context.Context, s *session) error {
	t, err := s.table(ctx, "vlanTrunkPortTable", oidVTPTrunk, 4, 5, 13, 17, 18, 19)
	if err != nil {
		return err
	}
	access := map[int]int{}
	err = s.walk(ctx, "vmVlan", oidVMVlan, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		n, ok := integer(v)
		if !ok || len(sfx) != 1 {
			return fmt.Errorf("%w: %s is %v", ErrBadValue, v.Name, v.Type)
		}
		access[int(sfx[0])] = int(n)
		return nil
	})
	if err != nil {
		return err
	}
	for _, idx := range sortedIndexes(t) {
		row := t[idx]
		i, _ := strconv.Atoi(idx)
		p, ok := d.ports[i]
		if !ok {
			continue
		}
		if st, ok := integer(row[13]); !ok || st != 1 { // not trunking
			continue
		}
		var allowed []int
		for col, base := range map[uint32]int{4: 0, 17: 1024, 18: 2048, 19: 3072} {
			if b, ok := octets(row[col]); ok {
				allowed = append(allowed, VLANBitmap(b, base)...)
			}
		}
		slices.Sort(allowed)
		allowed = slices.DeleteFunc(allowed, func(v int) bool { return v < 1 || v > 4094 })
		native, _ := integer(row[5])
		p.mode, p.nativeVLAN, p.allowed = "trunk", int(native), allowed
		for _, vid := range allowed {
			if _, exists := d.vlans[vid]; exists {
				d.members = append(d.members, membership{ifIndex: i, vid: vid, tagged: vid != int(native)})
			}
		}
	}
	for i, vid := range access {
		p, ok := d.ports[i]
		if !ok || p.mode == "trunk" {
			continue
		}
		p.mode, p.accessVLAN = "access", vid
		d.members = append(d.members, membership{ifIndex: i, vid: vid})
	}
	return nil
}

var fdbStatus = map[int64]string{1: "other", 2: "invalid", 3: "learned", 4: "self", 5: "mgmt"}

// readFDB reads the forwarding table: Q-BRIDGE dot1qTpFdbTable, else on a
// Cisco with VTP VLANs BRIDGE-MIB per VLAN (community@vlan), else BRIDGE-MIB
// without VLANs.
func (d *device) readFDB(ctx context.Context, cfg Configuration, cr credentials, s *session, cnt *counters, basePorts, fdbIDs map[int]int, vtp table) error {
	t, err := s.table(ctx, "dot1qTpFdbTable", oidDot1qTpFdb, 2, 3)
	if err != nil {
		return err
	}
	if len(t) > 0 {
		return d.addFDB(s.addr, "dot1qTpFdbTable", t, basePorts, func(c []uint32) (int, []uint32) {
			vid := int(c[0])
			if v, ok := fdbIDs[vid]; ok {
				vid = v
			}
			return vid, c[1:]
		})
	}
	if len(vtp) > 0 {
		vids := make([]int, 0, len(vtp))
		for idx := range vtp {
			if c, err := ParseOID(idx); err == nil && len(c) == 2 && c[1] <= maxCiscoVLANWalk {
				vids = append(vids, int(c[1]))
			}
		}
		slices.Sort(vids)
		for _, vid := range vids {
			if err := d.ciscoVLANFDB(ctx, cfg, cr, cnt, vid); err != nil {
				return err
			}
		}
		return nil
	}
	t, err = s.table(ctx, "dot1dTpFdbTable", oidDot1dTpFdb, 2, 3)
	if err != nil {
		return err
	}
	return d.addFDB(s.addr, "dot1dTpFdbTable", t, basePorts, func(c []uint32) (int, []uint32) { return 0, c })
}

// ciscoVLANFDB reads BRIDGE-MIB in the context of one VLAN: community@vid
// in v2c, context vlan-<vid> in v3.
func (d *device) ciscoVLANFDB(ctx context.Context, cfg Configuration, cr credentials, cnt *counters, vid int) error {
	ctxName := fmt.Sprintf("%s@%d", cr.community, vid)
	if cfg.Version == "3" {
		ctxName = fmt.Sprintf("vlan-%d", vid)
	}
	vs, err := dial(cfg, cr, d.addr, ctxName, cnt)
	if err != nil {
		return err
	}
	defer vs.close()
	vs.next = false
	table := fmt.Sprintf("dot1dTpFdbTable (vlan %d)", vid)
	bp, err := d.basePorts(ctx, vs)
	if err != nil {
		return fmt.Errorf("vlan %d: %w", vid, err)
	}
	t, err := vs.table(ctx, table, oidDot1dTpFdb, 2, 3)
	if err != nil {
		return err
	}
	return d.addFDB(d.addr, table, t, bp, func(c []uint32) (int, []uint32) { return vid, c })
}

// addFDB turns FDB rows into entries; split returns the VLAN and the MAC
// components of a row index.
func (d *device) addFDB(addr, name string, t table, basePorts map[int]int, split func([]uint32) (int, []uint32)) error {
	for _, idx := range sortedIndexes(t) {
		row := t[idx]
		c, err := ParseOID(idx)
		if err != nil || len(c) < 6 {
			return fmt.Errorf("%w: %s on %s: index %q", ErrBadValue, name, addr, idx)
		}
		vid, m := split(c)
		mac, ok := MACIndex(m)
		if !ok {
			return fmt.Errorf("%w: %s on %s: index %q is not a MAC", ErrBadValue, name, addr, idx)
		}
		bp, ok := integer(row[2])
		if !ok {
			return fmt.Errorf("%w: %s on %s: port of %s is %v, want an integer", ErrBadValue, name, addr, mac, row[2].Type)
		}
		i, ok := basePorts[int(bp)]
		if !ok {
			continue // the CPU (port 0) or a port outside the bridge
		}
		st, _ := integer(row[3])
		d.fdb = append(d.fdb, fdbEntry{ifIndex: i, mac: mac, vlan: vid, status: fdbStatus[st]})
	}
	return nil
}

// readLAG reads port-channel membership from IEEE8023-LAG-MIB, or from
// ifStackTable when the LAG MIB is not served.
func (d *device) readLAG(ctx context.Context, s *session) {
	err := s.walk(ctx, "dot3adAggPortAttachedAggID", oidLAGAttached, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		agg, ok := integer(v)
		if !ok || len(sfx) != 1 {
			return fmt.Errorf("%w: %s is %v", ErrBadValue, v.Name, v.Type)
		}
		if agg != 0 && int(agg) != int(sfx[0]) {
			d.lag[int(sfx[0])] = lagMember{agg: int(agg), source: "lag-mib"}
		}
		return nil
	})
	if err != nil {
		d.fail(groupLAG, err)
		return
	}
	if len(d.lag) > 0 {
		return
	}
	err = s.walk(ctx, "ifStackTable", oidIfStackStatus, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		if len(sfx) != 2 {
			return fmt.Errorf("%w: ifStackTable index %v", ErrBadValue, sfx)
		}
		hi, lo := d.ports[int(sfx[0])], d.ports[int(sfx[1])]
		if hi != nil && lo != nil && hi.isLAG() && !lo.isLAG() {
			d.lag[lo.ifIndex] = lagMember{agg: hi.ifIndex, source: "ifstack"}
		}
		return nil
	})
	if err != nil {
		d.fail(groupLAG, err)
	}
}

// Column numbers and type names of the two ARP tables.
const (
	colNetToPhysMAC   = 4
	colNetToPhysType  = 6
	colNetToMediaMAC  = 2
	colNetToMediaType = 4
)

var arpTypes = map[int64]string{1: "other", 2: "invalid", 3: "dynamic", 4: "static", 5: "local"}

// readARP reads the ARP and neighbour cache: IP-MIB ipNetToPhysicalTable,
// else (on agents that leave it empty or do not serve it) the older
// ipNetToMediaTable, IPv4 only.
func (d *device) readARP(ctx context.Context, s *session) {
	const phys, media = "ipNetToPhysicalTable", "ipNetToMediaTable"
	t, err := s.table(ctx, phys, oidNetToPhys, colNetToPhysMAC, colNetToPhysType)
	if err == nil {
		err = checkTypes(phys, s.addr, t, map[uint32]valueKind{colNetToPhysMAC: text, colNetToPhysType: number})
	}
	if err != nil {
		d.fail(groupARP, err)
		return
	}
	if len(t) > 0 {
		if err := d.addARP(s.addr, phys, t, NetToPhysicalIndex, colNetToPhysMAC, colNetToPhysType); err != nil {
			d.fail(groupARP, err)
		}
		return
	}
	t, err = s.table(ctx, media, oidNetToMedia, colNetToMediaMAC, colNetToMediaType)
	if err == nil {
		err = checkTypes(media, s.addr, t, map[uint32]valueKind{colNetToMediaMAC: text, colNetToMediaType: number})
	}
	if err == nil {
		err = d.addARP(s.addr, media, t, NetToMediaIndex, colNetToMediaMAC, colNetToMediaType)
	}
	if err != nil {
		d.fail(groupARP, err)
	}
}

// addARP turns the rows of an ARP table into entries. Entries without a
// usable MAC (incomplete: empty, all zeros, not 6 octets), marked invalid,
// or for a link-local address (ambiguous across interfaces) are skipped.
func (d *device) addARP(addr, name string, t table, index func([]uint32) (int, netip.Addr, error), macCol, typeCol uint32) error {
	for _, idx := range sortedIndexes(t) {
		row := t[idx]
		c, err := ParseOID(idx)
		if err != nil {
			return fmt.Errorf("%w: %s on %s: index %q", ErrBadValue, name, addr, idx)
		}
		i, a, err := index(c)
		if err != nil {
			return fmt.Errorf("%w: %s on %s: %w", ErrBadValue, name, addr, err)
		}
		b, _ := octets(row[macCol])
		mac, ok := MAC(b)
		if !ok || mac == "00:00:00:00:00:00" {
			continue
		}
		typ, _ := integer(row[typeCol])
		if typ == 2 || a.IsLinkLocalUnicast() || a.IsUnspecified() {
			continue
		}
		d.arp = append(d.arp, arpEntry{ifIndex: i, addr: a, mac: mac, typ: arpTypes[typ]})
	}
	return nil
}

// sortedIndexes returns a table's row indexes in OID order.
func sortedIndexes(t table) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, CompareOID)
	return keys
}
