package snmp

// BRIDGE-MIB, Q-BRIDGE-MIB and the Cisco VTP/VLAN-membership MIBs: VLANs,
// port modes and the forwarding table.
//
// Containment, table by table: a row that does not parse is skipped and
// counted (by reason, with an example) in its table's counters; a table that
// fails part way on what the agent sent keeps the rows read before; a table
// that fails before its first row, or on a timeout, is unusable. A group
// (vlan, fdb) keeps its previous facts (d.fail) only when a table it cannot
// do without is unusable; otherwise it states what was read. The two groups
// are independent: the FDB needs the bridge ports and, for VLAN ids, the
// dot1qVlanFdbId column of dot1qVlanCurrentTable — whatever of it was read —
// but no VLAN table has to succeed for the FDB to be stated.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Bridge and VLAN OIDs and limits not shared with other files.
const (
	oidJuniperEnterprise = "1.3.6.1.4.1.2636."
	colVlanFdbID         = 3 // dot1qVlanCurrentTable dot1qVlanFdbId
	// maxContextTimeouts is how many Cisco per-VLAN contexts in a row may not
	// answer before the others are not tried: each costs timeout × (retries
	// + 1), and a switch without community indexing answers none.
	maxContextTimeouts = 3
)

// Skip reasons shared by the bridge tables (a fixed set, so that the counts
// group).
const (
	whyIndex        = "index is not the table's index"
	whyNotInteger   = "value is not an integer"
	whyNoInterface  = "bridge port maps to no interface"
	whyNoPort       = "ifIndex is not an interface"
	whyVLANRange    = "VLAN id not in 1-4094"
	whyNotMAC       = "index is not a MAC (octet above 255)"
	whyPortZero     = "port 0 (not learned on a port)"
	whyNoPortColumn = "no port column"
	whyInvalid      = "status invalid"
)

// bridgeRead is one table read for the bridge groups.
type bridgeRead struct {
	t   table
	st  *tstat
	err error
}

// unusable reports whether the table yielded nothing to state: it failed
// before its first row, or on a timeout or a cancelled run (a transient
// failure: a half table would close facts the next run states again).
func (r bridgeRead) unusable() bool {
	return r.err != nil && (len(r.t) == 0 || transient(r.err))
}

// readBridgeTable walks one table of group, counting its rows and failure.
// It never fails the group: the caller decides from unusable.
func (d *device) readBridgeTable(ctx context.Context, s *session, group, name, entry string, cols ...uint32) bridgeRead {
	st := d.tab(group, name)
	t, err := s.tableStat(ctx, st, name, entry, cols...)
	st.row(len(t))
	st.failed(err)
	return bridgeRead{t: t, st: st, err: err}
}

// partial reports a table that failed part way but whose rows are stated.
func (d *device) partial(group string, r bridgeRead) {
	if r.err != nil && !r.unusable() {
		d.partialFail(group, r.st.h.Table, len(r.t), r.err)
	}
}

// validVLAN reports whether n is a VLAN id a port can carry.
func validVLAN(n int64) bool { return n >= 1 && n <= 4094 }

// readBridge reads VLANs, port modes and the forwarding table.
func (d *device) readBridge(ctx context.Context, cfg Configuration, cr credentials, s *session, cnt *counters) {
	bp := d.basePorts(ctx, s, groupFDB, "dot1dBasePortIfIndex")
	var vtp bridgeRead
	if strings.HasPrefix(d.sysObjectID+".", ciscoEnterprise) {
		vtp = d.readBridgeTable(ctx, s, groupVLAN, "vtpVlanTable", oidVTPVlan, 2, 4)
	}
	fdbIDs := d.readVLANs(ctx, s, bp, vtp)
	d.readFDB(ctx, cfg, cr, s, cnt, bp, fdbIDs, vtp)
}

// basePortMap is dot1dBasePortIfIndex: bridge port → ifIndex.
type basePortMap struct {
	m   map[int]int
	err error // the walk failed (m holds the rows read before)
}

// unusable reports whether no bridge port can be trusted to be mapped.
func (b basePortMap) unusable() bool {
	return b.err != nil && (len(b.m) == 0 || transient(b.err))
}

