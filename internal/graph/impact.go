package graph

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/ifname"
	"github.com/vnetmap/vnetmap/internal/model"
)

// ImpactResult answers "what breaks if T goes down": the VMs left without
// a path (DOWN) and those that only lose redundancy (DEGRADED).
type ImpactResult struct {
	Target string `json:"target"`
	// Failed are the entities taken down: the target and what it takes with
	// it (a switch's ports, the pNICs cabled to them).
	Failed   []model.ID `json:"failed"`
	Down     []VMImpact `json:"down"`
	Degraded []VMImpact `json:"degraded"`
	// Applications with at least one affected VM: DOWN when every one of
	// their VMs is down, DEGRADED otherwise.
	Applications []AppImpact `json:"applications"`
	// Fabric are the switches that lose inter-switch links, and those cut
	// off from part of the fabric, isolated ones first.
	Fabric []SwitchImpact `json:"fabric"`
}

// Fabric states of a switch.
const (
	// FabricDegraded: the switch lost inter-switch links but still reaches
	// every switch it reached (through the links it has left).
	FabricDegraded = "degraded"
	// FabricIsolated: the switch no longer reaches some switches that are
	// still up; the VMs behind it lose traffic that crosses to them.
	FabricIsolated = "isolated"
)

// SwitchImpact is what a failure does to one switch's inter-switch links.
type SwitchImpact struct {
	Switch string `json:"switch"`
	State  string `json:"state"`
	// Lost are its inter-switch links that go down, from its side.
	Lost []Hop `json:"lost"`
	// Left is how many inter-switch links it keeps.
	Left int `json:"left"`
	// CutOff are the switches (still up) it no longer reaches.
	CutOff []string `json:"cut_off,omitempty"`
}

// AppImpact is one affected application.
type AppImpact struct {
	Name     string `json:"name"`
	State    string `json:"state"` // "down" or "degraded"
	VMs      int    `json:"vms"`
	Down     int    `json:"vms_down"`
	Degraded int    `json:"vms_degraded"`
}

// VMImpact is one affected VM and why.
type VMImpact struct {
	VM      model.ID `json:"vm"`
	Name    string   `json:"name"`
	Host    string   `json:"host,omitempty"`
	Reasons []string `json:"reasons"`
}

// ErrBadTarget is returned for an impact target that cannot be parsed.
var ErrBadTarget = errors.New("graph: bad impact target")

// failure is the set of things down in an impact scenario.
type failure struct {
	hosts map[model.ID]bool
	pnics map[model.ID]bool
	vlans map[string]bool
	// ports and switches are the switch ports and switches down.
	ports, switches map[model.ID]bool
	// isolated are the switches (by key) cut off from part of the fabric.
	isolated map[string]bool
}

