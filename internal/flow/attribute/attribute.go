// Package attribute says who is on each side of a flow record at the
// record's moment: a VM's vNIC (by MAC when the record carries one, else by
// IP) with the VM's applications, something the map knows that is no VM (a
// host NIC, an address in a switch's ARP table, a switch), an external
// address, or an unknown one (flow.Class*); and, for a record a known switch
// exported, which switch port and port-channel its ifIndexes name.
//
// An Index is built from fact versions with their validity intervals rather
// than from the facts valid at one moment. Per-moment indexes would need one
// index per change (or would attribute every record of a window to the state
// at the refresh), and a record would still have to pick the index of its
// moment; intervals give exactly the store's semantics with one structure:
// one index answers any moment of the window it was loaded for, so a record
// from before a re-addressing or a MAC move at T goes to the old owner and a
// record from after it to the new one, even when both arrive after T. Its
// size is that of the versions in the window, and a lookup scans the few
// versions of one key (usually one). An Index is immutable: a refresh builds
// a new one and swaps it in.
//
// It is not for decoding, aggregating or storing flows.
package attribute

import (
	"net/netip"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
)

// Moment is a point in time in microseconds since the Unix epoch (the
// store's resolution). Lookups take a Moment rather than a time.Time so that
// a record's time is converted once.
type Moment int64

// MomentOf returns t as a Moment.
func MomentOf(t time.Time) Moment { return Moment(t.UnixMicro()) }

// Time returns m as a time.Time in UTC.
func (m Moment) Time() time.Time { return time.UnixMicro(int64(m)).UTC() }

// forever is the end of an interval that is still open.
const forever = Moment(1<<63 - 1)

// Port is a switch port as flow records name it: the port's model ID, and
// its port-channel's when it is a member (the port-channel itself, when the
// ifIndex is the port-channel's).
type Port struct {
	ID      string
	Channel string
}

// The endpoints that name no VM are shared: every record of their class
// gets the same pointer. Callers must not modify an endpoint the index
// returns; its Addr is always empty (the record's address goes with it).
var (
	known    = &flow.Endpoint{Class: flow.ClassKnown}
	external = &flow.Endpoint{Class: flow.ClassExternal}
	unknown  = &flow.Endpoint{Class: flow.ClassUnknown}
)

// Evidence ranks: a VM's own report (vNIC MAC, guest IP) outranks an IP the
// switches' ARP tables resolve to a VM's MAC.
const (
	rankDirect uint8 = iota
	rankARP
)

// segment says that key (a MAC or an address) was ep's during [from, to).
type segment struct {
	from, to Moment
	ep       *flow.Endpoint
	rank     uint8
}

// portSeg says that an ifIndex named port during [from, to).
type portSeg struct {
	from, to Moment
	port     *Port
}

// Exporter is a known switch as the exporter of flow records.
type Exporter struct {
	// Switch is the switch's model ID.
	Switch string
	ports  intTable[portSeg] // ifIndex → segments
}

type exporterSeg struct {
	from, to Moment
	exp      *Exporter
}

// Index answers attribution questions for any moment of the window it was
// built for. It is immutable and safe for concurrent use; lookups do not
// allocate.
type Index struct {
	macs intTable[segment] // MAC (macKey) → segments
	ip4  intTable[segment] // IPv4 address (v4Key) → segments
	ip6  map[[16]byte][]segment

	exporters map[netip.Addr][]exporterSeg

	nets4      intTable[struct{}]  // /24 networks of known IPv4 addresses (a set)
	nets6      map[uint64]struct{} // /64 networks of known IPv6 addresses
	configured []netip.Prefix

	// From and To bound the window the index was loaded for (zero when it
	// was built from versions directly).
	From, To time.Time
	// Stats counts what the index holds.
	Stats Stats
}

// Stats counts the keys of an index.
type Stats struct {
	MACs      int `json:"macs"`
	Addresses int `json:"addresses"`
	Segments  int `json:"segments"`
	Exporters int `json:"exporters"`
	Ports     int `json:"ports"`
}

// macKey packs a MAC into an integer; 0 is the zero MAC (none).
func macKey(m [6]byte) uint64 {
	return uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
}

