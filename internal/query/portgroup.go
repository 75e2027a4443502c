package query

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// MaxPortgroupHosts bounds the hosts listed per port group on a port-group
// page (a distributed port group can span hundreds).
const MaxPortgroupHosts = 200

// PortgroupAnswer is the port-group page: every port group of a name (a
// standard port group exists once per host, a distributed one once per
// distributed switch), its VLAN and teaming, on each host the uplinks it
// uses and whether their switch ports carry its VLAN, its VMs and gaps.
type PortgroupAnswer struct {
	At         time.Time         `json:"at"`
	Name       string            `json:"name"`
	Portgroups []PortgroupDetail `json:"portgroups"`
	// VLANs are the VLANs (or trunk ranges) of the port groups.
	VLANs   []string  `json:"vlans"`
	Gaps    []VLANGap `json:"gaps"`
	VMs     []VMRef   `json:"vms"`
	VMCount int       `json:"vm_count"`
}

// PortgroupDetail is one port group entity.
type PortgroupDetail struct {
	*graph.PortgroupView
	// Switch is its virtual switch.
	Switch     string          `json:"switch,omitempty"`
	SwitchKind model.Kind      `json:"switch_kind,omitempty"`
	Hosts      []PortgroupHost `json:"hosts"`
	// HostCount counts the hosts (Hosts lists at most MaxPortgroupHosts).
	HostCount int `json:"host_count"`
	VMs       int `json:"vms"`
}

// PortgroupHost is a host where a port group exists: the state of its
// VLAN there (access port groups) and the uplinks it uses.
type PortgroupHost struct {
	Host    string             `json:"host"`
	State   string             `json:"state,omitempty"`
	Uplinks []graph.UplinkView `json:"uplinks"`
}

// Portgroup returns the port-group page of name (a port group's name, or
// its ID key such as "esx01/VM Network") at moment at (zero: now).
func (s *Service) Portgroup(ctx context.Context, name string, at time.Time) (*PortgroupAnswer, error) {
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), "portgroup:"))
	var nodes []*graph.Node
	if n := g.Node(model.NewID(model.KindPortgroup, name)); n != nil && name != "" {
		nodes = append(nodes, n)
	} else if name != "" {
		for _, n := range g.Nodes(model.KindPortgroup) {
			if strings.EqualFold(nameOf(n), name) {
				nodes = append(nodes, n)
			}
		}
	}
	if len(nodes) == 0 {
		return nil, &NotFoundError{What: "port group", Name: name, Suggestions: suggest(name, namesOf(g.Graph, model.KindPortgroup))}
	}
	a := &PortgroupAnswer{At: moment(at), Name: nameOf(nodes[0]), Portgroups: []PortgroupDetail{}, VLANs: []string{}, Gaps: []VLANGap{}}
	vms := map[model.ID]bool{}
	for _, n := range nodes {
		d := PortgroupDetail{PortgroupView: g.PortgroupView(n.ID), Hosts: []PortgroupHost{}}
		if sw := g.PortgroupSwitch(n.ID); sw != "" {
			d.Switch, d.SwitchKind = sw.Key(), sw.Kind()
			if sn := g.Node(sw); sn != nil {
				d.Switch = nameOf(sn)
			}
		}
		access := d.Trunk == "" && d.VLAN != "" && d.VLAN != "0"
		hosts := g.PortgroupHosts(n.ID)
		d.HostCount = len(hosts)
		for i, h := range hosts {
			ph := PortgroupHost{Host: h.Key(), Uplinks: orEmpty(g.PortgroupUplinks(n.ID, h))}
			if access {
				var gaps []VLANGap
				ph.State, gaps = portgroupOnHost(g, n.ID, h)
				a.Gaps = append(a.Gaps, gaps...)
			}
			if i < MaxPortgroupHosts {
				d.Hosts = append(d.Hosts, ph)
			}
		}
		for _, vm := range portgroupVMs(g, n.ID) {
			vms[vm] = true
			d.VMs++
		}
		vlan := d.VLAN
		if d.Trunk != "" {
			vlan = "trunk " + d.Trunk
		}
		if vlan != "" && !containsString(a.VLANs, vlan) {
			a.VLANs = append(a.VLANs, vlan)
		}
		a.Portgroups = append(a.Portgroups, d)
	}
	sort.Slice(a.Portgroups, func(i, j int) bool {
		if a.Portgroups[i].Switch != a.Portgroups[j].Switch {
			return naturalLess(a.Portgroups[i].Switch, a.Portgroups[j].Switch)
		}
		return a.Portgroups[i].ID < a.Portgroups[j].ID
	})
	sort.Slice(a.VLANs, func(i, j int) bool { return naturalLess(a.VLANs[i], a.VLANs[j]) })
	sortGaps(a.Gaps)
	a.VMs, a.VMCount = vmRefs(g, vms)
	return a, nil
}

// searchPortgroups matches port groups by name, one match per name (a
// standard port group exists once per host).
func searchPortgroups(g *view, q string, byName func(string) int, add func(Match)) {
	type agg struct {
		sc    int
		hosts int
		vlans []string
		first *graph.Node
	}
	by := map[string]*agg{}
	var order []string
	for _, n := range g.Nodes(model.KindPortgroup) {
		name := nameOf(n)
		sc := byName(name)
		if sc < 0 {
			continue
		}
		x := by[strings.ToLower(name)]
		if x == nil {
			x = &agg{sc: sc, first: n}
			by[strings.ToLower(name)] = x
			order = append(order, strings.ToLower(name))
		}
		x.hosts += len(g.PortgroupHosts(n.ID))
		vlan := "VLAN " + n.Attr("vlan")
		if t := n.Attr("trunk"); t != "" {
			vlan = "trunk " + t
		} else if n.Attr("vlan") == "" || n.Attr("vlan") == "0" {
			vlan = "untagged"
		}
		if !containsString(x.vlans, vlan) {
			x.vlans = append(x.vlans, vlan)
		}
	}
	for _, k := range order {
		x := by[k]
		name := nameOf(x.first)
		add(Match{Kind: model.KindPortgroup, ID: x.first.ID, Name: name, Detail: fmt.Sprintf("port group · %s · %d hosts", strings.Join(x.vlans, ", "), x.hosts),
			Page: PagePortgroup, Key: name, score: x.sc})
	}
}

// searchClusters matches clusters by name; a match opens the topology
// with the cluster expanded.
func searchClusters(g *view, byName func(string) int, add func(Match)) {
	for _, n := range g.Nodes(model.KindCluster) {
		if sc := byName(nameOf(n)); sc >= 0 {
			add(Match{Kind: model.KindCluster, ID: n.ID, Name: nameOf(n), Detail: fmt.Sprintf("cluster · %d hosts", len(g.Out(n.ID, model.RelContains))),
				Page: PageTopology, Key: string(n.ID), score: sc})
		}
	}
}