// Impact computes what fails when target goes down. target is one of
// switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME (a port-channel),
// host:NAME, pnic:HOST/NIC, vlan:ID.
//
// A connected vNIC is cut off when its port group's VLAN is down, its host
// is down, or none of its active or standby uplinks is left (an uplink
// whose link was already down does not count); it is degraded when it lost
// an uplink but keeps one. A VM is DOWN when any of its connected vNICs is
// cut off (that network is gone for it), DEGRADED when one lost redundancy.
func (g *Graph) Impact(target string) (*ImpactResult, error) {
	f, failed, err := g.resolveTarget(target)
	if err != nil {
		return nil, err
	}
	r := &ImpactResult{Target: target, Failed: failed}
	r.Fabric, f.isolated = g.fabricImpact(f)
	for _, vm := range g.candidates(f) {
		down, degraded, host := g.vmImpact(vm, f)
		name := vm.Key()
		if n := g.Node(vm); n != nil && n.Name != "" {
			name = n.Name
		}
		switch {
		case len(down) > 0:
			r.Down = append(r.Down, VMImpact{VM: vm, Name: name, Host: host, Reasons: append(down, degraded...)})
		case len(degraded) > 0:
			r.Degraded = append(r.Degraded, VMImpact{VM: vm, Name: name, Host: host, Reasons: degraded})
		}
	}
	for _, l := range [][]VMImpact{r.Down, r.Degraded} {
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
	r.Applications = g.appImpact(r)
	if r.Down == nil {
		r.Down = []VMImpact{}
	}
	if r.Degraded == nil {
		r.Degraded = []VMImpact{}
	}
	if r.Fabric == nil {
		r.Fabric = []SwitchImpact{}
	}
	return r, nil
}

// resolveTarget turns a target into the set of failed things.
func (g *Graph) resolveTarget(target string) (failure, []model.ID, error) {
	f := failure{hosts: map[model.ID]bool{}, pnics: map[model.ID]bool{}, vlans: map[string]bool{}, ports: map[model.ID]bool{}, switches: map[model.ID]bool{}}
	kind, key, ok := strings.Cut(strings.TrimSpace(target), ":")
	if !ok || key == "" {
		return f, nil, fmt.Errorf("%w %q: want switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME, host:NAME, pnic:HOST/NIC or vlan:ID", ErrBadTarget, target)
	}
	var failed []model.ID
	portDown := func(port model.ID) {
		failed = append(failed, port)
		f.ports[port] = true
		for _, e := range g.In(port, model.RelCabled) {
			f.pnics[e.From] = true
			failed = append(failed, e.From)
		}
	}
	switch kind {
	case "host":
		id := model.NewID(model.KindHost, key)
		if g.Node(id) == nil {
			return f, nil, fmt.Errorf("%w: no host %q", ErrNotFound, key)
		}
		f.hosts[id] = true
		failed = append(failed, id)
	case "pnic":
		id := model.NewID(model.KindPNIC, key)
		if g.Node(id) == nil {
			return f, nil, fmt.Errorf("%w: no pNIC %q (give HOST/vmnicN)", ErrNotFound, key)
		}
		f.pnics[id] = true
		failed = append(failed, id)
	case "vlan":
		v, err := strconv.Atoi(key)
		if err != nil || v < 0 || v > 4095 {
			return f, nil, fmt.Errorf("%w %q: VLAN must be 0-4095", ErrBadTarget, target)
		}
		f.vlans[strconv.Itoa(v)] = true
	case "switch":
		id := g.switchID(key)
		if id == "" {
			return f, nil, fmt.Errorf("%w: no switch %q", ErrNotFound, key)
		}
		failed = append(failed, id)
		f.switches[id] = true
		for _, e := range g.Out(id, model.RelHasPort) {
			portDown(e.To)
		}
	case "port", "lag":
		sw, name, ok := strings.Cut(key, "/")
		swID := g.switchID(sw)
		if !ok || swID == "" {
			return f, nil, fmt.Errorf("%w: no switch %q in %q (give SWITCH/IFNAME)", ErrNotFound, sw, target)
		}
		port := g.portOf(swID, name)
		if port == "" {
			return f, nil, fmt.Errorf("%w: no port %q on %s", ErrNotFound, name, swID.Key())
		}
		if kind == "lag" || port.Kind() == model.KindPortChannel {
			failed = append(failed, port)
			for _, m := range g.In(port, model.RelInLAG) {
				portDown(m.From)
			}
		} else {
			portDown(port)
		}
	default:
		return f, nil, fmt.Errorf("%w %q: unknown kind %q", ErrBadTarget, target, kind)
	}
	return f, failed, nil
}

// switchID resolves a switch by ID key or name, case-insensitively.
func (g *Graph) switchID(name string) model.ID {
	if id := model.NewID(model.KindSwitch, name); g.Node(id) != nil {
		return id
	}
	for id, n := range g.nodes {
		if n.Kind == model.KindSwitch && (strings.EqualFold(n.Name, name) || strings.EqualFold(id.Key(), name)) {
			return id
		}
	}
	return ""
}

// portOf resolves an interface name of a switch in any spelling.
func (g *Graph) portOf(sw model.ID, name string) model.ID {
	want := strings.ToLower(ifname.Normalize(name))
	for _, e := range g.Out(sw, model.RelHasPort) {
		_, pname, _ := strings.Cut(e.To.Key(), "/")
		if strings.ToLower(ifname.Normalize(pname)) == want {
			return e.To
		}
	}
	return ""
}

// candidates returns the VMs a failure can touch, sorted.
func (g *Graph) candidates(f failure) []model.ID {
	seen := map[model.ID]bool{}
	hosts := map[model.ID]bool{}
	for h := range f.hosts {
		hosts[h] = true
	}
	for p := range f.pnics {
		host, _, _ := strings.Cut(p.Key(), "/")
		hosts[model.NewID(model.KindHost, host)] = true
	}
	for sw := range f.isolated {
		for _, p := range g.out[model.NewID(model.KindSwitch, sw)] {
			if p.Rel != model.RelHasPort {
				continue
			}
			for _, c := range g.in[p.To] {
				if c.Rel == model.RelCabled {
					host, _, _ := strings.Cut(c.From.Key(), "/")
					hosts[model.NewID(model.KindHost, host)] = true
				}
			}
		}
	}
	for h := range hosts {
		for _, e := range g.in[h] {
			if e.Rel == model.RelRunsOn {
				seen[e.From] = true
			}
		}
	}
	if len(f.vlans) > 0 {
		for id, n := range g.nodes {
			if n.Kind == model.KindPortgroup && f.vlans[n.Attr("vlan")] {
				for _, a := range g.In(id, model.RelAttached) {
					for _, v := range g.In(a.From, model.RelHasVNIC) {
						seen[v.From] = true
					}
				}
			}
		}
	}
	r := make([]model.ID, 0, len(seen))
	for id := range seen {
		r = append(r, id)
	}
	sort.Slice(r, func(i, j int) bool { return r[i] < r[j] })
	return r
}

// vmImpact returns why vm is cut off (down) or loses redundancy (degraded).
func (g *Graph) vmImpact(vm model.ID, f failure) (down, degraded []string, hostName string) {
	var host model.ID
	if es := g.Out(vm, model.RelRunsOn); len(es) > 0 {
		host = es[0].To
		hostName = host.Key()
	}
	if f.hosts[host] {
		return []string{"host " + hostName + " down"}, nil, hostName
	}
	for _, e := range g.out[vm] {
		if e.Rel != model.RelHasVNIC {
			continue
		}
		nic := g.Node(e.To)
		if nic == nil || nic.Attr("connected") != "true" {
			continue
		}
		label := nic.Attr("label")
		if label == "" {
			label = nic.Attr("mac")
		}
		pgID, pg, ups := g.uplinksOf(e.To, host)
		if pg == nil {
			continue
		}
		if f.vlans[pg.Attr("vlan")] {
			down = append(down, fmt.Sprintf("%s: VLAN %s down", label, pg.Attr("vlan")))
			continue
		}
		var lost, left []string
		for _, u := range ups {
			if u.role == RoleUnused || u.link == "down" {
				continue
			}
			if f.pnics[u.pnic] {
				lost = append(lost, u.device+" ("+u.role+")")
			} else {
				left = append(left, u.device+" ("+u.role+")")
			}
		}
		where := fmt.Sprintf("%s on %s", label, nameOf(pg, pgID))
		if len(lost) > 0 {
			after, _ := g.vnicPath(e.To, host, f.pnics)
			switch {
			case len(left) == 0:
				down = append(down, fmt.Sprintf("%s: lost %s, no uplink left", where, strings.Join(lost, ", ")))
			case after.State == PathNone:
				r := fmt.Sprintf("%s: lost %s, left %s, but %s", where, strings.Join(lost, ", "), strings.Join(left, ", "), after.Reason)
				if before, _ := g.vnicPath(e.To, host, nil); before.State == PathNone {
					r += " (no working path before the failure either)"
				}
				down = append(down, r)
			default:
				degraded = append(degraded, fmt.Sprintf("%s: lost %s, left %s", where, strings.Join(lost, ", "), strings.Join(left, ", ")))
			}
			continue
		}
		if len(f.isolated) == 0 {
			continue
		}
		p, _ := g.vnicPath(e.To, host, nil)
		if p.State == PathNone || len(p.switches) == 0 {
			continue
		}
		var cut []string
		for _, sw := range p.switches {
			if f.isolated[sw] {
				cut = append(cut, sw)
			}
		}
		switch {
		case len(cut) == len(p.switches):
			down = append(down, fmt.Sprintf("%s: its switch %s is cut off from the rest of the fabric: traffic beyond it (other racks, routed) is lost", where, strings.Join(cut, ", ")))
		case len(cut) > 0:
			degraded = append(degraded, fmt.Sprintf("%s: its switch %s is cut off from the rest of the fabric, %s is not", where, strings.Join(cut, ", "), strings.Join(without(p.switches, f.isolated), ", ")))
		}
	}
	return down, degraded, hostName
}

// uplink is an uplink as impact needs it: which pNIC, and how the port
// group uses it.
type uplink struct {
	pnic               model.ID
	device, role, link string
}

// uplinksOf returns a vNIC's port group and the uplinks of its switch on
// host, with their roles — the lean path of vnicView, for queries that
// visit many VMs.
func (g *Graph) uplinksOf(vnic, host model.ID) (model.ID, *Node, []uplink) {
	var pgID model.ID
	for _, e := range g.out[vnic] {
		if e.Rel == model.RelAttached {
			pgID = e.To
			break
		}
	}
	pg, ups := g.portgroupUplinks(pgID, host)
	return pgID, pg, ups
}

// portgroupUplinks returns port group pgID's node and the uplinks of its
// switch on host, with their roles.
func (g *Graph) portgroupUplinks(pgID, host model.ID) (*Node, []uplink) {
	pg := g.Node(pgID)
	if pg == nil {
		return nil, nil
	}
	active, standby := pg.Attr("active"), pg.Attr("standby")
	var ups []uplink
	for _, m := range g.out[pgID] {
		if m.Rel != model.RelMemberOf {
			continue
		}
		edges := g.out[m.To] // a standard vSwitch's relations, uplinks among them
		if m.To.Kind() == model.KindDVSwitch {
			edges = g.dvsUplinks[m.To][host]
		}
		for _, e := range edges {
			if e.Rel != model.RelUplink {
				continue
			}
			u := uplink{pnic: e.To, device: e.To.Key(), role: roleIn(active, standby, e.Attrs["uplink"], e.Attrs["lag"])}
			if n := g.Node(e.To); n != nil {
				u.link = n.Attr("link")
				if d := n.Attr("device"); d != "" {
					u.device = d
				}
			}
			ups = append(ups, u)
		}
		break
	}
	return pg, ups
}

// switchUplinks returns the uplink relations of a virtual switch on host:
// all of a standard vSwitch's, the host's share of a distributed switch's.
func (g *Graph) switchUplinks(sw, host model.ID) []Edge {
	if sw.Kind() != model.KindDVSwitch {
		return g.Out(sw, model.RelUplink)
	}
	return g.dvsUplinks[sw][host]
}

// appImpact rolls VM impact up to applications.
func (g *Graph) appImpact(r *ImpactResult) []AppImpact {
	by := map[model.ID]*AppImpact{}
	count := func(vms []VMImpact, down bool) {
		for _, v := range vms {
			for _, e := range g.In(v.VM, model.RelContains) {
				if e.From.Kind() != model.KindApplication {
					continue
				}
				a := by[e.From]
				if a == nil {
					a = &AppImpact{Name: nameOf(g.Node(e.From), e.From), VMs: len(g.Out(e.From, model.RelContains))}
					by[e.From] = a
				}
				if down {
					a.Down++
				} else {
					a.Degraded++
				}
			}
		}
	}
	count(r.Down, true)
	count(r.Degraded, false)
	out := make([]AppImpact, 0, len(by))
	for _, a := range by {
		a.State = "degraded"
		if a.Down == a.VMs {
			a.State = "down"
		}
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].State != out[j].State {
			return out[i].State == "down"
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// without returns the names of list not in set.
func without(list []string, set map[string]bool) []string {
	var r []string
	for _, s := range list {
		if !set[s] {
			r = append(r, s)
		}
	}
	return r
}

// isl is one inter-switch link, from one side.
type isl struct {
	port, peerPort model.ID
	peer           string
}

// fabricImpact says which switches a failure takes inter-switch links from
// and which it cuts off from switches that are still up (comparing what
// each switch reaches over the links before and after), and returns the
// cut-off switches by key.
func (g *Graph) fabricImpact(f failure) ([]SwitchImpact, map[string]bool) {
	if len(f.ports) == 0 && len(f.switches) == 0 {
		return nil, nil
	}
	links := map[string][]isl{}
	seen := map[[2]model.ID]bool{}
	add := func(a, b model.ID) {
		if a > b {
			a, b = b, a
		}
		if seen[[2]model.ID{a, b}] {
			return
		}
		seen[[2]model.ID{a, b}] = true
		sa, _, _ := strings.Cut(a.Key(), "/")
		sb, _, _ := strings.Cut(b.Key(), "/")
		if sa == sb {
			return
		}
		links[sa] = append(links[sa], isl{port: a, peerPort: b, peer: sb})
		links[sb] = append(links[sb], isl{port: b, peerPort: a, peer: sa})
	}
	for _, n := range g.Nodes(model.KindSwitch) {
		for _, p := range g.out[n.ID] {
			if p.Rel != model.RelHasPort {
				continue
			}
			for _, l := range g.out[p.To] {
				if l.Rel == model.RelLink {
					add(p.To, l.To)
				}
			}
			for _, l := range g.in[p.To] {
				if l.Rel == model.RelLink {
					add(l.From, p.To)
				}
			}
		}
	}
	swDown := func(key string) bool { return f.switches[model.NewID(model.KindSwitch, key)] }
	linkDown := func(l isl) bool { return f.ports[l.port] || f.ports[l.peerPort] || swDown(l.peer) }
	component := func(after bool) map[string]int {
		comp := map[string]int{}
		n := 0
		for start := range links {
			if _, ok := comp[start]; ok || (after && swDown(start)) {
				continue
			}
			n++
			comp[start] = n
			queue := []string{start}
			for len(queue) > 0 {
				cur := queue[0]
				queue = queue[1:]
				for _, l := range links[cur] {
					if _, ok := comp[l.peer]; ok || (after && (linkDown(l) || swDown(cur))) {
						continue
					}
					comp[l.peer] = n
					queue = append(queue, l.peer)
				}
			}
		}
		return comp
	}
	before, after := component(false), component(true)
	var out []SwitchImpact
	isolated := map[string]bool{}
	for sw, ls := range links {
		if swDown(sw) {
			continue
		}
		si := SwitchImpact{Switch: nameOf(g.Node(model.NewID(model.KindSwitch, sw)), model.NewID(model.KindSwitch, sw)), State: FabricDegraded, Lost: []Hop{}}
		for _, l := range ls {
			if !linkDown(l) {
				si.Left++
				continue
			}
			_, port, _ := strings.Cut(l.port.Key(), "/")
			_, peerPort, _ := strings.Cut(l.peerPort.Key(), "/")
			si.Lost = append(si.Lost, Hop{FromSwitch: sw, FromPort: port, ToSwitch: l.peer, ToPort: peerPort})
		}
		for other := range links {
			if other != sw && !swDown(other) && before[other] == before[sw] && after[other] != after[sw] {
				si.CutOff = append(si.CutOff, other)
			}
		}
		if len(si.CutOff) > 0 {
			si.State = FabricIsolated
			isolated[sw] = true
		} else if len(si.Lost) == 0 {
			continue
		}
		sort.Strings(si.CutOff)
		sort.Slice(si.Lost, func(i, j int) bool { return si.Lost[i].FromPort < si.Lost[j].FromPort })
		out = append(out, si)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].State != out[j].State {
			return out[i].State == FabricIsolated
		}
		return out[i].Switch < out[j].Switch
	})
	return out, isolated
}