// basePorts walks dot1dBasePortIfIndex into the counters of table. Rows
// whose index or value is not a number are skipped, and so are bridge ports
// of an ifIndex the device has no interface for (their VLANs and MACs could
// not be stated).
func (d *device) basePorts(ctx context.Context, s *session, group, table string) basePortMap {
	st := d.tab(group, table)
	defer st.done()
	m := map[int]int{}
	err := s.walkInts(ctx, st, table, oidBasePortIf, "bridge port", func(bp int, i int64) (string, string) {
		if d.ports[int(i)] == nil {
			return whyNoPort, fmt.Sprintf("bridge port %d → ifIndex %d", bp, i)
		}
		m[bp] = int(i)
		return "", ""
	})
	st.failed(err)
	return basePortMap{m: m, err: err}
}

// fdbVLANs maps Q-BRIDGE FDB ids to VLAN ids. Agents that learn per VLAN
// (IVL) and do not serve dot1qVlanFdbId use the VLAN id as the FDB id; where
// dot1qVlanFdbId is served (Junos, ProCurve: FDB ids 1, 2, 3… for VLANs 1,
// 12, 22…) only it says which VLAN an FDB id is, and an id it does not map
// is no VLAN rather than a wrong one.
type fdbVLANs struct {
	m        map[int]int  // FDB id → VLAN, from dot1qVlanFdbId
	shared   map[int]bool // FDB ids of several VLANs (shared learning): no one VLAN
	identity bool         // no mapping served: an FDB id 1-4094 is the VLAN id
	why      string       // why an id without a mapping maps to no VLAN
}

// vlan returns the VLAN of an FDB id.
func (f fdbVLANs) vlan(fid int) (int, string) {
	if f.shared[fid] {
		return 0, "FDB id shared by several VLANs"
	}
	if v, ok := f.m[fid]; ok {
		return v, ""
	}
	if f.identity && validVLAN(int64(fid)) {
		return fid, ""
	}
	if f.identity {
		return 0, "FDB id not in 1-4094"
	}
	return 0, f.why
}

