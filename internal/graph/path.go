package graph

import (
	"sort"
	"strings"

	"github.com/vnetmap/vnetmap/internal/model"
)

// Path kinds.
const (
	PathSameHost = "same-host" // same host, same VLAN: traffic stays in the host
	PathL2       = "l2"        // same VLAN: through the switches below
	PathRouted   = "routed"    // no VLAN in common: through a router between the VLANs
)

// PathResult is the answer to "which path does traffic from A to B take".
type PathResult struct {
	A    Endpoint `json:"a"`
	B    Endpoint `json:"b"`
	Kind string   `json:"kind"`
	VLAN string   `json:"vlan,omitempty"`
	// Switches are the switches on the L2 path, in order from A's side.
	Switches []string `json:"switches,omitempty"`
	// Hops are the inter-switch links crossed.
	Hops []Hop  `json:"hops,omitempty"`
	Note string `json:"note,omitempty"`
}

// Endpoint is one side of a path: the VM, the vNIC used and where it
// leaves its host.
type Endpoint struct {
	VM        model.ID     `json:"vm"`
	Name      string       `json:"name"`
	Host      string       `json:"host,omitempty"`
	VNIC      string       `json:"vnic,omitempty"`
	Portgroup string       `json:"portgroup,omitempty"`
	VLAN      string       `json:"vlan,omitempty"`
	Uplinks   []Attachment `json:"uplinks,omitempty"`
	Switches  []string     `json:"switches,omitempty"`
	// WorkingPath is the verdict of the vNIC used (WorkingPath of where):
	// state "none" means this side has no working path out of its host.
	WorkingPath *PathVerdict `json:"working_path,omitempty"`
}

// Hop is one inter-switch link on a path.
type Hop struct {
	FromSwitch string `json:"from_switch"`
	FromPort   string `json:"from_port"`
	ToSwitch   string `json:"to_switch"`
	ToPort     string `json:"to_port"`
}

// Path finds how traffic between VMs a and b travels: the vNICs they share
// a VLAN on (or "routed" when they share none), each side's active uplinks
// and switch ports, and the switches and inter-switch links between them
// (shortest path over LLDP/CDP-learned links).
func (g *Graph) Path(a, b string) (*PathResult, error) {
	va, _, err := g.FindVM(a)
	if err != nil {
		return nil, err
	}
	vb, _, err := g.FindVM(b)
	if err != nil {
		return nil, err
	}
	la, lb := g.locate(va, ""), g.locate(vb, "")
	r := &PathResult{}
	na, nb, shared := pickVNICs(la, lb)
	r.A, r.B = g.endpoint(la, na), g.endpoint(lb, nb)
	switch {
	case na < 0 || nb < 0:
		r.Kind, r.Note = PathRouted, "a VM without a connected vNIC on a port group"
		return r, nil
	case !shared:
		r.Kind = PathRouted
		r.Note = "no VLAN in common: traffic crosses a router between VLAN " + r.A.VLAN + " and VLAN " + r.B.VLAN
		return r, nil
	}
	r.VLAN = r.A.VLAN
	if r.A.Host != "" && r.A.Host == r.B.Host {
		r.Kind = PathSameHost
		return r, nil
	}
	r.Kind = PathL2
	switch {
	case len(r.A.Switches) == 0 && len(r.B.Switches) == 0:
		r.Note = "the switch side of both VMs is unknown (no cabling found for their uplinks)"
		return r, nil
	case len(r.A.Switches) == 0 || len(r.B.Switches) == 0:
		unknown := r.A.Name
		if len(r.B.Switches) == 0 {
			unknown = r.B.Name
		}
		r.Note = "the switch side of " + unknown + " is unknown (no cabling found for its uplinks)"
		return r, nil
	}
	r.Switches, r.Hops = g.switchPath(r.A.Switches, r.B.Switches)
	if r.Switches == nil {
		r.Note = "no inter-switch link path between the two sides' switches was learned"
	}
	return r, nil
}

// pickVNICs returns the indexes of the vNICs of a and b to use: the first
// connected pair on one VLAN (shared true), else the first connected vNIC
// of each.
func pickVNICs(a, b *Location) (int, int, bool) {
	first := func(l *Location) int {
		for i, n := range l.VNICs {
			if n.Connected && n.Portgroup != nil {
				return i
			}
		}
		return -1
	}
	for i, x := range a.VNICs {
		for j, y := range b.VNICs {
			if x.Connected && y.Connected && x.Portgroup != nil && y.Portgroup != nil &&
				x.Portgroup.VLAN != "" && x.Portgroup.VLAN == y.Portgroup.VLAN {
				return i, j, true
			}
		}
	}
	return first(a), first(b), false
}

