package query

// Port and MAC history, as Netdisco's port and node logs: which MACs (and
// so which VMs) a switch port saw and which LLDP/CDP neighbours the switch
// reported on it, and when; where a MAC was learned over time, its vendor and the
// addresses ARP tables resolve to it. They read the stored versions of the
// learned and ARP facts and of the port entities with their validity intervals: the store
// keeps every one.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/ifname"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/oui"
)

// History page bounds.
const (
	// DefaultHistoryLimit is how many entries a port or MAC history
	// returns by default.
	DefaultHistoryLimit = 100
	// MaxHistoryLimit is the most entries one page of a port or MAC
	// history may ask for.
	MaxHistoryLimit = 1000
)

// Page is one page of a long list: Offset entries skipped, at most Limit
// returned, Total in all; NextOffset is the offset of the next page (0 on
// the last).
type Page struct {
	Total      int `json:"total"`
	Offset     int `json:"offset"`
	Limit      int `json:"limit"`
	NextOffset int `json:"next_offset,omitempty"`
}

// Kinds of a port history entry.
const (
	SightingLearned  = "learned"  // a MAC in the port's forwarding-table entries
	SightingNeighbor = "neighbor" // the LLDP/CDP neighbour the switch reported on the port
)

// PortHistoryAnswer is the history of a switch port: newest first.
type PortHistoryAnswer struct {
	At     time.Time `json:"at"`
	ID     model.ID  `json:"id"`
	Switch string    `json:"switch"`
	Port   string    `json:"port"`
	// Related are the interfaces whose entries are included: the port's
	// port-channel, or a port-channel's members.
	Related []string `json:"related,omitempty"`
	// Cabled are the host NICs correlation cables to the port as of At
	// (cabling is derived from the evidence of a moment, not stored; the
	// neighbour entries are its history).
	Cabled  []CabledPNIC   `json:"cabled"`
	Entries []PortSighting `json:"entries"`
	Page
}

// PortSighting is what a port saw over one interval.
type PortSighting struct {
	Kind string `json:"kind"`
	// Port is the interface the entry is on (the port, its bundle or a
	// member).
	Port   string `json:"port"`
	MAC    string `json:"mac,omitempty"`
	Vendor string `json:"vendor,omitempty"`
	VLAN   string `json:"vlan,omitempty"`
	// VM is the VM with a vNIC of that MAC, as of the answer's moment.
	VM *VMRef `json:"vm,omitempty"`
	// PNIC is the host NIC that has the MAC ("esx01/vmnic0").
	PNIC string `json:"pnic,omitempty"`
	// Neighbor is the LLDP/CDP neighbour ("LLDP esx01 vmnic0").
	Neighbor string    `json:"neighbor,omitempty"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to,omitzero"`
	Sources  []string  `json:"sources"`
}

// CabledPNIC is a host NIC cabled to a port, with the evidence.
type CabledPNIC struct {
	PNIC       string   `json:"pnic"`
	Port       string   `json:"port"`
	Evidence   []string `json:"evidence"`
	Confidence string   `json:"confidence"`
}

// bounds checks a page's limit (0: DefaultHistoryLimit) and offset.
func bounds(limit, offset int) (int, error) {
	if limit == 0 {
		limit = DefaultHistoryLimit
	}
	if limit < 0 || limit > MaxHistoryLimit {
		return 0, fmt.Errorf("%w: limit %d out of 1-%d", ErrBadRequest, limit, MaxHistoryLimit)
	}
	if offset < 0 {
		return 0, fmt.Errorf("%w: offset %d is negative", ErrBadRequest, offset)
	}
	return limit, nil
}

// paginate returns the page of n entries from offset, and the page's
// description.
func paginate(n, limit, offset int) (lo, hi int, p Page) {
	lo, hi = min(offset, n), min(offset+limit, n)
	p = Page{Total: n, Offset: offset, Limit: limit}
	if hi < n {
		p.NextOffset = hi
	}
	return lo, hi, p
}

