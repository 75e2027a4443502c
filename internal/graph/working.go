package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vnetmap/vnetmap/internal/model"
)

// Working-path states of a vNIC, or of a VM (its worst vNIC).
const (
	// PathWorks: every uplink that carries the vNIC's traffic now is up and
	// its switch port lets the VLAN through.
	PathWorks = "works"
	// PathPartial: some of the active uplinks drop the VLAN: the vNIC
	// works or not depending on the uplink its traffic is pinned to.
	PathPartial = "partial"
	// PathNone: no working path: every uplink that carries the vNIC's
	// traffic drops its VLAN, none is up, or the port group has no uplink
	// on the host.
	PathNone = "none"
	// PathUnknown: the map does not know what the switch ports carry.
	PathUnknown = "unknown"
)

// PathVerdict says whether a vNIC (or a VM) has a working path out of its
// host now, and why not.
//
// The uplinks that carry traffic are the port group's active uplinks that
// are up, or its standby uplinks that are up when no active one is
// (failover on link loss, vSphere's default failure detection: a switch
// port that drops a VLAN keeps its link up, so the standby does not take
// over). Each of them must be cabled to a switch port (or port-channel)
// that carries the port group's VLAN — the carries rule of where.
type PathVerdict struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// Drops are the switch ports behind those uplinks that drop the VLAN.
	Drops []VLANDrop `json:"drops,omitempty"`
}

// VLANDrop is a switch port that does not let a vNIC's VLAN through,
// behind one of the uplinks its traffic takes.
type VLANDrop struct {
	VNIC      string   `json:"vnic,omitempty"`
	Portgroup string   `json:"portgroup"`
	VLAN      string   `json:"vlan"`
	Host      string   `json:"host"`
	PNIC      model.ID `json:"pnic"`
	Device    string   `json:"device"`
	Role      string   `json:"role"`
	Port      model.ID `json:"port"`
	Switch    string   `json:"switch"`
	PortName  string   `json:"port_name"`
}

// pathRank orders states from best to worst.
func pathRank(s string) int {
	switch s {
	case PathWorks:
		return 0
	case PathUnknown:
		return 1
	case PathPartial:
		return 2
	case PathNone:
		return 3
	}
	return -1
}

// usedPath is a vNIC's path as impact needs it: the verdict and the
// switches behind the uplinks that carry its traffic.
type usedPath struct {
	PathVerdict
	switches []string
	// uplinks says whether the port group has any uplink on the host.
	uplinks bool
}

// WorkingPath says whether vm has a working path now: the worst verdict of
// its connected vNICs on a port group, each reason prefixed with the
// vNIC's label. A VM with no such vNIC, or with no host, is "unknown".
func (g *Graph) WorkingPath(vm model.ID) PathVerdict {
	var host model.ID
	if es := g.Out(vm, model.RelRunsOn); len(es) > 0 {
		host = es[0].To
	}
	out := PathVerdict{State: PathUnknown}
	if host == "" {
		out.Reason = "the VM's host is unknown"
		return out
	}
	seen := false
	var reasons []string
	for _, e := range g.Out(vm, model.RelHasVNIC) {
		nic := g.Node(e.To)
		if nic == nil || nic.Attr("connected") != "true" {
			continue
		}
		p, ok := g.vnicPath(e.To, host, nil)
		if !ok {
			continue
		}
		if !seen || pathRank(p.State) > pathRank(out.State) {
			out.State = p.State
			reasons = reasons[:0]
		}
		seen = true
		if p.State == out.State && p.Reason != "" {
			reasons = append(reasons, vnicLabel(nic, e.To)+": "+p.Reason)
		}
		out.Drops = append(out.Drops, p.Drops...)
	}
	if !seen {
		out.Reason = "no connected vNIC on a port group"
		return out
	}
	out.Reason = strings.Join(reasons, "; ")
	return out
}

func vnicLabel(n *Node, id model.ID) string {
	if l := n.Attr("label"); l != "" {
		return l
	}
	if m := n.Attr("mac"); m != "" {
		return m
	}
	return id.Key()
}

// VNICPath is the verdict of one vNIC on host; false when the vNIC is on
// no port group.
func (g *Graph) VNICPath(vnic, host model.ID) (PathVerdict, bool) {
	p, ok := g.vnicPath(vnic, host, nil)
	return p.PathVerdict, ok
}