// pick returns the VM endpoint of a key's segments (first, then more)
// valid at at (the best-ranked one; nil when none, or when two VMs of that
// rank claim the key) and whether a non-VM owner is valid at at.
func pick(first *segment, more []segment, at Moment) (vm *flow.Endpoint, isKnown bool) {
	if len(more) == 0 { // the usual case
		switch {
		case at < first.from || at >= first.to:
			return nil, false
		case first.ep == known:
			return nil, true
		}
		return first.ep, false
	}
	rank := uint8(255)
	ambiguous := false
	for i := -1; i < len(more); i++ {
		s := first
		if i >= 0 {
			s = &more[i]
		}
		if at < s.from || at >= s.to {
			continue
		}
		if s.ep == known {
			isKnown = true
			continue
		}
		switch {
		case vm == nil || s.rank < rank:
			vm, rank, ambiguous = s.ep, s.rank, false
		case s.rank == rank && s.ep.VM != vm.VM:
			ambiguous = true
		}
	}
	if ambiguous {
		return nil, isKnown
	}
	return vm, isKnown
}

// Endpoint attributes one side of a record at moment at: mac is the side's
// MAC (zero when the record has none), addr its address (invalid when it
// has none). The order is: the VM whose vNIC has the MAC; the VM whose vNIC
// has the address (as the VM reports it, else as a switch's ARP table
// resolves it to a vNIC's MAC); a known device with the address; external
// when the address is outside every internal network; a known device with
// the MAC; unknown. A key two VMs claim at the same moment (a duplicate MAC
// or address) attributes to neither. The endpoint is shared and must not be
// modified; its Addr is empty.
func (ix *Index) Endpoint(mac [6]byte, addr netip.Addr, at Moment) *flow.Endpoint {
	macKnown := false
	if k := macKey(mac); k != 0 {
		if sl := ix.macs.get(k); sl != nil {
			var vm *flow.Endpoint
			if vm, macKnown = pick(&sl.first, ix.macs.more(sl), at); vm != nil {
				return vm
			}
		}
	}
	if addr.IsValid() {
		addr = addr.Unmap()
		var vm *flow.Endpoint
		var isKnown bool
		if addr.Is4() {
			if sl := ix.ip4.get(uint64(v4Key(addr))); sl != nil {
				vm, isKnown = pick(&sl.first, ix.ip4.more(sl), at)
			}
		} else if segs := ix.ip6[addr.As16()]; len(segs) > 0 {
			vm, isKnown = pick(&segs[0], segs[1:], at)
		}
		if vm != nil {
			return vm
		}
		if isKnown {
			return known
		}
		if !ix.Internal(addr) {
			return external
		}
	}
	if macKnown {
		return known
	}
	return unknown
}

func v4Key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Internal reports whether addr is in an internal network: one of the
// configured prefixes, or the /24 (IPv4) or /64 (IPv6) of an address the
// index knows (a VM's, one in a switch's ARP table, a switch's or a
// neighbour's management address). Outside them, an address is external.
func (ix *Index) Internal(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is4() {
		if ix.nets4.get(uint64(v4Key(addr)&0xffffff00)) != nil {
			return true
		}
	} else if addr.Is6() {
		b := addr.As16()
		if _, ok := ix.nets6[net64(b)]; ok {
			return true
		}
	}
	for _, p := range ix.configured {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func net64(b [16]byte) uint64 {
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// Exporter returns the switch that exports from addr at moment at (by its
// management address, or an address its neighbours know it by), or nil.
func (ix *Index) Exporter(addr netip.Addr, at Moment) *Exporter {
	for _, s := range ix.exporters[addr.Unmap()] {
		if at >= s.from && at < s.to {
			return s.exp
		}
	}
	return nil
}

// Port returns the port that ifIndex names on the exporter's switch at
// moment at, or nil.
func (e *Exporter) Port(ifIndex uint32, at Moment) *Port {
	if e == nil || ifIndex == 0 {
		return nil
	}
	sl := e.ports.get(uint64(ifIndex))
	if sl == nil {
		return nil
	}
	if at >= sl.first.from && at < sl.first.to {
		return sl.first.port
	}
	for _, s := range e.ports.more(sl) {
		if at >= s.from && at < s.to {
			return s.port
		}
	}
	return nil
}

// interval is a validity interval [from, to).
type interval struct{ from, to Moment }

func intervalOf(v model.Version) interval {
	iv := interval{MomentOf(v.From), forever}
	if !v.To.IsZero() {
		iv.to = MomentOf(v.To)
	}
	return iv
}

func (a interval) intersect(b interval) (interval, bool) {
	r := interval{max(a.from, b.from), min(a.to, b.to)}
	return r, r.from < r.to
}