// PortHistory returns what switch port sw/port (a port or port-channel,
// its name in any spelling the search reads) saw over time: the MACs its
// forwarding-table entries held and the LLDP/CDP neighbours the switch
// reported on it, each with its interval (its bundle's or members' too), newest first, limit entries from offset (limit 0:
// DefaultHistoryLimit). The port is looked up, and MACs are named after
// their VMs, as of at (zero: now).
func (s *Service) PortHistory(ctx context.Context, sw, port string, limit, offset int, at time.Time) (*PortHistoryAnswer, error) {
	limit, err := bounds(limit, offset)
	if err != nil {
		return nil, err
	}
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	swID := findByName(g, model.KindSwitch, sw)
	if swID == "" {
		return nil, &NotFoundError{What: "switch", Name: sw, Suggestions: suggest(sw, namesOf(g.Graph, model.KindSwitch))}
	}
	id := findPort(g, swID, port)
	if id == "" {
		return nil, &NotFoundError{What: "port on " + swID.Key(), Name: port, Suggestions: suggestPort(port, childNames(g.Graph, swID, model.RelHasPort))}
	}
	_, pname, _ := strings.Cut(id.Key(), "/")
	a := &PortHistoryAnswer{At: moment(at), ID: id, Switch: nameOf(g.Node(swID)), Port: pname, Entries: []PortSighting{}}
	ids := []model.ID{id}
	for _, l := range g.Out(id, model.RelInLAG) {
		ids = append(ids, l.To)
	}
	for _, l := range g.In(id, model.RelInLAG) {
		ids = append(ids, l.From)
	}
	for _, x := range ids[1:] {
		_, n, _ := strings.Cut(x.Key(), "/")
		a.Related = append(a.Related, n)
	}
	versions, err := s.Store.History(ctx, ids...)
	if err != nil {
		return nil, err
	}
	on := map[model.ID]bool{}
	for _, x := range ids {
		on[x] = true
	}
	var all []PortSighting
	for _, v := range mergeVersions(versions) {
		var e PortSighting
		switch {
		case v.Rel == model.RelLearned && on[v.Subject]:
			e = PortSighting{Kind: SightingLearned, Port: keyPort(v.Subject), MAC: v.Object.Key(), VLAN: v.Attrs["vlan"]}
		default:
			continue
		}
		e.From, e.To, e.Sources = v.From, v.To, v.sources
		all = append(all, e)
	}
	for _, v := range neighborVersions(versions, on) {
		all = append(all, PortSighting{Kind: SightingNeighbor, Port: keyPort(v.Subject), Neighbor: v.Name, From: v.From, To: v.To, Sources: v.sources})
	}
	a.Cabled = []CabledPNIC{}
	for _, x := range ids {
		for _, c := range g.In(x, model.RelCabled) {
			a.Cabled = append(a.Cabled, CabledPNIC{PNIC: c.From.Key(), Port: keyPort(x), Evidence: orEmpty(model.SplitList(c.Attrs["evidence"])), Confidence: c.Attrs["confidence"]})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return newer(all[i].From, all[i].To, all[j].From, all[j].To) })
	lo, hi, p := paginate(len(all), limit, offset)
	a.Page = p
	for _, e := range all[lo:hi] {
		if e.MAC != "" {
			e.Vendor = oui.Vendor(e.MAC)
			if vm, _, err := g.FindVM(e.MAC); err == nil {
				r := vmRef(g, vm)
				e.VM = &r
			} else if m := g.WhereMAC(e.MAC); m != nil && m.PNIC != "" {
				e.PNIC = m.PNIC.Key()
			}
		}
		a.Entries = append(a.Entries, e)
	}
	return a, nil
}

// findPort resolves an interface name of switch sw in any spelling.
func findPort(g *view, sw model.ID, port string) model.ID {
	port = strings.TrimSpace(port)
	if port == "" {
		return ""
	}
	for _, e := range g.Out(sw, model.RelHasPort) {
		if _, n, _ := strings.Cut(e.To.Key(), "/"); strings.EqualFold(n, port) {
			return e.To
		}
	}
	for _, kind := range []model.Kind{model.KindPort, model.KindPortChannel} {
		if id := model.NewID(kind, sw.Key(), port); g.Node(id) != nil {
			return id
		}
	}
	norm := strings.ToLower(ifname.Normalize(port))
	for _, e := range g.Out(sw, model.RelHasPort) {
		if _, n, _ := strings.Cut(e.To.Key(), "/"); strings.ToLower(n) == norm {
			return e.To
		}
	}
	return ""
}

// keyPort is the interface name of a port or port-channel ID.
func keyPort(id model.ID) string {
	_, n, _ := strings.Cut(id.Key(), "/")
	return n
}

// newer orders intervals newest first: open ones first, then by end, then
// by start.
func newer(af, at, bf, bt time.Time) bool {
	if at.IsZero() != bt.IsZero() {
		return at.IsZero()
	}
	if !at.Equal(bt) {
		return at.After(bt)
	}
	return af.After(bf)
}

