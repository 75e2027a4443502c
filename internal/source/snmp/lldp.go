package snmp

// LLDP-MIB and CISCO-CDP-MIB: the neighbours each port sees.

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// maxNeighbours bounds the LLDP (and the CDP) neighbours kept per port: a
// phone and a PC, or the hosts behind an unmanaged switch, are a handful; a
// hostile agent could send thousands.
const maxNeighbours = 64

// resolveLocal resolves an LLDP local port (a row of lldpLocPortTable, or
// only its number): its port ID as an interface name (ifName, ifDescr, then
// ifAlias) or, for a MAC subtype, as the one port with that MAC; its
// description likewise; then its number as a bridge port
// (dot1dBasePortIfIndex), then as an ifIndex. It returns the port and how it
// was found, or nil.
func (d *device) resolveLocal(ctx context.Context, s *session, num int, sub int, id []byte, desc string) (*port, string) {
	if len(id) > 0 {
		if sub == 3 { // macAddress
			if m, ok := MAC(id); ok {
				if p := d.portByMAC(m); p != nil {
					return p, "port id mac"
				}
			}
		} else if p := d.portNamed(PortID(sub, id)); p != nil {
			return p, "port id"
		}
	}
	if p := d.portNamed(desc); p != nil {
		return p, "port description"
	}
	if i, ok := d.bridgePort(ctx, s, num); ok {
		if p, ok := d.ports[i]; ok {
			return p, "bridge port"
		}
	}
	if p, ok := d.ports[num]; ok {
		return p, "ifindex"
	}
	return nil, ""
}

// portNamed returns the port an interface name designates: by ifName or
// ifDescr (normalized, any case), else the one port with that ifAlias.
func (d *device) portNamed(name string) *port {
	if strings.TrimSpace(name) == "" {
		return nil
	}
	if i, ok := d.idx.Lookup(name); ok {
		return d.ports[i]
	}
	var found *port
	for _, p := range d.ports {
		if p.alias != "" && strings.EqualFold(strings.TrimSpace(p.alias), strings.TrimSpace(name)) {
			if found != nil {
				return nil // ambiguous
			}
			found = p
		}
	}
	return found
}

// portByMAC returns the one port with MAC m (nil when none or several:
// many switches give every port the chassis MAC).
func (d *device) portByMAC(m string) *port {
	var found *port
	for _, p := range d.ports {
		if p.mac == m {
			if found != nil {
				return nil
			}
			found = p
		}
	}
	return found
}