// readVLANs reads the VLANs and port memberships: Q-BRIDGE where served,
// CISCO-VTP-MIB trunks on Cisco. It returns the FDB id → VLAN map built
// from whatever dot1qVlanCurrentTable rows were read, whether or not the
// VLAN group could be stated.
func (d *device) readVLANs(ctx context.Context, s *session, bp basePortMap, vtp bridgeRead) fdbVLANs {
	static := d.readBridgeTable(ctx, s, groupVLAN, "dot1qVlanStaticTable", oidDot1qStatic, 1, 2, 4)
	current := d.readBridgeTable(ctx, s, groupVLAN, "dot1qVlanCurrentTable", oidDot1qCurrent, colVlanFdbID, 4, 5, 6)
	pvid, pvidErr := d.readPVID(ctx, s, bp)

	egress := map[int][]int{}   // ifIndex → VLANs
	untagged := map[int][]int{} // ifIndex → VLANs
	add := func(vid int, eg, un []byte) {
		for _, p := range PortList(eg) {
			if i, ok := bp.m[p]; ok {
				egress[i] = append(egress[i], vid)
			}
		}
		for _, p := range PortList(un) {
			if i, ok := bp.m[p]; ok {
				untagged[i] = append(untagged[i], vid)
			}
		}
	}
	useStaticPorts := len(current.t) == 0 // an agent without the current table, or one that failed: the static one's ports
	for _, idx := range sortedIndexes(static.t) {
		row := static.t[idx]
		vid, err := strconv.ParseInt(idx, 10, 64)
		switch {
		case err != nil:
			static.st.skip(whyIndex, idx)
			continue
		case !validVLAN(vid):
			static.st.skip(whyVLANRange, "VLAN "+idx)
			continue
		}
		static.st.keep(1)
		v := d.vlan(int(vid))
		v.name, _ = str(row[1])
		if useStaticPorts {
			eg, _ := octets(row[2])
			un, _ := octets(row[4])
			add(int(vid), eg, un)
		}
	}
	static.st.done()

	fdb := fdbVLANs{m: map[int]int{}, shared: map[int]bool{}}
	served, pastFdbID := false, false
	for _, idx := range sortedIndexes(current.t) {
		row := current.t[idx]
		for col := range row {
			pastFdbID = pastFdbID || col > colVlanFdbID
		}
		c, err := ParseOID(idx)
		if err != nil || len(c) != 2 {
			current.st.skip(whyIndex, idx)
			continue
		}
		if !validVLAN(int64(c[1])) {
			current.st.skip(whyVLANRange, fmt.Sprintf("VLAN %d", c[1]))
			continue
		}
		current.st.keep(1)
		vid := int(c[1])
		v := d.vlan(vid)
		if st, ok := integer(row[6]); ok {
			v.status = map[int64]string{1: "other", 2: "permanent", 3: "dynamic"}[st]
		}
		if f, ok := integer(row[colVlanFdbID]); ok {
			served = true
			if old, seen := fdb.m[int(f)]; seen && old != vid {
				fdb.shared[int(f)] = true
			}
			fdb.m[int(f)] = vid
		}
		eg, _ := octets(row[4])
		un, _ := octets(row[5])
		add(vid, eg, un)
	}
	current.st.done()
	// The walk is column by column: a value past dot1qVlanFdbId, or an end
	// without error, means the column was read whole.
	complete := current.err == nil || pastFdbID
	switch {
	case served:
		fdb.why = "FDB id not in dot1qVlanFdbId"
		if !complete {
			fdb.why = "FDB id not mapped: dot1qVlanCurrentTable failed part way"
		}
	case !complete:
		fdb.why = "FDB id not mapped: dot1qVlanCurrentTable not read"
	case strings.HasPrefix(d.sysObjectID+".", oidJuniperEnterprise):
		fdb.why = "FDB id not mapped: Junos without dot1qVlanFdbId"
	default:
		fdb.identity = true
	}

	for i, eg := range egress {
		p, ok := d.ports[i]
		if !ok {
			continue
		}
		slices.Sort(eg)
		eg = slices.Compact(eg)
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

	// The group keeps its previous facts when one of its tables failed on
	// time (a timeout: the next run reads it whole, and stating the VLANs
	// without it would close facts that are still true), or when every table
	// failed. A table an agent answers with an error every time is left out
	// and reported, so that the others' facts stay current.
	errs := []error{static.err, current.err, pvidErr}
	if bp.err != nil && len(egress)+len(static.t)+len(current.t) > 0 {
		errs = append(errs, fmt.Errorf("vlan ports: %w", bp.err))
	}
	if len(vtp.t) > 0 || vtp.err != nil {
		d.readVTPVlans(vtp)
		errs = append(errs, vtp.err)
		errs = append(errs, d.readCiscoTrunks(ctx, s)...)
	}
	var first error
	for _, err := range errs {
		if err != nil && transient(err) {
			d.fail(groupVLAN, err)
			return fdb
		}
		if first == nil {
			first = err
		}
	}
	if first != nil && len(d.vlans) == 0 && len(d.members) == 0 {
		d.fail(groupVLAN, first)
		return fdb
	}
	for _, st := range d.stats {
		if st.h.Group == groupVLAN && st.h.Error != "" {
			d.partialFail(groupVLAN, st.h.Table, st.h.Rows, errors.New(st.h.Error))
		}
	}
	return fdb
}

// readPVID walks dot1qPvid: bridge port → its PVID (the access or native
// VLAN). A PVID of 0 (no PVID, sent by VOSS, ArubaOS-CX, Ruijie) or 4095
// (Eltex) is skipped, as are bridge ports of no interface. A failure part
// way keeps what was read, and is returned.
func (d *device) readPVID(ctx context.Context, s *session, bp basePortMap) (map[int]int, error) {
	st := d.tab(groupVLAN, "dot1qPvid")
	defer st.done()
	pvid := map[int]int{}
	err := s.walkInts(ctx, st, "dot1qPvid", oidDot1qPvid, "bridge port", func(port int, n int64) (string, string) {
		if !validVLAN(n) {
			return whyVLANRange, fmt.Sprintf("bridge port %d PVID %d", port, n)
		}
		i, ok := bp.m[port]
		if !ok {
			return whyNoInterface, fmt.Sprintf("bridge port %d", port)
		}
		pvid[i] = int(n)
		return "", ""
	})
	st.failed(err)
	return pvid, err
}

// readVTPVlans states the VLANs of CISCO-VTP-MIB vtpVlanTable (index
// managementDomain.vlan).
func (d *device) readVTPVlans(vtp bridgeRead) {
	defer vtp.st.done()
	for _, idx := range sortedIndexes(vtp.t) {
		row := vtp.t[idx]
		c, err := ParseOID(idx)
		switch {
		case err != nil || len(c) != 2:
			vtp.st.skip(whyIndex, idx)
			continue
		case !validVLAN(int64(c[1])):
			vtp.st.skip(whyVLANRange, fmt.Sprintf("VLAN %d", c[1]))
			continue
		}
		vtp.st.keep(1)
		v := d.vlan(int(c[1]))
		v.name, _ = str(row[4])
		if st, ok := integer(row[2]); ok {
			v.status = map[int64]string{1: "operational", 2: "suspended", 3: "mtuTooBigForDevice", 4: "mtuTooBigForTrunk"}[st]
		}
	}
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
// VLANs of CISCO-VLAN-MEMBERSHIP-MIB. It returns the tables' errors (the
// rows read before one are used).
func (d *device) readCiscoTrunks(ctx context.Context, s *session) []error {
	tr := d.readBridgeTable(ctx, s, groupVLAN, "vlanTrunkPortTable", oidVTPTrunk, 4, 5, 13, 17, 18, 19)
	access := map[int]int{}
	st := d.tab(groupVLAN, "vmVlan")
	err := s.walkInts(ctx, st, "vmVlan", oidVMVlan, "ifIndex", func(i int, n int64) (string, string) {
		switch {
		case !validVLAN(n):
			return whyVLANRange, fmt.Sprintf("ifIndex %d VLAN %d", i, n)
		case d.ports[i] == nil:
			return whyNoPort, fmt.Sprintf("ifIndex %d", i)
		}
		access[i] = int(n)
		return "", ""
	})
	st.failed(err)
	for _, idx := range sortedIndexes(tr.t) {
		row := tr.t[idx]
		i, err := strconv.Atoi(idx)
		if err != nil {
			tr.st.skip(whyIndex, idx)
			continue
		}
		p, ok := d.ports[i]
		if !ok {
			tr.st.skip(whyNoPort, "ifIndex "+idx)
			continue
		}
		st, ok := integer(row[13])
		if !ok {
			tr.st.skip("no trunking state", "ifIndex "+idx)
			continue
		}
		tr.st.keep(1)
		if st != 1 { // not trunking
			continue
		}
		var allowed []int
		for col, base := range map[uint32]int{4: 0, 17: 1024, 18: 2048, 19: 3072} {
			if b, ok := octets(row[col]); ok {
				allowed = append(allowed, VLANBitmap(b, base)...)
			}
		}
		slices.Sort(allowed)
		allowed = slices.DeleteFunc(slices.Compact(allowed), func(v int) bool { return !validVLAN(int64(v)) })
		native, _ := integer(row[5])
		if !validVLAN(native) {
			native = 0
		}
		p.mode, p.nativeVLAN, p.allowed = "trunk", int(native), allowed
		for _, vid := range allowed {
			if _, exists := d.vlans[vid]; exists {
				d.members = append(d.members, membership{ifIndex: i, vid: vid, tagged: vid != int(native)})
			}
		}
	}
	tr.st.done()
	for _, i := range sortedKeys(access) {
		p := d.ports[i]
		if p.mode == "trunk" {
			continue
		}
		p.mode, p.accessVLAN = "access", access[i]
		d.members = append(d.members, membership{ifIndex: i, vid: access[i]})
	}
	st.done()
	return []error{tr.err, err}
}

func sortedKeys(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var fdbStatus = map[int64]string{1: "other", 2: "invalid", 3: "learned", 4: "self", 5: "mgmt"}

// readFDB reads the forwarding table: Q-BRIDGE dot1qTpFdbTable, else on a
// Cisco with VTP VLANs BRIDGE-MIB per VLAN (community@vlan) beside the
// default context, else BRIDGE-MIB without VLANs. A Q-BRIDGE table that
// fails before its first row falls back to BRIDGE-MIB (many agents serve
// both). The rows of a table that fails part way are stated; the group
// keeps its previous facts when nothing could be read, when a table failed
// on time (a timeout: half a table would close the facts of MACs still
// there), or when the bridge ports could not be read (no row could be
// placed on a port).
func (d *device) readFDB(ctx context.Context, cfg Configuration, cr credentials, s *session, cnt *counters, bp basePortMap, fdbIDs fdbVLANs, vtp bridgeRead) {
	q := d.readBridgeTable(ctx, s, groupFDB, "dot1qTpFdbTable", oidDot1qTpFdb, 2, 3)
	defer q.st.done()
	switch {
	case q.err != nil && transient(q.err):
		d.fail(groupFDB, q.err)
		return
	case len(q.t) > 0 && bp.unusable():
		d.fail(groupFDB, fmt.Errorf("fdb ports: %w", bp.err))
		return
	case len(q.t) > 0:
		ids := d.tab(groupFDB, "dot1qVlanFdbId")
		d.fdb = append(d.fdb, addFDB(q, bp.m, d.ports, func(c []uint32) (int, []uint32, bool) {
			if len(c) != 7 {
				return 0, nil, false
			}
			return int(c[0]), c[1:], true
		}, fdbIDs, ids)...)
		ids.done()
		d.partial(groupFDB, q)
		return
	}
	if len(vtp.t) > 0 {
		if err := d.ciscoFDB(ctx, cfg, cr, s, cnt, bp, vtp); err != nil {
			d.fail(groupFDB, err)
		}
		return
	}
	t := d.readBridgeTable(ctx, s, groupFDB, "dot1dTpFdbTable", oidDot1dTpFdb, 2, 3)
	defer t.st.done()
	switch {
	case t.unusable() && q.err != nil:
		d.fail(groupFDB, errors.Join(q.err, t.err))
		return
	case t.unusable():
		d.fail(groupFDB, t.err)
		return
	case len(t.t) > 0 && bp.unusable():
		d.fail(groupFDB, fmt.Errorf("fdb ports: %w", bp.err))
		return
	}
	d.fdb = append(d.fdb, addFDB(t, bp.m, d.ports, dot1dIndex(0), fdbVLANs{}, nil)...)
	d.partial(groupFDB, t)
}

// dot1dIndex splits a dot1dTpFdbTable index (a MAC) and gives it vid.
func dot1dIndex(vid int) func([]uint32) (int, []uint32, bool) {
	return func(c []uint32) (int, []uint32, bool) {
		if len(c) != 6 {
			return 0, nil, false
		}
		return vid, c, true
	}
}

// ciscoFDB reads a Cisco's forwarding table: BRIDGE-MIB in the context of
// each operational VLAN of vtpVlanTable (community@vid in v2c, context
// vlan-<vid> in v3), then in the default context, whose entries (VLAN
// unknown) add only the MACs no VLAN context placed on that port. A context
// that does not answer is counted in the "VLAN contexts" table (skip reason
// "vlan context did not answer", example "VLAN 110") and the others are
// read: their entries are stated, the silent VLAN's are not. After
// maxContextTimeouts contexts in a row time out, the rest are not tried
// (counted too). It returns an error when no entry could be read and a
// table failed.
func (d *device) ciscoFDB(ctx context.Context, cfg Configuration, cr credentials, s *session, cnt *counters, bp basePortMap, vtp bridgeRead) error {
	type vlanState struct {
		vid   int
		state int64
	}
	var vids []vlanState
	for _, idx := range sortedIndexes(vtp.t) {
		c, err := ParseOID(idx)
		if err != nil || len(c) != 2 || !validVLAN(int64(c[1])) {
			continue // counted by readVTPVlans
		}
		st, ok := integer(vtp.t[idx][2])
		if !ok {
			st = 1
		}
		vids = append(vids, vlanState{int(c[1]), st})
	}
	slices.SortFunc(vids, func(a, b vlanState) int { return a.vid - b.vid })

	contexts := d.tab(groupFDB, "VLAN contexts")
	ports := d.tab(groupFDB, "dot1dBasePortIfIndex (VLAN contexts)")
	rows := d.tab(groupFDB, "dot1dTpFdbTable (VLAN contexts)")
	seen := map[fdbKey]bool{}
	var firstErr error
	timeouts, before := 0, len(d.fdb)
	for _, v := range vids {
		contexts.row(1)
		example := fmt.Sprintf("VLAN %d", v.vid)
		switch {
		case v.vid >= 1002 && v.vid <= 1005:
			contexts.skip("FDDI/Token Ring default VLAN", example)
			continue
		case v.state != 1:
			contexts.skip("VLAN not operational", example)
			continue
		case timeouts >= maxContextTimeouts:
			contexts.skip(fmt.Sprintf("not tried: %d contexts in a row did not answer", maxContextTimeouts), example)
			continue
		case ctx.Err() != nil:
			contexts.skip("not tried: run cancelled", example)
			continue
		}
		entries, err := d.vlanContextFDB(ctx, cfg, cr, cnt, v.vid, ports, rows)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		switch {
		case err == nil:
			timeouts = 0
			contexts.keep(1)
		case errors.Is(err, errContextSilent):
			timeouts++
			contexts.skip("vlan context did not answer", example)
		case errors.Is(err, errContextEmpty):
			timeouts = 0
			contexts.skip("vlan context answered no bridge ports", example)
		case len(entries) == 0:
			timeouts = 0
			if errors.Is(err, ErrNoResponse) {
				timeouts = 1
			}
			contexts.skip("vlan context failed", example)
			contexts.failed(err)
		default: // the rows read before the failure are stated
			timeouts = 0
			contexts.keep(1)
			contexts.failed(err)
			d.partialFail(groupFDB, fmt.Sprintf("dot1dTpFdbTable (VLAN %d)", v.vid), len(entries), err)
		}
		for _, e := range entries {
			seen[fdbKey{e.ifIndex, e.mac}] = true
		}
		d.fdb = append(d.fdb, entries...)
	}
	contexts.done()
	ports.done()
	rows.done()

	t := d.readBridgeTable(ctx, s, groupFDB, "dot1dTpFdbTable", oidDot1dTpFdb, 2, 3)
	defer t.st.done()
	switch {
	case t.unusable():
		if firstErr == nil {
			firstErr = t.err
		}
	case len(t.t) > 0 && bp.unusable():
		firstErr = fmt.Errorf("fdb ports: %w", bp.err)
	default:
		for _, e := range addFDB(t, bp.m, d.ports, dot1dIndex(0), fdbVLANs{}, nil) {
			if !seen[fdbKey{e.ifIndex, e.mac}] {
				d.fdb = append(d.fdb, e)
			}
		}
		d.partial(groupFDB, t)
	}
	if len(d.fdb) == before && firstErr != nil {
		return firstErr
	}
	return nil
}

type fdbKey struct {
	ifIndex int
	mac     string
}

// Why a VLAN context yielded nothing.
var (
	errContextSilent = errors.New("vlan context did not answer")
	errContextEmpty  = errors.New("vlan context answered no bridge ports")
)

// vlanContextFDB reads BRIDGE-MIB in the context of one VLAN, counting into
// the shared counters of the VLAN contexts' tables. A context that does not
// answer costs one walk (its bridge ports), not two. Entries read before a
// failure are returned with it.
func (d *device) vlanContextFDB(ctx context.Context, cfg Configuration, cr credentials, cnt *counters, vid int, ports, rows *tstat) ([]fdbEntry, error) {
	ctxName := fmt.Sprintf("%s@%d", cr.community, vid)
	if cfg.Version == "3" {
		ctxName = fmt.Sprintf("vlan-%d", vid)
	}
	vs, err := dial(cfg, cr, d.addr, ctxName, cnt)
	if err != nil {
		return nil, fmt.Errorf("vlan %d: %w", vid, err)
	}
	defer vs.close()
	vs.next = false
	bp := basePortMap{m: map[int]int{}}
	bp.err = vs.walkInts(ctx, ports, "dot1dBasePortIfIndex", oidBasePortIf, fmt.Sprintf("VLAN %d bridge port", vid), func(port int, i int64) (string, string) {
		if d.ports[int(i)] == nil {
			return whyNoPort, fmt.Sprintf("VLAN %d bridge port %d → ifIndex %d", vid, port, i)
		}
		bp.m[port] = int(i)
		return "", ""
	})
	switch {
	case bp.err != nil && len(bp.m) == 0 && errors.Is(bp.err, ErrNoResponse):
		return nil, fmt.Errorf("%w: vlan %d: %w", errContextSilent, vid, bp.err)
	case bp.unusable():
		ports.failed(bp.err)
		return nil, fmt.Errorf("vlan %d: %w", vid, bp.err)
	case len(bp.m) == 0:
		return nil, errContextEmpty
	}
	ports.failed(bp.err)
	t, err := vs.tableStat(ctx, rows, "dot1dTpFdbTable", oidDot1dTpFdb, 2, 3)
	rows.row(len(t))
	rows.failed(err)
	r := bridgeRead{t: t, st: rows, err: err}
	entries := addFDB(r, bp.m, d.ports, dot1dIndex(vid), fdbVLANs{}, nil)
	if err == nil {
		err = bp.err
	}
	if err != nil {
		return entries, fmt.Errorf("vlan %d: %w", vid, err)
	}
	return entries, nil
}

// addFDB turns FDB rows into entries, counting each row kept or skipped in
// r's counters. split returns the FDB id (or VLAN) and the MAC components of
// a row index, false when the index has the wrong shape. With ids given, the
// FDB id is mapped to a VLAN through fdb, and every FDB id seen is counted
// there (mapped, or skipped with why: the entry is kept without a VLAN).
func addFDB(r bridgeRead, basePorts map[int]int, ports map[int]*port, split func([]uint32) (int, []uint32, bool), fdb fdbVLANs, ids *tstat) []fdbEntry {
	var out []fdbEntry
	seenID := map[int]bool{}
	for _, idx := range sortedIndexes(r.t) {
		row := r.t[idx]
		c, err := ParseOID(idx)
		if err != nil {
			r.st.skip(whyIndex, idx)
			continue
		}
		vid, m, ok := split(c)
		if !ok {
			r.st.skip(whyIndex, idx)
			continue
		}
		mac, ok := MACIndex(m)
		if !ok {
			r.st.skip(whyNotMAC, idx)
			continue
		}
		v, ok := row[2]
		if !ok {
			r.st.skip(whyNoPortColumn, idx)
			continue
		}
		bport, ok := integer(v)
		if !ok {
			r.st.skip("port is not an integer", fmt.Sprintf("%s port %v", idx, v.Type))
			continue
		}
		st, _ := integer(row[3])
		if st == 2 {
			r.st.skip(whyInvalid, idx)
			continue
		}
		if bport == 0 {
			r.st.skip(whyPortZero, idx)
			continue
		}
		i, ok := basePorts[int(bport)]
		if !ok || ports[i] == nil {
			r.st.skip(whyNoInterface, fmt.Sprintf("%s port %d", idx, bport))
			continue
		}
		if ids != nil {
			fid := vid
			var why string
			vid, why = fdb.vlan(fid)
			if !seenID[fid] {
				seenID[fid] = true
				ids.row(1)
				if why == "" {
					ids.keep(1)
				} else {
					ids.skip(why, fmt.Sprintf("FDB id %d", fid))
				}
			}
		}
		r.st.keep(1)
		out = append(out, fdbEntry{ifIndex: i, mac: mac, vlan: vid, status: fdbStatus[st]})
	}
	return out
}
