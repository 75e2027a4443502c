package snmp

// IEEE8023-LAG-MIB / ifStackTable (port-channel members) and IP-MIB (ARP).
//
// Containment as in bridge.go: a bad row is skipped and counted; a table that
// fails part way keeps what was read; each group falls back to its older
// table when the newer one yields nothing, and keeps its previous facts only
// when nothing usable was read or a table failed on time.

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/gosnmp/gosnmp"
)

// readLAG reads port-channel membership from IEEE8023-LAG-MIB, or from
// ifStackTable when the LAG MIB yields no member.
func (d *device) readLAG(ctx context.Context, s *session) {
	st := d.tab(groupLAG, "dot3adAggPortAttachedAggID")
	err := s.walkInts(ctx, st, "dot3adAggPortAttachedAggID", oidLAGAttached, "port", func(port int, agg int64) (string, string) {
		switch {
		case agg == 0 || int(agg) == port: // not aggregated, or its own aggregator
		case d.ports[port] == nil:
			return whyNoPort, fmt.Sprintf("port %d", port)
		case d.ports[int(agg)] == nil:
			return "aggregator is not an interface", fmt.Sprintf("port %d → aggregator %d", port, agg)
		default:
			d.lag[port] = lagMember{agg: int(agg), source: "lag-mib"}
		}
		return "", ""
	})
	st.failed(err)
	st.done()
	if err != nil && transient(err) {
		d.fail(groupLAG, err)
		return
	}
	if len(d.lag) > 0 {
		if err != nil {
			d.partialFail(groupLAG, "dot3adAggPortAttachedAggID", st.h.Rows, err)
		}
		return
	}
	st2 := d.tab(groupLAG, "ifStackTable")
	err2 := s.walk(ctx, "ifStackTable", oidIfStackStatus, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		st2.row(1)
		if len(sfx) != 2 {
			st2.skip(whyIndex, joinOID(sfx))
			return nil
		}
		st2.keep(1) // rows of other layers (0 = top or bottom, VLAN interfaces) are understood too
		hi, lo := d.ports[int(sfx[0])], d.ports[int(sfx[1])]
		if hi != nil && lo != nil && hi.isLAG() && !lo.isLAG() {
			d.lag[lo.ifIndex] = lagMember{agg: hi.ifIndex, source: "ifstack"}
		}
		return nil
	})
	st2.failed(err2)
	st2.done()
	switch {
	case err2 != nil && (transient(err2) || len(d.lag) == 0):
		d.fail(groupLAG, err2)
	case err2 != nil:
		d.partialFail(groupLAG, "ifStackTable", st2.h.Rows, err2)
	case err != nil: // the LAG MIB failed before any member; ifStackTable answered whole
		d.partialFail(groupLAG, "dot3adAggPortAttachedAggID", st.h.Rows, err)
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
// else (on agents that leave it empty, do not serve it, or fail it before
// its first row) the older ipNetToMediaTable, IPv4 only.
func (d *device) readARP(ctx context.Context, s *session) {
	const phys, media = "ipNetToPhysicalTable", "ipNetToMediaTable"
	p := d.readBridgeTable(ctx, s, groupARP, phys, oidNetToPhys, colNetToPhysMAC, colNetToPhysType)
	defer p.st.done()
	if p.err != nil && transient(p.err) {
		d.fail(groupARP, p.err)
		return
	}
	if len(p.t) > 0 {
		d.arp = append(d.arp, addARP(p, NetToPhysicalIndex, colNetToPhysMAC, colNetToPhysType)...)
		d.partial(groupARP, p)
		return
	}
	m := d.readBridgeTable(ctx, s, groupARP, media, oidNetToMedia, colNetToMediaMAC, colNetToMediaType)
	defer m.st.done()
	if m.unusable() {
		d.fail(groupARP, m.err)
		return
	}
	d.arp = append(d.arp, addARP(m, NetToMediaIndex, colNetToMediaMAC, colNetToMediaType)...)
	d.partial(groupARP, m)
	if p.err != nil {
		d.partialFail(groupARP, phys, 0, p.err)
	}
}

// addARP turns the rows of an ARP table into entries, counting each row
// kept or skipped in r's counters. Rows whose index is not an address, or
// whose MAC or type column has the wrong type, are skipped; so are entries
// without a usable MAC (incomplete: empty, all zeros, not 6 octets), marked
// invalid, or for a link-local or unspecified address (ambiguous across
// interfaces).
func addARP(r bridgeRead, index func([]uint32) (int, netip.Addr, error), macCol, typeCol uint32) []arpEntry {
	var out []arpEntry
	for _, idx := range sortedIndexes(r.t) {
		row := r.t[idx]
		c, err := ParseOID(idx)
		if err != nil {
			r.st.skip(whyIndex, idx)
			continue
		}
		i, a, err := index(c)
		if err != nil {
			r.st.skip("index is not an interface and address", idx)
			continue
		}
		var typ int64
		if v, ok := row[typeCol]; ok {
			if typ, ok = integer(v); !ok {
				r.st.skip("type is not an integer", fmt.Sprintf("%s type %v", idx, v.Type))
				continue
			}
		}
		b, ok := octets(row[macCol])
		if _, present := row[macCol]; present && !ok {
			r.st.skip("MAC is not an octet string", fmt.Sprintf("%s MAC %v", idx, row[macCol].Type))
			continue
		}
		mac, ok := MAC(b)
		switch {
		case !ok || mac == "00:00:00:00:00:00":
			r.st.skip("incomplete (no MAC)", idx)
		case typ == 2:
			r.st.skip(whyInvalid, idx)
		case a.IsLinkLocalUnicast() || a.IsUnspecified():
			r.st.skip("link-local or unspecified address", idx)
		default:
			r.st.keep(1)
			out = append(out, arpEntry{ifIndex: i, addr: a, mac: mac, typ: arpTypes[typ]})
		}
	}
	return out
}