// vnicPath computes the working path of vnic on host with the pNICs in
// down taken down too.
func (g *Graph) vnicPath(vnic, host model.ID, down map[model.ID]bool) (usedPath, bool) {
	pgID, pg, ups := g.uplinksOf(vnic, host)
	if pg == nil {
		return usedPath{}, false
	}
	pgName := nameOf(pg, pgID)
	view := &PortgroupView{VLAN: pg.Attr("vlan"), Trunk: pg.Attr("trunk")}
	vlan := vlanWords(view)
	var r usedPath
	var active, standby []uplink
	for _, u := range ups {
		if u.role == RoleUnused {
			continue
		}
		r.uplinks = true
		if u.link == "down" || down[u.pnic] {
			continue
		}
		if u.role == RoleActive {
			active = append(active, u)
		} else {
			standby = append(standby, u)
		}
	}
	hostName := nameOf(g.Node(host), host)
	switch {
	case !r.uplinks:
		r.State, r.Reason = PathNone, fmt.Sprintf("port group %s has no uplink on %s: its traffic cannot leave the host", pgName, hostName)
		return r, true
	case len(active) == 0 && len(standby) == 0:
		r.State, r.Reason = PathNone, fmt.Sprintf("no active or standby uplink of %s is up on %s", pgName, hostName)
		return r, true
	}
	used := active
	if len(used) == 0 {
		used = standby
	}
	var yes, unknown int
	var dropped []string
	seenSw := map[string]bool{}
	for _, u := range used {
		cabled := g.Out(u.pnic, model.RelCabled)
		if len(cabled) != 1 {
			unknown++
			continue
		}
		port := cabled[0].To
		sw, pname, _ := strings.Cut(port.Key(), "/")
		if !seenSw[sw] {
			seenSw[sw] = true
			r.switches = append(r.switches, sw)
		}
		swName := sw
		for _, h := range g.In(port, model.RelHasPort) {
			swName = nameOf(g.Node(h.From), h.From)
		}
		switch c, _ := g.portCarries(port, view); c {
		case "yes":
			yes++
		case "no":
			r.Drops = append(r.Drops, VLANDrop{Portgroup: pgName, VLAN: view.VLAN, Host: hostName, PNIC: u.pnic, Device: u.device, Role: u.role, Port: port, Switch: swName, PortName: pname})
			dropped = append(dropped, fmt.Sprintf("%s (%s) → %s %s", u.device, u.role, swName, pname))
		default:
			unknown++
		}
	}
	sort.Strings(r.switches)
	switch {
	case len(dropped) == len(used):
		r.State = PathNone
		r.Reason = fmt.Sprintf("%s of %s is not allowed on %s", vlan, pgName, strings.Join(dropped, ", "))
		if len(active) > 0 && len(standby) > 0 {
			r.Reason += fmt.Sprintf("; the standby %s does not take over while the active link is up", devices(standby))
		}
	case len(dropped) > 0:
		r.State = PathPartial
		r.Reason = fmt.Sprintf("%s of %s is not allowed on %s: traffic pinned to it is lost", vlan, pgName, strings.Join(dropped, ", "))
	case yes == 0 && unknown > 0:
		r.State, r.Reason = PathUnknown, "the switch ports behind its uplinks are unknown or did not report their VLANs"
	default:
		r.State = PathWorks
	}
	return r, true
}

func devices(us []uplink) string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = u.device
	}
	return strings.Join(s, ", ")
}

// vlanWords names a port group's VLANs in a sentence.
func vlanWords(pg *PortgroupView) string {
	switch {
	case pg.Trunk != "":
		return "trunk " + pg.Trunk
	case pg.VLAN == "" || pg.VLAN == "0":
		return "the untagged VLAN"
	}
	return "VLAN " + pg.VLAN
}

// portCarries is the carries rule on a switch port: the port's own VLANs,
// or its bundle's when it is a member of a configured port-channel. It
// also returns the node whose VLANs count.
func (g *Graph) portCarries(port model.ID, pg *PortgroupView) (string, *Node) {
	vlans := g.Node(port)
	for _, l := range g.out[port] {
		if l.Rel != model.RelInLAG {
			continue
		}
		if pc := g.Node(l.To); pc != nil && pc.Attr("mode") != "" {
			vlans = pc // a bundle member's VLANs are the bundle's
		}
	}
	return carries(vlans, pg), vlans
}

// UplinkSwitches returns the switches (by key, sorted) cabled to the
// active and standby uplinks of port group pg on host that are up; known
// is false when one of those uplinks has no single known switch port.
func (g *Graph) UplinkSwitches(pg, host model.ID) (switches []string, known bool) {
	_, ups := g.portgroupUplinks(pg, host)
	seen := map[string]bool{}
	known = true
	for _, u := range ups {
		if u.role == RoleUnused || u.link == "down" {
			continue
		}
		cabled := g.Out(u.pnic, model.RelCabled)
		if len(cabled) != 1 {
			known = false
			continue
		}
		sw, _, _ := strings.Cut(cabled[0].To.Key(), "/")
		if !seen[sw] {
			seen[sw] = true
			switches = append(switches, sw)
		}
	}
	sort.Strings(switches)
	return switches, known
}

// CutOffVM is a VM with no working path now.
type CutOffVM struct {
	VM     model.ID   `json:"vm"`
	Name   string     `json:"name"`
	Host   string     `json:"host"`
	Reason string     `json:"reason"`
	Drops  []VLANDrop `json:"drops,omitempty"`
}

// CutOff returns the VMs whose WorkingPath is "none", in name order;
// with host set, only those running on it.
func (g *Graph) CutOff(host model.ID) []CutOffVM {
	out := []CutOffVM{}
	check := func(vm, on model.ID) {
		if wp := g.WorkingPath(vm); wp.State == PathNone {
			out = append(out, CutOffVM{VM: vm, Name: nameOf(g.Node(vm), vm), Host: nameOf(g.Node(on), on), Reason: wp.Reason, Drops: wp.Drops})
		}
	}
	if host != "" {
		for _, e := range g.In(host, model.RelRunsOn) {
			check(e.From, host)
		}
	} else {
		for _, n := range g.Nodes(model.KindVM) {
			if es := g.Out(n.ID, model.RelRunsOn); len(es) > 0 {
				check(n.ID, es[0].To)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