func (g *Graph) endpoint(l *Location, nic int) Endpoint {
	e := Endpoint{VM: l.VM.ID, Name: l.VM.Name}
	if l.Host != nil {
		e.Host = l.Host.Name
	}
	if nic < 0 {
		return e
	}
	n := l.VNICs[nic]
	e.VNIC = n.Label
	e.WorkingPath = n.WorkingPath
	if n.Portgroup != nil {
		e.Portgroup, e.VLAN = n.Portgroup.Name, n.Portgroup.VLAN
	}
	seen := map[string]bool{}
	for _, u := range n.Uplinks {
		if u.Role != RoleActive {
			continue
		}
		a := Attachment{VNIC: n.Label, PNIC: u.Device, Role: u.Role, Portgroup: e.Portgroup, VLAN: e.VLAN}
		if len(u.Ports) == 1 {
			p := u.Ports[0]
			a.Switch, a.Port, a.PortChannel = p.Switch, p.Port, p.PortChannel
			if sw, _, _ := strings.Cut(p.ID.Key(), "/"); !seen[sw] {
				seen[sw] = true
				e.Switches = append(e.Switches, sw)
			}
		}
		e.Uplinks = append(e.Uplinks, a)
	}
	sort.Strings(e.Switches)
	return e
}

// switchPath is a breadth-first search over inter-switch links from any of
// from's switches to any of to's; it returns the switch names in order and
// the links crossed, or nil when none connects them.
func (g *Graph) switchPath(from, to []string) ([]string, []Hop) {
	target := map[string]bool{}
	for _, s := range to {
		target[s] = true
	}
	type step struct {
		prev string
		hop  Hop
	}
	prev := map[string]*step{}
	queue := []string{}
	for _, s := range from {
		prev[s] = nil
		queue = append(queue, s)
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if target[cur] {
			var names []string
			var hops []Hop
			for s := cur; ; {
				names = append([]string{s}, names...)
				st := prev[s]
				if st == nil {
					break
				}
				hops = append([]Hop{st.hop}, hops...)
				s = st.prev
			}
			return names, hops
		}
		for _, p := range g.out[model.NewID(model.KindSwitch, cur)] {
			if p.Rel != model.RelHasPort {
				continue
			}
			for _, l := range g.out[p.To] {
				if l.Rel != model.RelLink {
					continue
				}
				next, peerPort, _ := strings.Cut(l.To.Key(), "/")
				if _, seen := prev[next]; seen {
					continue
				}
				_, port, _ := strings.Cut(p.To.Key(), "/")
				prev[next] = &step{prev: cur, hop: Hop{FromSwitch: cur, FromPort: port, ToSwitch: next, ToPort: peerPort}}
				queue = append(queue, next)
			}
		}
	}
	return nil, nil
}

// maxAppPairs bounds the VM pairs an application-to-application path lists.
const maxAppPairs = 100

// AppPaths is Path between every VM of application a and every VM of
// application b (a VM name or UUID stands for itself), at most maxAppPairs
// pairs in name order. truncated says that pairs were left out.
func (g *Graph) AppPaths(a, b string) (paths []*PathResult, truncated bool, err error) {
	va, err := g.membersOf(a)
	if err != nil {
		return nil, false, err
	}
	vb, err := g.membersOf(b)
	if err != nil {
		return nil, false, err
	}
	for _, x := range va {
		for _, y := range vb {
			if x == y {
				continue
			}
			if len(paths) == maxAppPairs {
				return paths, true, nil
			}
			p, err := g.Path(string(x), string(y))
			if err != nil {
				return nil, false, err
			}
			paths = append(paths, p)
		}
	}
	return paths, false, nil
}

// IsApplication reports whether name is an application of the graph.
func (g *Graph) IsApplication(name string) bool {
	return g.Node(model.NewID(model.KindApplication, name)) != nil
}

// membersOf returns the VMs of application name, or the one VM it names.
func (g *Graph) membersOf(name string) ([]model.ID, error) {
	if app := model.NewID(model.KindApplication, name); g.Node(app) != nil {
		var vms []model.ID
		for _, e := range g.out[app] {
			if e.Rel == model.RelContains {
				vms = append(vms, e.To)
			}
		}
		sort.Slice(vms, func(i, j int) bool { return nameOf(g.Node(vms[i]), vms[i]) < nameOf(g.Node(vms[j]), vms[j]) })
		return vms, nil
	}
	vm, _, err := g.FindVM(name)
	if err != nil {
		return nil, err
	}
	return []model.ID{vm}, nil
}
