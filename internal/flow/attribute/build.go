package attribute

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
)

// piece is a value valid during an interval.
type piece[T any] struct {
	iv interval
	v  T
}

// cover walks iv along pieces (sorted by start): emit gets every part of iv
// a piece covers, with the piece's value and true, and every part no piece
// covers, with false. Overlapping pieces each emit their part.
func cover[T any](iv interval, pieces []piece[T], emit func(interval, T, bool)) {
	var zero T
	cur := iv.from
	for _, p := range pieces {
		sub, ok := iv.intersect(p.iv)
		if !ok {
			continue
		}
		if sub.from > cur {
			emit(interval{cur, sub.from}, zero, false)
		}
		emit(sub, p.v, true)
		cur = max(cur, sub.to)
	}
	if cur < iv.to {
		emit(interval{cur, iv.to}, zero, false)
	}
}

func sortPieces[T any](m map[model.ID][]piece[T]) {
	for _, ps := range m {
		slices.SortFunc(ps, func(a, b piece[T]) int { return cmpMoment(a.iv.from, b.iv.from) })
	}
}

func cmpMoment(a, b Moment) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// arpEntry is an arp relation: addr resolved to mac during iv.
type arpEntry struct {
	addr netip.Addr
	iv   interval
	mac  uint64
}

type keyedIV[K any] struct {
	key K
	iv  interval
	id  model.ID
}

// builder accumulates what Build indexes.
type builder struct {
	rules []correlate.AppRule
	eps   map[[2]string]*flow.Endpoint
	ports map[Port]*Port

	macs map[uint64][]segment
	ip4  map[uint32][]segment
	ip6  map[[16]byte][]segment

	nets4 map[uint32]struct{}
	nets6 map[uint64]struct{}
}

// endpoint returns the one endpoint of VM vm with applications apps.
func (b *builder) endpoint(vm model.ID, apps string) *flow.Endpoint {
	k := [2]string{string(vm), apps}
	ep := b.eps[k]
	if ep == nil {
		ep = &flow.Endpoint{Class: flow.ClassVM, VM: string(vm), App: apps}
		b.eps[k] = ep
	}
	return ep
}

func (b *builder) port(p Port) *Port {
	if q := b.ports[p]; q != nil {
		return q
	}
	q := &p
	b.ports[p] = q
	return q
}

// apps returns the applications of a VM version under the rules, the same
// membership the graph derives (correlate.Applications).
func (b *builder) apps(v model.Version) string {
	var names []string
	for _, a := range correlate.Applications(v.From, []model.Version{v}, b.rules) {
		if !a.IsRelation() && a.Kind == model.KindApplication {
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, ",")
}

func (b *builder) addMAC(mac uint64, s segment) {
	if mac != 0 {
		b.macs[mac] = append(b.macs[mac], s)
	}
}

func (b *builder) addAddr(a netip.Addr, s segment) {
	if a.Is4() {
		k := v4Key(a)
		b.ip4[k] = append(b.ip4[k], s)
		b.nets4[k&0xffffff00] = struct{}{}
	} else {
		k := a.As16()
		b.ip6[k] = append(b.ip6[k], s)
		b.nets6[net64(k)] = struct{}{}
	}
}

// parseMAC returns a MAC in any usual spelling as a key (0 when it is none).
func parseMAC(s string) uint64 {
	n := model.NormalizeMAC(s)
	if n == "" {
		return 0
	}
	hw, err := net.ParseMAC(n)
	if err != nil || len(hw) != 6 {
		return 0
	}
	return macKey([6]byte(hw))
}

// parseAddr returns an address, unmapped; invalid for anything else
// (including a zone, which no flow record carries).
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}
	}
	return a.Unmap()
}

// deviceNames returns the folded names a device may be called by: as
// given, without a CDP serial suffix ("leaf1(FDO2231)") and without its
// domain.
func deviceNames(ss ...string) []string {
	var r []string
	for _, s := range ss {
		s = strings.ToLower(strings.TrimSpace(s))
		if i := strings.IndexByte(s, '('); i > 0 {
			s = s[:i]
		}
		if s == "" {
			continue
		}
		r = append(r, s)
		if short, _, ok := strings.Cut(s, "."); ok && short != "" && !parseAddr(s).IsValid() {
			r = append(r, short)
		}
	}
	return r
}

