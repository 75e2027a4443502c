package snmp

// IF-MIB (ifTable, ifXTable) and ENTITY-MIB: the ports and the chassis.

import (
	"context"
	"fmt"
	"strconv"
)

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
