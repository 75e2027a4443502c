package snmp

// BRIDGE-MIB, Q-BRIDGE-MIB and the Cisco VTP/VLAN-membership MIBs: VLANs,
// port modes and the forwarding table.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"
)

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