// mergedVersion is a fact over the union of the intervals of its versions
// that touch or overlap (the same statement by several sources, or closed
// and reopened by consecutive runs).
type mergedVersion struct {
	model.Version
	sources []string
}

// mergeVersions merges the versions of each relation (kind, subject,
// object, VLAN) whose intervals touch or overlap; versions come ordered by
// From.
func mergeVersions(vs []model.Version) []mergedVersion {
	type key struct {
		rel       model.RelKind
		from, to  model.ID
		vlan, mac string
	}
	last := map[key]int{}
	var r []mergedVersion
	for _, v := range vs {
		if !v.IsRelation() {
			continue
		}
		k := key{v.Rel, v.Subject, v.Object, v.Attrs["vlan"], model.NormalizeMAC(v.Attrs["mac"])}
		if i, ok := last[k]; ok {
			m := &r[i]
			if m.To.IsZero() || !v.From.After(m.To) {
				if !m.To.IsZero() && (v.To.IsZero() || v.To.After(m.To)) {
					m.To = v.To
				}
				if !containsString(m.sources, v.Source) {
					m.sources = append(m.sources, v.Source)
				}
				continue
			}
		}
		last[k] = len(r)
		r = append(r, mergedVersion{Version: v, sources: []string{v.Source}})
	}
	return r
}

// neighborVersions returns the LLDP/CDP neighbour the switch reported on
// each port of on over time: the ports' entity versions with a neighbour,
// merged while it stays the same (Name holds the neighbour's text).
func neighborVersions(vs []model.Version, on map[model.ID]bool) []mergedVersion {
	last := map[model.ID]int{}
	var r []mergedVersion
	for _, v := range vs {
		if v.IsRelation() || !on[v.Subject] {
			continue
		}
		text := ""
		if sys, port := v.Attrs["lldp_system"], v.Attrs["lldp_port"]; sys != "" || port != "" {
			text = strings.TrimSpace("LLDP " + sys + " " + port)
		} else if dev, port := v.Attrs["cdp_device"], v.Attrs["cdp_port"]; dev != "" || port != "" {
			text = strings.TrimSpace("CDP " + dev + " " + port)
		}
		if text == "" {
			continue
		}
		if i, ok := last[v.Subject]; ok && r[i].Name == text && (r[i].To.IsZero() || !v.From.After(r[i].To)) {
			if !r[i].To.IsZero() && (v.To.IsZero() || v.To.After(r[i].To)) {
				r[i].To = v.To
			}
			if !containsString(r[i].sources, v.Source) {
				r[i].sources = append(r[i].sources, v.Source)
			}
			continue
		}
		v.Name = text
		last[v.Subject] = len(r)
		r = append(r, mergedVersion{Version: v, sources: []string{v.Source}})
	}
	return r
}

// MACHistoryAnswer is where a MAC was learned over time (newest first),
// its vendor, what has it now, and the addresses ARP tables resolved to it.
type MACHistoryAnswer struct {
	At     time.Time `json:"at"`
	MAC    string    `json:"mac"`
	Vendor string    `json:"vendor,omitempty"`
	// VM is the VM with a vNIC of the MAC as of At; PNIC the host NIC that
	// has it.
	VM      *VMRef        `json:"vm,omitempty"`
	PNIC    string        `json:"pnic,omitempty"`
	Learned []MACSighting `json:"learned"`
	Page
	// ARP are the ARP/ND entries that resolved an address to the MAC (the
	// addresses the switches' ARP tables or the VM's vNICs hold as of At),
	// newest first, at most MaxHistoryLimit.
	ARP []ARPSighting `json:"arp"`
}

// MACSighting is a MAC learned on a switch port over one interval.
type MACSighting struct {
	Switch      string `json:"switch"`
	Port        string `json:"port"`
	PortChannel string `json:"port_channel,omitempty"`
	VLAN        string `json:"vlan,omitempty"`
	// Edge is false for an inter-switch link (as of At).
	Edge    bool      `json:"edge"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to,omitzero"`
	Sources []string  `json:"sources"`
}

// ARPSighting is an ARP/ND entry of a switch resolving IP to the MAC over
// one interval.
type ARPSighting struct {
	Switch    string    `json:"switch"`
	IP        string    `json:"ip"`
	Interface string    `json:"interface,omitempty"`
	VLAN      string    `json:"vlan,omitempty"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to,omitzero"`
	Sources   []string  `json:"sources"`
}

