package snmp

// IEEE8023-LAG-MIB / ifStackTable (port-channel members) and IP-MIB (ARP).

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/gosnmp/gosnmp"
)

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
