package query

// The VLAN page: where a VLAN is defined (switches, port groups), carried
// (access ports, trunks, port-channels), missing (hosts whose port group
// is on it while an uplink's switch port drops it), and the VMs and hosts
// on it. Whether a port carries the VLAN and which uplinks a port group
// uses are the graph's answers (graph.PortCarries, PortgroupUplinks): this
// file only gathers them.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// States of a VLAN (or an access port group) on a host, as the
// documentation's VLAN matrix says them.
const (
	VLANStateOK      = "ok"      // every active/standby uplink's switch port carries it
	VLANStateGap     = "gap"     // an active or standby uplink's switch port does not
	VLANStateUnknown = "unknown" // no uplink, an uplink cabled nowhere, or a port whose VLANs are not reported
)

// MaxPageVMs bounds the VMs a VLAN or port-group page lists (VMCount
// counts them all).
const MaxPageVMs = 500

// VLANAnswer is the VLAN page.
type VLANAnswer struct {
	At  time.Time `json:"at"`
	VID int       `json:"vid"`
	// Names are what the switches call the VLAN.
	Names []string `json:"names"`
	// Switches are the switches that define the VLAN or have a port
	// carrying it, with those ports.
	Switches []VLANSwitch `json:"switches"`
	// Portgroups are the port groups on the VLAN: access port groups on
	// it, and trunk port groups whose ranges hold it (Trunk set).
	Portgroups []PortgroupRef `json:"portgroups"`
	// Hosts are the hosts with an access port group on the VLAN, with its
	// state there.
	Hosts []VLANHost `json:"hosts"`
	// Gaps are the uplinks of those hosts whose switch port does not carry
	// the VLAN.
	Gaps    []VLANGap `json:"gaps"`
	VMs     []VMRef   `json:"vms"`
	VMCount int       `json:"vm_count"`
	// OnNoSwitch says that port groups use the VLAN while the switches
	// report their VLANs and none defines it.
	OnNoSwitch bool `json:"on_no_switch"`
}

// VLANSwitch is a switch as the VLAN page shows it.
type VLANSwitch struct {
	Name     string `json:"name"`
	Defined  bool   `json:"defined"`
	VLANName string `json:"vlan_name,omitempty"`
	// Ports are its ports and port-channels that carry the VLAN.
	Ports []VLANPort `json:"ports"`
}

// VLANPort is a switch port or port-channel that carries a VLAN.
type VLANPort struct {
	Name string     `json:"name"`
	Kind model.Kind `json:"kind"`
	Mode string     `json:"mode"`
	// Native says that a trunk carries the VLAN untagged.
	Native      bool   `json:"native,omitempty"`
	Oper        string `json:"oper,omitempty"`
	PortChannel string `json:"port_channel,omitempty"`
	// Peer is the far end of an inter-switch link ("spine1 Ethernet1/1").
	Peer string `json:"peer,omitempty"`
	// Attached are the host NICs cabled to the port ("esx01 vmnic0").
	Attached []string `json:"attached,omitempty"`
}

// PortgroupRef is a port group listed on a VLAN page.
type PortgroupRef struct {
	ID     model.ID `json:"id"`
	Name   string   `json:"name"`
	Switch string   `json:"switch,omitempty"`
	// Host is the host of a standard vSwitch's port group.
	Host  string `json:"host,omitempty"`
	VLAN  string `json:"vlan,omitempty"`
	Trunk string `json:"trunk,omitempty"`
	Hosts int    `json:"hosts"`
	VMs   int    `json:"vms"`
}

// VLANHost is a host with an access port group on a VLAN.
type VLANHost struct {
	Host       string   `json:"host"`
	Cluster    string   `json:"cluster,omitempty"`
	State      string   `json:"state"`
	Portgroups []string `json:"portgroups"`
}

// VLANGap is an uplink a port group uses on a host whose switch port (or
// its bundle) does not carry the port group's VLAN.
type VLANGap struct {
	Host        string `json:"host"`
	Portgroup   string `json:"portgroup"`
	VLAN        string `json:"vlan"`
	PNIC        string `json:"pnic"`
	Role        string `json:"role"`
	Switch      string `json:"switch"`
	Port        string `json:"port"`
	PortChannel string `json:"port_channel,omitempty"`
}

