package snmp

// IF-MIB (ifTable, ifXTable) and ENTITY-MIB: the ports and the chassis.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

var ifTypes = map[int]string{
	1: "other", 6: "ethernetCsmacd", 24: "softwareLoopback", 53: "propVirtual", 62: "fastEther",
	117: "gigabitEthernet", 131: "tunnel", 135: "l2vlan", 136: "l3ipvlan", 161: "ieee8023adLag",
}

var ifStatus = map[int64]string{1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent", 7: "lowerLayerDown"}

// readInterfaces reads ifTable and ifXTable into d.ports. It fails (and the
// device keeps its facts) only when neither yields an interface, when ifTable
// fails before its first row, or when either times out.
func (d *device) readInterfaces(ctx context.Context, s *session) error {
	it, ist, ok := d.readTable(ctx, s, groupIf, "ifTable", oidIfEntry, 1, 2, 3, 4, 5, 6, 7, 8)
	if !ok {
		return errors.New(d.failed[groupIf])
	}
	// ifXTable only adds names, high speeds and aliases: an agent that errs
	// on it every time (not a timeout) still has its ports, from ifTable.
	xst := d.tab(groupIf, "ifXTable")
	xt, err := s.tableStat(ctx, xst, "ifXTable", oidIfXEntry, 1, 15, 18)
	xst.row(len(xt))
	if err != nil {
		xst.failed(err)
		if transient(err) {
			xst.done()
			d.fail(groupIf, err)
			return err
		}
		d.partialFail(groupIf, "ifXTable", len(xt), err)
	}
	dropBadTypes(ist, it, map[uint32]valueKind{2: text, 3: number, 4: number, 5: number, 6: text, 7: number, 8: number})
	dropBadTypes(xst, xt, map[uint32]valueKind{1: text, 15: number, 18: text})
	defer ist.done()
	defer xst.done()
	indexes := map[int]string{} // ifIndex → row index, from either table (ifXTable augments ifTable)
	for _, tb := range []struct {
		t  table
		st *tstat
	}{{it, ist}, {xt, xst}} {
		for _, idx := range sortedIndexes(tb.t) {
			i, err := strconv.Atoi(idx)
			if err != nil || i <= 0 {
				tb.st.skip("index is not an ifIndex", idx)
				continue
			}
			tb.st.keep(1)
			indexes[i] = idx
		}
	}
	if len(indexes) == 0 {
		err := fmt.Errorf("%w: walk ifTable on %s: no interface", ErrBadValue, s.addr)
		d.fail(groupIf, err)
		return err
	}
	order := make([]int, 0, len(indexes))
	for i := range indexes {
		order = append(order, i)
	}
	slices.Sort(order) // a name two interfaces share goes to the lowest ifIndex
	for _, i := range order {
		idx := indexes[i]
		p := &port{ifIndex: i}
		row := it[idx]
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
		d.ports[i] = p
	}
	d.nameUniquely(order)
	return nil
}

// nameUniquely gives every port a name no other port of the device has (in
// any case), so that port IDs are unique per switch: the port with the
// lowest ifIndex keeps a name several share (loopbacks, management ports,
// VLAN interfaces, stack members), each other one is "<name> (ifIndex N)"; a
// port with no name is "ifindex-N" (docs/facts.md).
func (d *device) nameUniquely(order []int) {
	taken := map[string]bool{}
	var again []int
	for _, i := range order {
		p := d.ports[i]
		if p.name == "" {
			p.name = "ifindex-" + strconv.Itoa(i)
		}
		k := strings.ToLower(p.name)
		if taken[k] {
			again = append(again, i)
			continue
		}
		taken[k] = true
	}
	for _, i := range again {
		p := d.ports[i]
		base := fmt.Sprintf("%s (ifIndex %d)", p.name, i)
		p.name = base
		for n := 2; taken[strings.ToLower(p.name)]; n++ { // only if a device names a port so
			p.name = fmt.Sprintf("%s #%d", base, n)
		}
		taken[strings.ToLower(p.name)] = true
	}
}

func (d *device) readEntity(ctx context.Context, s *session) {
	t, st, ok := d.readTable(ctx, s, groupEntity, "entPhysicalTable", oidEntPhysical, 2, 5, 10, 11, 12, 13)
	if !ok {
		return
	}
	defer st.done()
	dropBadTypes(st, t, map[uint32]valueKind{2: text, 5: number, 10: text, 11: text, 12: text, 13: text})
	for _, k := range sortedIndexes(t) {
		row := t[k]
		if class, ok := integer(row[5]); !ok || class != 3 { // chassis
			continue
		}
		d.version, _ = str(row[10])
		d.serial, _ = str(row[11])
		d.vendor, _ = str(row[12])
		d.model, _ = str(row[13])
		st.keep(1)
		return
	}
}
