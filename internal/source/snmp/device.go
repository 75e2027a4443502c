package snmp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

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

	lldp []lldpNeighbour // in lldpRemTable order
	cdp  []cdpNeighbour  // in cdpCacheTable order
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
	sysName                          string   // as the device sent it
	dupOf                            []string // the other switches with this sysName, sorted
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
	partway                          []string          // tables that failed part way, their rows kept
	basePortIf                       map[int]int       // bridge port → ifIndex, read when LLDP needs it
	stats                            []*tstat          // per table, in reading order
	neighbours                       []neighbourAddr
}

func (d *device) fail(group string, err error) {
	if _, ok := d.failed[group]; !ok {
		d.failed[group] = err.Error()
	}
}

// partialFail records that a table of group failed after rows rows, which
// are kept: the group's facts are stated from them, and the failure is
// reported.
func (d *device) partialFail(group, table string, rows int, err error) {
	d.partway = append(d.partway, fmt.Sprintf("%s: %s failed after %d rows, rows kept: %v", group, table, rows, err))
}

// readTable walks a table, counting into the device's counters of table in
// group. A walk that fails part way on what the agent sent (an OID that does
// not increase, more than max_rows, an error status) keeps the rows read
// before: they are returned and the failure is reported. A table that fails
// before its first row, or on a timeout or a cancelled run (a transient
// failure: the next run reads it whole), fails the group, whose facts stay as
// they were; ok is then false.
func (d *device) readTable(ctx context.Context, s *session, group, name, entry string, cols ...uint32) (t table, st *tstat, ok bool) {
	st = d.tab(group, name)
	t, err := s.tableStat(ctx, st, name, entry, cols...)
	st.row(len(t))
	if err == nil {
		return t, st, true
	}
	st.failed(err)
	if len(t) == 0 || transient(err) {
		st.done()
		d.fail(group, err)
		return nil, st, false
	}
	d.partialFail(group, name, len(t), err)
	return t, st, true
}

// transient reports whether a walk failed on time rather than on what the
// agent answered.
func transient(err error) bool {
	return errors.Is(err, ErrNoResponse) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
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
		d.sysName, _ = str(v)
		d.name = switchName(d.sysName)
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

// sortedIndexes returns a table's row indexes in OID order.
func sortedIndexes(t table) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, CompareOID)
	return keys
}