// VLAN returns the VLAN page of VLAN id ("110", "vlan 110", "vlan:110")
// at moment at (zero: now). A VLAN no switch and no port group knows is
// graph.ErrNotFound; an ID out of 1-4094 is ErrBadRequest.
func (s *Service) VLAN(ctx context.Context, id string, at time.Time) (*VLANAnswer, error) {
	text := strings.TrimSpace(strings.ToLower(id))
	text = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(text, "vlan:"), "vlan"))
	vid, err := strconv.Atoi(text)
	if err != nil || vid < 1 || vid > 4094 {
		return nil, fmt.Errorf("%w: VLAN %q: want a VLAN ID from 1 to 4094", ErrBadRequest, id)
	}
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	v := strconv.Itoa(vid)
	a := &VLANAnswer{At: moment(at), VID: vid, Names: []string{}, Switches: []VLANSwitch{}, Portgroups: []PortgroupRef{},
		Hosts: []VLANHost{}, Gaps: []VLANGap{}, VMs: []VMRef{}}

	bySwitch := map[string]*VLANSwitch{}
	sw := func(key string) *VLANSwitch {
		x := bySwitch[key]
		if x == nil {
			x = &VLANSwitch{Name: key, Ports: []VLANPort{}}
			if n := g.Node(model.NewID(model.KindSwitch, key)); n != nil {
				x.Name = nameOf(n)
			}
			bySwitch[key] = x
		}
		return x
	}
	reporting := false // some switch reports its VLANs
	for _, n := range g.Nodes(model.KindVLAN) {
		reporting = true
		key, nvid, _ := strings.Cut(n.ID.Key(), "/")
		if x := n.Attr("vid"); x != "" {
			nvid = x
		}
		if nvid != v {
			continue
		}
		x := sw(key)
		x.Defined, x.VLANName = true, n.Attr("name")
		if x.VLANName != "" && !containsString(a.Names, x.VLANName) {
			a.Names = append(a.Names, x.VLANName)
		}
	}
	for _, kind := range []model.Kind{model.KindPort, model.KindPortChannel} {
		for _, n := range g.Nodes(kind) {
			if g.PortCarries(n.ID, vid) != "yes" {
				continue
			}
			key, pname, _ := strings.Cut(n.ID.Key(), "/")
			vp := VLANPort{Name: pname, Kind: kind, Mode: n.Attr("mode"), Oper: n.Attr("oper"), Native: n.Attr("mode") == "trunk" && n.Attr("native_vlan") == v}
			for _, l := range g.Out(n.ID, model.RelInLAG) {
				_, vp.PortChannel, _ = strings.Cut(l.To.Key(), "/")
				if pc := g.Node(l.To); pc != nil && pc.Attr("mode") != "" {
					vp.Mode, vp.Native = pc.Attr("mode"), pc.Attr("mode") == "trunk" && pc.Attr("native_vlan") == v
				}
			}
			for _, l := range g.Out(n.ID, model.RelLink) {
				psw, pport, _ := strings.Cut(l.To.Key(), "/")
				vp.Peer = psw + " " + pport
			}
			for _, l := range g.In(n.ID, model.RelLink) {
				if vp.Peer == "" {
					psw, pport, _ := strings.Cut(l.From.Key(), "/")
					vp.Peer = psw + " " + pport
				}
			}
			for _, c := range g.In(n.ID, model.RelCabled) {
				host, dev, _ := strings.Cut(c.From.Key(), "/")
				vp.Attached = append(vp.Attached, host+" "+dev)
			}
			x := sw(key)
			x.Ports = append(x.Ports, vp)
		}
	}
	defined := false
	for _, x := range bySwitch {
		sort.Slice(x.Ports, func(i, j int) bool {
			if x.Ports[i].Kind != x.Ports[j].Kind {
				return x.Ports[i].Kind == model.KindPort
			}
			return naturalLess(x.Ports[i].Name, x.Ports[j].Name)
		})
		defined = defined || x.Defined
		a.Switches = append(a.Switches, *x)
	}
	sort.Slice(a.Switches, func(i, j int) bool { return naturalLess(a.Switches[i].Name, a.Switches[j].Name) })
	sort.Strings(a.Names)

	hosts := map[string]*VLANHost{}
	vms := map[model.ID]bool{}
	for _, n := range g.Nodes(model.KindPortgroup) {
		access := n.Attr("trunk") == "" && n.Attr("vlan") == v
		if !access && (n.Attr("trunk") == "" || !graph.TrunkHas(n.Attr("trunk"), vid)) {
			continue
		}
		ref := portgroupRef(g, n)
		for _, vm := range portgroupVMs(g, n.ID) {
			vms[vm] = true
			ref.VMs++
		}
		if access {
			for _, h := range g.PortgroupHosts(n.ID) {
				state, gaps := portgroupOnHost(g, n.ID, h)
				vh := hosts[h.Key()]
				if vh == nil {
					vh = &VLANHost{Host: h.Key(), State: VLANStateOK, Portgroups: []string{}}
					if c := clusterOf(g, h); c != "" {
						vh.Cluster = nameOf(g.Node(c))
					}
					hosts[h.Key()] = vh
				}
				vh.State = worseState(vh.State, state)
				if !containsString(vh.Portgroups, ref.Name) {
					vh.Portgroups = append(vh.Portgroups, ref.Name)
				}
				a.Gaps = append(a.Gaps, gaps...)
			}
		}
		a.Portgroups = append(a.Portgroups, ref)
	}
	sort.Slice(a.Portgroups, func(i, j int) bool {
		if a.Portgroups[i].Name != a.Portgroups[j].Name {
			return naturalLess(a.Portgroups[i].Name, a.Portgroups[j].Name)
		}
		return a.Portgroups[i].ID < a.Portgroups[j].ID
	})
	for _, h := range hosts {
		sort.Strings(h.Portgroups)
		a.Hosts = append(a.Hosts, *h)
	}
	sort.Slice(a.Hosts, func(i, j int) bool { return naturalLess(a.Hosts[i].Host, a.Hosts[j].Host) })
	sortGaps(a.Gaps)
	a.VMs, a.VMCount = vmRefs(g, vms)
	if len(bySwitch) == 0 && len(a.Portgroups) == 0 {
		return nil, &NotFoundError{What: "switch or port group", By: "VLAN", Name: v}
	}
	a.OnNoSwitch = reporting && !defined && len(a.Portgroups) > 0
	return a, nil
}