// Build indexes versions of any moments (the store's versions with their
// validity intervals; duplicates and derived versions are ignored) with the
// application rules rules and the configured internal networks internal.
//
// What it reads: vm entities (applications, as correlate.Applications
// derives them from each version), has_vnic, vnic `mac`, has_ip; as known
// non-VM MACs: pnic `mac` (a host's VMkernel ports share them), mac entities
// (forwarding tables), port `mac`, switch `chassis_id` and the MACs of arp
// relations; as known non-VM addresses: arp relations (an address resolved
// to a VM's MAC attributes to that VM, below the VM's own report), switch
// `address` (and a switch ID that is an address), and the management
// addresses neighbours announce (port `lldp_mgmt_addr`, `cdp_address`; pnic
// `cdp_address`). An exporter is a switch by its `address`, and by every
// neighbour-announced address whose system name is the switch's; its ports
// are the port and portchannel entities of the switch with an `ifindex`,
// with in_lag for their port-channel.
func Build(versions []model.Version, rules []correlate.AppRule, internal []netip.Prefix) *Index {
	b := &builder{
		rules: rules,
		eps:   map[[2]string]*flow.Endpoint{},
		ports: map[Port]*Port{},
		macs:  map[uint64][]segment{},
		ip4:   map[uint32][]segment{},
		ip6:   map[[16]byte][]segment{},
		nets4: map[uint32]struct{}{},
		nets6: map[uint64]struct{}{},
	}
	type portVersion struct {
		sw      string
		ifIndex uint32
		iv      interval
		id      model.ID
		channel bool
	}
	type named struct {
		addr netip.Addr
		iv   interval
		name string
	}
	var (
		seen      = map[string]bool{}
		vms       = map[model.ID][]piece[*flow.Endpoint]{}
		vnicVM    = map[model.ID][]piece[model.ID]{}
		inLAG     = map[model.ID][]piece[model.ID]{}
		vnicMACs  []keyedIV[uint64]
		vnicAddrs []keyedIV[netip.Addr]
		arps      []arpEntry
		portVers  []portVersion
		swAddrs   []keyedIV[netip.Addr] // id is the switch
		neighbour []named               // addresses announced with a system name
		swByName  = map[string]model.ID{}
	)
	knownMAC := func(mac uint64, iv interval) { b.addMAC(mac, segment{iv.from, iv.to, known, rankDirect}) }
	knownAddr := func(a netip.Addr, iv interval) {
		if a.IsValid() {
			b.addAddr(a, segment{iv.from, iv.to, known, rankDirect})
		}
	}
	for _, v := range versions {
		if v.Source == correlate.Source {
			continue
		}
		iv := intervalOf(v)
		if iv.from >= iv.to {
			continue
		}
		dedup := v.Source + "\x00" + v.Key() + "\x00" + strconv.FormatInt(int64(iv.from), 10)
		if seen[dedup] {
			continue
		}
		seen[dedup] = true
		switch {
		case v.Rel == model.RelHasVNIC:
			vnicVM[v.Object] = append(vnicVM[v.Object], piece[model.ID]{iv, v.Subject})
		case v.Rel == model.RelHasIP:
			if a := parseAddr(v.Object.Key()); a.IsValid() {
				vnicAddrs = append(vnicAddrs, keyedIV[netip.Addr]{a, iv, v.Subject})
			}
		case v.Rel == model.RelARP:
			if a := parseAddr(v.Object.Key()); a.IsValid() {
				arps = append(arps, arpEntry{a, iv, parseMAC(v.Attrs["mac"])})
				knownAddr(a, iv)
			}
			knownMAC(parseMAC(v.Attrs["mac"]), iv)
		case v.Rel == model.RelInLAG:
			inLAG[v.Subject] = append(inLAG[v.Subject], piece[model.ID]{iv, v.Object})
		case v.IsRelation():
		case v.Kind == model.KindVM:
			vms[v.Subject] = append(vms[v.Subject], piece[*flow.Endpoint]{iv, b.endpoint(v.Subject, b.apps(v))})
		case v.Kind == model.KindVNIC:
			if m := parseMAC(v.Attrs["mac"]); m != 0 {
				vnicMACs = append(vnicMACs, keyedIV[uint64]{m, iv, v.Subject})
			}
		case v.Kind == model.KindPNIC:
			knownMAC(parseMAC(v.Attrs["mac"]), iv)
			if a := parseAddr(v.Attrs["cdp_address"]); a.IsValid() {
				neighbour = append(neighbour, named{a, iv, v.Attrs["cdp_device"]})
			}
		case v.Kind == model.KindMAC:
			knownMAC(parseMAC(v.Subject.Key()), iv)
		case v.Kind == model.KindSwitch:
			for _, n := range deviceNames(v.Subject.Key(), v.Name) {
				swByName[n] = v.Subject
			}
			for _, s := range []string{v.Attrs["address"], v.Subject.Key()} {
				if a := parseAddr(s); a.IsValid() {
					swAddrs = append(swAddrs, keyedIV[netip.Addr]{a, iv, v.Subject})
				}
			}
			knownMAC(parseMAC(v.Attrs["chassis_id"]), iv)
		case v.Kind == model.KindPort, v.Kind == model.KindPortChannel:
			knownMAC(parseMAC(v.Attrs["mac"]), iv)
			if a := parseAddr(v.Attrs["lldp_mgmt_addr"]); a.IsValid() {
				neighbour = append(neighbour, named{a, iv, v.Attrs["lldp_system"]})
			}
			if a := parseAddr(v.Attrs["cdp_address"]); a.IsValid() {
				neighbour = append(neighbour, named{a, iv, v.Attrs["cdp_device"]})
			}
			sw, _, _ := strings.Cut(v.Subject.Key(), "/")
			if n, err := strconv.ParseUint(v.Attrs["ifindex"], 10, 32); err == nil && n > 0 && sw != "" {
				portVers = append(portVers, portVersion{sw, uint32(n), iv, v.Subject, v.Kind == model.KindPortChannel})
			}
		}
	}
	sortPieces(vms)
	sortPieces(vnicVM)
	sortPieces(inLAG)

	// vmOf emits the VM endpoints of vnic during iv: through has_vnic to the
	// VM, and through the VM's versions to its applications.
	vmOf := func(vnic model.ID, iv interval, emit func(interval, *flow.Endpoint)) {
		for _, hv := range vnicVM[vnic] {
			sub, ok := iv.intersect(hv.iv)
			if !ok {
				continue
			}
			cover(sub, vms[hv.v], func(part interval, ep *flow.Endpoint, ok bool) {
				if !ok {
					ep = b.endpoint(hv.v, "")
				}
				emit(part, ep)
			})
		}
	}
	for _, m := range vnicMACs {
		vmOf(m.id, m.iv, func(iv interval, ep *flow.Endpoint) { b.addMAC(m.key, segment{iv.from, iv.to, ep, rankDirect}) })
	}
	for _, a := range vnicAddrs {
		vmOf(a.id, a.iv, func(iv interval, ep *flow.Endpoint) { b.addAddr(a.key, segment{iv.from, iv.to, ep, rankDirect}) })
	}
	// An address a switch resolves to a vNIC's MAC is that VM's, with less
	// weight than the VM's own report.
	for _, a := range arps {
		if a.mac == 0 {
			continue
		}
		for _, s := range b.macs[a.mac] {
			if s.ep == known || s.rank != rankDirect {
				continue
			}
			if sub, ok := a.iv.intersect(interval{s.from, s.to}); ok {
				b.addAddr(a.addr, segment{sub.from, sub.to, s.ep, rankARP})
			}
		}
	}

	// Exporters: switches by their own addresses and by the addresses their
	// neighbours announce for them; every announced address is known.
	exporters := map[model.ID]*Exporter{}
	exporterOf := func(sw model.ID) *Exporter {
		if e := exporters[sw]; e != nil {
			return e
		}
		e := &Exporter{Switch: string(sw)}
		exporters[sw] = e
		return e
	}
	byAddr := map[netip.Addr][]exporterSeg{}
	for _, s := range swAddrs {
		byAddr[s.key] = append(byAddr[s.key], exporterSeg{s.iv.from, s.iv.to, exporterOf(s.id)})
		knownAddr(s.key, s.iv)
	}
	for _, n := range neighbour {
		knownAddr(n.addr, n.iv)
		for _, name := range deviceNames(n.name) {
			if sw, ok := swByName[name]; ok {
				byAddr[n.addr] = append(byAddr[n.addr], exporterSeg{n.iv.from, n.iv.to, exporterOf(sw)})
				break
			}
		}
	}
	portSegs := map[*Exporter]map[uint32][]portSeg{}
	for _, p := range portVers {
		e := exporters[model.NewID(model.KindSwitch, p.sw)]
		if e == nil {
			continue // a switch no address names exports nothing we can match
		}
		m := portSegs[e]
		if m == nil {
			m = map[uint32][]portSeg{}
			portSegs[e] = m
		}
		if p.channel {
			m[p.ifIndex] = append(m[p.ifIndex], portSeg{p.iv.from, p.iv.to, b.port(Port{string(p.id), string(p.id)})})
			continue
		}
		cover(p.iv, inLAG[p.id], func(part interval, pc model.ID, _ bool) {
			m[p.ifIndex] = append(m[p.ifIndex], portSeg{part.from, part.to, b.port(Port{string(p.id), string(pc)})})
		})
	}

	ix := &Index{
		ip6:        make(map[[16]byte][]segment, len(b.ip6)),
		exporters:  make(map[netip.Addr][]exporterSeg, len(byAddr)),
		nets6:      b.nets6,
		configured: slices.Clone(internal),
	}
	for k, segs := range b.macs {
		b.macs[k] = coalesce(segs)
		ix.Stats.Segments += len(b.macs[k])
	}
	ix.macs = newIntTable(b.macs)
	for k, segs := range b.ip4 {
		b.ip4[k] = coalesce(segs)
		ix.Stats.Segments += len(b.ip4[k])
	}
	ix.ip4 = newIntTable(b.ip4)
	for k, segs := range b.ip6 {
		ix.ip6[k] = slices.Clip(coalesce(segs))
		ix.Stats.Segments += len(ix.ip6[k])
	}
	nets4 := make(map[uint32][]struct{}, len(b.nets4))
	for n := range b.nets4 {
		nets4[n] = []struct{}{{}}
	}
	ix.nets4 = newIntTable(nets4)
	for a, segs := range byAddr {
		ix.exporters[a] = coalesceExporters(segs)
	}
	for e, m := range portSegs {
		e.ports = newIntTable(m)
		ix.Stats.Ports += len(m)
	}
	ix.Stats.MACs = len(b.macs)
	ix.Stats.Addresses = len(b.ip4) + len(ix.ip6)
	ix.Stats.Exporters = len(ix.exporters)
	return ix
}

// coalesce merges the overlapping or adjacent segments of one owner and
// rank, so that an address every switch's ARP table holds is one segment.
func coalesce(segs []segment) []segment {
	slices.SortStableFunc(segs, func(a, b segment) int { return cmpMoment(a.from, b.from) })
	type owner struct {
		ep   *flow.Endpoint
		rank uint8
	}
	last := make(map[owner]int, 2)
	out := segs[:0]
	for _, s := range segs {
		k := owner{s.ep, s.rank}
		if j, ok := last[k]; ok && out[j].to >= s.from {
			out[j].to = max(out[j].to, s.to)
			continue
		}
		out = append(out, s)
		last[k] = len(out) - 1
	}
	return out
}

func coalesceExporters(segs []exporterSeg) []exporterSeg {
	slices.SortStableFunc(segs, func(a, b exporterSeg) int { return cmpMoment(a.from, b.from) })
	last := make(map[*Exporter]int, 1)
	out := segs[:0]
	for _, s := range segs {
		if j, ok := last[s.exp]; ok && out[j].to >= s.from {
			out[j].to = max(out[j].to, s.to)
			continue
		}
		out = append(out, s)
		last[s.exp] = len(out) - 1
	}
	return out
}
