package snmp

// LLDP-MIB and CISCO-CDP-MIB: the neighbours each port sees.

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/gosnmp/gosnmp"
)

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
