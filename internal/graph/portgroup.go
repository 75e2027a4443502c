package graph

import (
	"sort"
	"strconv"

	"github.com/vnetmap/vnetmap/internal/model"
)

// The VLAN and port-group pages ask the graph the questions a VM's path
// answers, for a port group or a VLAN rather than a vNIC: which hosts a
// port group spans, which uplinks it uses there and whether their switch
// ports carry its VLAN. The rules are the path's (roles, bundles,
// carries), not copies of them.

// PortgroupView returns port group id as a VM's path shows it (VLAN, trunk
// ranges, teaming), or nil when the graph does not know it.
func (g *Graph) PortgroupView(id model.ID) *PortgroupView {
	n := g.Node(id)
	if n == nil {
		return nil
	}
	return &PortgroupView{ID: id, Name: nameOf(n, id), Type: n.Attr("type"), VLAN: n.Attr("vlan"), Trunk: n.Attr("trunk"),
		PVLAN: n.Attr("pvlan"), Policy: n.Attr("policy"), Active: model.SplitList(n.Attr("active")), Standby: model.SplitList(n.Attr("standby"))}
}

// PortgroupSwitch returns the virtual switch port group pg is a member of,
// or "" when it has none.
func (g *Graph) PortgroupSwitch(pg model.ID) model.ID {
	for _, e := range g.out[pg] {
		if e.Rel == model.RelMemberOf {
			return e.To
		}
	}
	return ""
}

// PortgroupHosts returns the hosts where port group pg exists, sorted: the
// host of a standard vSwitch's port group, every host with uplinks on a
// distributed switch's.
func (g *Graph) PortgroupHosts(pg model.ID) []model.ID {
	sw := g.PortgroupSwitch(pg)
	if sw == "" {
		return nil
	}
	var hosts []model.ID
	if sw.Kind() == model.KindDVSwitch {
		for h := range g.dvsUplinks[sw] {
			hosts = append(hosts, h)
		}
		for _, e := range g.in[sw] {
			if e.Rel == model.RelHasSwitch && !containsID(hosts, e.From) {
				hosts = append(hosts, e.From)
			}
		}
	} else {
		for _, e := range g.in[sw] {
			if e.Rel == model.RelHasSwitch {
				hosts = append(hosts, e.From)
			}
		}
		if len(hosts) == 0 { // a vSwitch's key starts with its host's
			for _, e := range g.out[sw] {
				if e.Rel == model.RelUplink {
					for _, h := range g.in[e.To] {
						if h.Rel == model.RelHasPNIC && !containsID(hosts, h.From) {
							hosts = append(hosts, h.From)
						}
					}
				}
			}
		}
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i] < hosts[j] })
	return hosts
}

func containsID(ids []model.ID, id model.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// PortgroupUplinks returns the uplinks port group pg uses on host as the
// path of a VM on it would show them: each pNIC with its role (active,
// standby, unused), its switch ports and whether each carries the port
// group's VLAN (PortView.Carries), active first.
func (g *Graph) PortgroupUplinks(pg, host model.ID) []UplinkView {
	v := g.PortgroupView(pg)
	sw := g.PortgroupSwitch(pg)
	if v == nil || sw == "" {
		return nil
	}
	var r []UplinkView
	for _, e := range g.switchUplinks(sw, host) {
		r = append(r, g.uplinkView(e, sw, v))
	}
	sort.SliceStable(r, func(i, j int) bool {
		if a, b := roleRank(r[i].Role), roleRank(r[j].Role); a != b {
			return a < b
		}
		return r[i].Device < r[j].Device
	})
	return r
}

// PortCarries says whether switch port (or port-channel) id lets VLAN vid
// through, as a VM's path says it of its ports: "yes", "no", or "unknown"
// when the switch did not report the port's VLANs. A bundle member's VLANs
// are its bundle's.
func (g *Graph) PortCarries(id model.ID, vid int) string {
	n := g.Node(id)
	for _, l := range g.out[id] {
		if l.Rel == model.RelInLAG {
			if pc := g.Node(l.To); pc != nil && pc.Attr("mode") != "" {
				n = pc
			}
		}
	}
	return carries(n, &PortgroupView{VLAN: strconv.Itoa(vid)})
}

// TrunkHas reports whether a VLAN list (a trunk port group's ranges) holds
// vid; a list it cannot read holds nothing.
func TrunkHas(list string, vid int) bool {
	rs, err := ParseVLANs(list)
	return err == nil && inRanges(vid, rs)
}