// MACHistory returns where mac (any notation) was learned over time,
// newest first, limit entries from offset (limit 0: DefaultHistoryLimit),
// with its vendor and ARP addresses; what has the MAC is as of at (zero:
// now). A MAC no version mentions is graph.ErrNotFound; text that is no
// MAC is ErrBadRequest.
func (s *Service) MACHistory(ctx context.Context, mac string, limit, offset int, at time.Time) (*MACHistoryAnswer, error) {
	limit, err := bounds(limit, offset)
	if err != nil {
		return nil, err
	}
	m := model.NormalizeMAC(strings.TrimPrefix(strings.TrimSpace(mac), "mac:"))
	if m == "" {
		return nil, fmt.Errorf("%w: %q is not a MAC address", ErrBadRequest, mac)
	}
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	a := &MACHistoryAnswer{At: moment(at), MAC: m, Vendor: oui.Vendor(m), Learned: []MACSighting{}, ARP: []ARPSighting{}}
	var ips []model.ID
	if vm, _, err := g.FindVM(m); err == nil {
		r := vmRef(g, vm)
		a.VM = &r
		for _, v := range g.Out(vm, model.RelHasVNIC) {
			if n := g.Node(v.To); n != nil && model.NormalizeMAC(n.Attr("mac")) == m {
				for _, ip := range g.Out(v.To, model.RelHasIP) {
					ips = append(ips, ip.To)
				}
			}
		}
	}
	if loc := g.WhereMAC(m); loc != nil && loc.PNIC != "" {
		a.PNIC = loc.PNIC.Key()
	}
	for _, sw := range g.Nodes(model.KindSwitch) {
		for _, e := range g.Out(sw.ID, model.RelARP) {
			if model.NormalizeMAC(e.Attrs["mac"]) == m && !containsID(ips, e.To) {
				ips = append(ips, e.To)
			}
		}
	}
	id := model.NewID(model.KindMAC, m)
	versions, err := s.Store.History(ctx, id)
	if err != nil {
		return nil, err
	}
	var all []MACSighting
	for _, v := range mergeVersions(versions) {
		if v.Rel != model.RelLearned || v.Object != id {
			continue
		}
		swKey, port, _ := strings.Cut(v.Subject.Key(), "/")
		e := MACSighting{Switch: swKey, Port: port, VLAN: v.Attrs["vlan"], Edge: true, From: v.From, To: v.To, Sources: v.sources}
		if n := g.Node(model.NewID(model.KindSwitch, swKey)); n != nil {
			e.Switch = nameOf(n)
		}
		for _, x := range g.Out(v.Subject, "") {
			switch x.Rel {
			case model.RelInLAG:
				e.PortChannel = keyPort(x.To)
			case model.RelLink:
				e.Edge = false
			}
		}
		if len(g.In(v.Subject, model.RelLink)) > 0 {
			e.Edge = false
		}
		all = append(all, e)
	}
	sort.SliceStable(all, func(i, j int) bool { return newer(all[i].From, all[i].To, all[j].From, all[j].To) })
	lo, hi, p := paginate(len(all), limit, offset)
	a.Page = p
	a.Learned = append(a.Learned, all[lo:hi]...)
	if len(ips) > 0 {
		arp, err := s.Store.History(ctx, ips...)
		if err != nil {
			return nil, err
		}
		for _, v := range mergeVersions(arp) {
			if v.Rel != model.RelARP || model.NormalizeMAC(v.Attrs["mac"]) != m {
				continue
			}
			e := ARPSighting{Switch: v.Subject.Key(), IP: v.Object.Key(), Interface: v.Attrs["interface"], VLAN: v.Attrs["vlan"], From: v.From, To: v.To, Sources: v.sources}
			if n := g.Node(v.Subject); n != nil {
				e.Switch = nameOf(n)
			}
			a.ARP = append(a.ARP, e)
		}
		sort.SliceStable(a.ARP, func(i, j int) bool { return newer(a.ARP[i].From, a.ARP[i].To, a.ARP[j].From, a.ARP[j].To) })
		if len(a.ARP) > MaxHistoryLimit {
			a.ARP = a.ARP[:MaxHistoryLimit]
		}
	}
	if len(all) == 0 && len(a.ARP) == 0 && a.VM == nil && a.PNIC == "" {
		return nil, &NotFoundError{What: "forwarding table, ARP table or NIC", By: "MAC", Name: m}
	}
	return a, nil
}

func containsID(ids []model.ID, id model.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