// portgroupRef is the summary of port group n.
func portgroupRef(g *view, n *graph.Node) PortgroupRef {
	hosts := g.PortgroupHosts(n.ID)
	r := PortgroupRef{ID: n.ID, Name: nameOf(n), VLAN: n.Attr("vlan"), Trunk: n.Attr("trunk"), Hosts: len(hosts)}
	if sw := g.PortgroupSwitch(n.ID); sw != "" {
		if sw.Kind() == model.KindVSwitch && len(hosts) == 1 {
			r.Host = hosts[0].Key()
		}
		r.Switch = sw.Key()
		if sn := g.Node(sw); sn != nil {
			r.Switch = nameOf(sn)
		}
	}
	return r
}

// portgroupVMs returns the VMs with a vNIC on port group pg.
func portgroupVMs(g *view, pg model.ID) []model.ID {
	var r []model.ID
	for _, e := range g.In(pg, model.RelAttached) {
		for _, v := range g.In(e.From, model.RelHasVNIC) {
			r = append(r, v.From)
		}
	}
	return r
}

// portgroupOnHost says how an access port group's VLAN stands on host
// (VLANStateOK, Gap or Unknown) and which uplinks drop it, from the
// uplinks the graph says the port group uses there and whether their
// switch ports carry its VLAN.
func portgroupOnHost(g *view, pg, host model.ID) (string, []VLANGap) {
	state := VLANStateOK
	var gaps []VLANGap
	used := 0
	pgName := nameOf(g.Node(pg))
	vlan := g.Node(pg).Attr("vlan")
	for _, u := range g.PortgroupUplinks(pg, host) {
		if u.Role == graph.RoleUnused {
			continue
		}
		used++
		if len(u.Ports) == 0 {
			state = worseState(state, VLANStateUnknown)
		}
		for _, p := range u.Ports {
			switch p.Carries {
			case "no":
				state = VLANStateGap
				gaps = append(gaps, VLANGap{Host: host.Key(), Portgroup: pgName, VLAN: vlan, PNIC: u.Device, Role: u.Role, Switch: p.Switch, Port: p.Port, PortChannel: p.PortChannel})
			case "yes":
			default:
				state = worseState(state, VLANStateUnknown)
			}
		}
	}
	if used == 0 {
		state = VLANStateUnknown
	}
	return state, gaps
}

// worseState returns the worse of two VLAN states on a host.
func worseState(a, b string) string {
	rank := map[string]int{VLANStateOK: 0, VLANStateUnknown: 1, VLANStateGap: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func sortGaps(gs []VLANGap) {
	sort.Slice(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		if a.Host != b.Host {
			return naturalLess(a.Host, b.Host)
		}
		if a.Portgroup != b.Portgroup {
			return naturalLess(a.Portgroup, b.Portgroup)
		}
		return naturalLess(a.PNIC, b.PNIC)
	})
}

// vmRefs lists the VMs of a set by name, at most MaxPageVMs of them, and
// counts them all.
func vmRefs(g *view, set map[model.ID]bool) ([]VMRef, int) {
	ids := make([]model.ID, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	name := func(id model.ID) string {
		if n := g.Node(id); n != nil {
			return nameOf(n)
		}
		return id.Key()
	}
	sort.Slice(ids, func(i, j int) bool { return naturalLess(name(ids[i]), name(ids[j])) })
	r := []VMRef{}
	for i, id := range ids {
		if i == MaxPageVMs {
			break
		}
		r = append(r, vmRef(g, id))
	}
	return r, len(ids)
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