// bridgePort maps a bridge port number to its ifIndex, walking
// dot1dBasePortIfIndex once per device when first needed.
func (d *device) bridgePort(ctx context.Context, s *session, num int) (int, bool) {
	if d.basePortIf == nil {
		d.basePortIf = map[int]int{}
		st := d.tab(groupLLDP, "dot1dBasePortIfIndex (LLDP ports)")
		err := s.walk(ctx, "dot1dBasePortIfIndex", oidBasePortIf, func(sfx []uint32, v gosnmp.SnmpPDU) error {
			st.row(1)
			i, ok := integer(v)
			if len(sfx) != 1 || !ok {
				st.skip("not bridgePort → ifIndex", strings.TrimPrefix(v.Name, "."))
				return nil
			}
			st.keep(1)
			d.basePortIf[int(sfx[0])] = int(i)
			return nil
		})
		st.failed(err) // the ports not mapped resolve as ifIndexes…
		if err != nil && transient(err) {
			d.fail(groupLLDP, err) // …unless the map is missing for the time being
		}
		st.done()
	}
	i, ok := d.basePortIf[num]
	return i, ok
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
	lp, st, ok := d.readTable(ctx, s, groupLLDP, "lldpLocPortTable", oidLLDPLocPort, 2, 3, 4)
	if !ok {
		return
	}
	dropBadTypes(st, lp, map[uint32]valueKind{2: number, 3: text, 4: text})
	locals := map[int]*port{}
	for _, idx := range sortedIndexes(lp) {
		row := lp[idx]
		num, err := strconv.Atoi(idx)
		if err != nil {
			st.skip("index is not a port number", idx)
			continue
		}
		sub, _ := integer(row[2])
		b, _ := octets(row[3])
		desc, _ := str(row[4])
		if p, _ := d.resolveLocal(ctx, s, num, int(sub), b, desc); p != nil {
			locals[num] = p
			st.keep(1)
			continue
		}
		st.skip("resolves to no interface", fmt.Sprintf("%s (id %q, description %q)", idx, PortID(int(sub), b), desc))
	}
	st.done()

	rem, st, ok := d.readTable(ctx, s, groupLLDP, "lldpRemTable", oidLLDPRem, 4, 5, 6, 7, 8, 9)
	if !ok {
		return
	}
	dropBadTypes(st, rem, map[uint32]valueKind{4: number, 5: text, 6: number, 7: text, 8: text, 9: text})
	man := d.readManAddrs(ctx, s)
	for _, idx := range sortedIndexes(rem) {
		row := rem[idx]
		c, err := ParseOID(idx)
		if err != nil {
			st.skip("bad index", idx)
			continue
		}
		lport, ridx, ok := RemIndex(c)
		if !ok {
			st.skip(fmt.Sprintf("index of %d sub-identifiers, want timeMark.localPortNum.remIndex", len(c)), idx)
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
		n.chassis, n.port, n.portDesc, n.system = clean(n.chassis), clean(n.port), clean(n.portDesc), clean(n.system)
		n.mgmt = man[manKey{lport, ridx}]
		if n.chassis == "" && n.port == "" && n.system == "" {
			st.skip("no chassis, port or system name", idx)
			continue
		}
		if n.mgmt.IsValid() { // followed even when the neighbour cannot be put on a port
			d.neighbours = append(d.neighbours, neighbourAddr{addr: n.mgmt, name: n.system})
		}
		p, ok := locals[lport]
		if !ok {
			p, _ = d.resolveLocal(ctx, s, lport, 0, nil, "")
		}
		if p == nil {
			st.skip("local port resolves to no interface", fmt.Sprintf("%s (local port %d)", idx, lport))
			continue
		}
		if len(p.lldp) >= maxNeighbours {
			st.skip(fmt.Sprintf("more than %d neighbours on the port", maxNeighbours), idx)
			continue
		}
		p.lldp = append(p.lldp, n)
		st.keep(1)
	}
	for _, p := range d.ports {
		orderNeighbours(p.lldp)
	}
	st.done()
}

// orderNeighbours sorts a port's LLDP neighbours by chassis ID, port ID and
// system name, so that which one comes first (the unnumbered lldp_*
// attributes) does not depend on the agent's time marks. Every neighbour is
// kept, a neighbour listed twice too.
func orderNeighbours(ns []lldpNeighbour) {
	slices.SortStableFunc(ns, func(a, b lldpNeighbour) int {
		return cmp.Or(strings.Compare(a.chassis, b.chassis), strings.Compare(a.port, b.port), strings.Compare(a.system, b.system))
	})
}

// clean trims a neighbour's text of surrounding space (some agents pad with
// spaces); an all-space value is empty, so absent.
func clean(s string) string { return strings.TrimSpace(s) }

// manKey is the local port and remote index an address belongs to.
type manKey struct{ lport, ridx int }

// readManAddrs reads lldpRemManAddrTable: the first IPv4 or IPv6 management
// address of each neighbour. Rows whose address is not IP (an all-802 MAC)
// or whose index is malformed are skipped and counted; a walk that fails
// part way on what the agent sent keeps the addresses read before, one that
// times out fails the LLDP group.
func (d *device) readManAddrs(ctx context.Context, s *session) map[manKey]netip.Addr {
	st := d.tab(groupLLDP, "lldpRemManAddrTable")
	defer st.done()
	man := map[manKey]netip.Addr{}
	seen := map[string]bool{} // one count per row, whatever columns come
	err := s.walk(ctx, "lldpRemManAddrTable", oidLLDPRemMan, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		if len(sfx) < 2 {
			st.skip("no index", strings.TrimPrefix(v.Name, "."))
			return nil
		}
		idx := joinOID(sfx[1:])
		if seen[idx] {
			return nil
		}
		seen[idx] = true
		st.row(1)
		lport, ridx, a, err := ManAddrIndex(sfx[1:])
		if err != nil {
			st.skip(manAddrReason(sfx[1:]), idx)
			return nil
		}
		k := manKey{lport, ridx}
		if _, ok := man[k]; !ok {
			man[k] = a
		}
		st.keep(1)
		return nil
	})
	switch {
	case err == nil:
	case transient(err): // the next run reads the addresses: keep the neighbours as they were
		st.failed(err)
		d.fail(groupLLDP, err)
	default: // what the agent sent: the neighbours are stated with the addresses read
		st.failed(err)
		d.partialFail(groupLLDP, "lldpRemManAddrTable", len(seen), err)
	}
	return man
}

// manAddrReason says, in few distinct words, why an lldpRemManAddrTable
// index does not decode (the reasons are counted by kind).
func manAddrReason(c []uint32) string {
	switch {
	case len(c) < 5:
		return "index too short for an address"
	case uint64(len(c)-5) != uint64(c[4]):
		return "address length disagrees with the index"
	case c[3] != 1 && c[3] != 2:
		return fmt.Sprintf("address subtype %d, not IPv4 or IPv6", c[3])
	}
	return "undecodable address"
}

func (d *device) readCDP(ctx context.Context, s *session) {
	t, st, ok := d.readTable(ctx, s, groupCDP, "cdpCacheTable", oidCDPCache, 3, 4, 6, 7, 8, 11)
	if !ok {
		return
	}
	defer st.done()
	dropBadTypes(st, t, map[uint32]valueKind{3: number, 4: text, 6: text, 7: text, 8: text, 11: number})
	for _, idx := range sortedIndexes(t) {
		row := t[idx]
		c, err := ParseOID(idx)
		if err != nil || len(c) != 2 {
			st.skip("index is not ifIndex.deviceIndex", idx)
			continue
		}
		p, ok := d.ports[int(c[0])]
		if !ok {
			st.skip("ifIndex of no interface", idx)
			continue
		}
		if len(p.cdp) >= maxNeighbours {
			st.skip(fmt.Sprintf("more than %d neighbours on the port", maxNeighbours), idx)
			continue
		}
		var n cdpNeighbour
		n.device, _ = str(row[6])
		n.port, _ = str(row[7])
		n.platform, _ = str(row[8])
		n.device, n.port, n.platform = clean(n.device), clean(n.port), clean(n.platform)
		if v, ok := integer(row[11]); ok {
			n.native = int(v)
		}
		if typ, ok := integer(row[3]); ok && typ == 1 { // ip
			if b, ok := octets(row[4]); ok {
				n.addr, _ = InetAddress(1, b)
			}
		}
		if n.device == "" && n.port == "" && !n.addr.IsValid() {
			st.skip("no device, port or address", idx)
			continue
		}
		p.cdp = append(p.cdp, n)
		st.keep(1)
		if n.addr.IsValid() {
			d.neighbours = append(d.neighbours, neighbourAddr{addr: n.addr, name: n.device})
		}
	}
}
