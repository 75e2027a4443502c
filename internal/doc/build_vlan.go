package doc

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

// buildVLANs makes the VLAN matrix: every VLAN of an access port group or
// defined by a switch, against the port groups, hosts and switch ports
// that carry it.
func (b *builder) buildVLANs() {
	byVID := map[int]*VLAN{}
	get := func(v int) *VLAN {
		x := byVID[v]
		if x == nil {
			x = &VLAN{VID: v}
			byVID[v] = x
		}
		return x
	}
	type pgKey struct{ name, sw string }
	pgHosts := map[int]map[pgKey]map[*Host]bool{}
	for _, c := range b.s.Clusters {
		vids := map[int]bool{}
		for _, h := range c.Hosts {
			for _, pg := range h.Portgroups {
				v, err := strconv.Atoi(pg.VLAN)
				if err != nil || pg.Trunk != "" || v <= 0 || v > 4094 {
					continue
				}
				vids[v] = true
				get(v)
				if pgHosts[v] == nil {
					pgHosts[v] = map[pgKey]map[*Host]bool{}
				}
				k := pgKey{pg.Name, pg.Switch}
				if pgHosts[v][k] == nil {
					pgHosts[v][k] = map[*Host]bool{}
				}
				pgHosts[v][k][h] = true
			}
		}
		for v := range vids {
			c.VLANs = append(c.VLANs, v)
		}
		slices.Sort(c.VLANs)
	}
	reporting := false // some switch reports its VLANs
	for _, sw := range b.s.Switches {
		for _, v := range sw.VLANs {
			x := get(v.VID)
			if v.Name != "" && !slices.Contains(x.Names, v.Name) {
				x.Names = append(x.Names, v.Name)
			}
			reporting = true
		}
	}
	for _, v := range byVID {
		b.s.VLANs = append(b.s.VLANs, v)
	}
	sort.Slice(b.s.VLANs, func(i, j int) bool { return b.s.VLANs[i].VID < b.s.VLANs[j].VID })
	for _, v := range b.s.VLANs {
		sort.Strings(v.Names)
		v.page = b.s.pages.add("vlans", model.ID("vlan:"+strconv.Itoa(v.VID)), strconv.Itoa(v.VID))
		for k, hosts := range pgHosts[v.VID] {
			v.Portgroups = append(v.Portgroups, &VLANPortgroup{Name: k.name, Switch: k.sw, Hosts: len(hosts)})
		}
		sort.Slice(v.Portgroups, func(i, j int) bool {
			a, c := v.Portgroups[i], v.Portgroups[j]
			if a.Name != c.Name {
				return naturalLess(a.Name, c.Name)
			}
			return naturalLess(a.Switch, c.Switch)
		})
		for _, h := range b.s.Hosts {
			st, ok := h.VLANs[v.VID]
			if !ok {
				continue
			}
			vh := &VLANHost{Host: h, State: st}
			for _, pg := range h.Portgroups {
				if pg.VLAN == strconv.Itoa(v.VID) && pg.Trunk == "" {
					vh.Missing = append(vh.Missing, pg.Missing...)
				}
			}
			if st == VLANGap {
				v.Gaps++
			}
			v.Hosts = append(v.Hosts, vh)
		}
		defined := false
		for _, sw := range b.s.Switches {
			vs := &VLANSwitch{Switch: sw}
			for _, x := range sw.VLANs {
				if x.VID == v.VID {
					vs.Defined, defined = true, true
				}
			}
			for _, p := range sw.Ports {
				if p.Mode != "" && p.vlansOK && p.vlans.has(v.VID) {
					vs.Ports = append(vs.Ports, p)
				}
			}
			if vs.Defined || len(vs.Ports) > 0 {
				v.Switches = append(v.Switches, vs)
			}
		}
		v.OnNoSwitch = reporting && !defined && len(v.Portgroups) > 0
	}
}

// buildApps gathers each application's VMs, where they run, the switch
// ports and VLANs they depend on, and its traffic.
func (b *builder) buildApps(in Input) {
	g := b.g
	for _, n := range g.Nodes(model.KindApplication) {
		a := &App{ID: n.ID, Name: name(n, n.ID)}
		b.s.Apps = append(b.s.Apps, a)
		hosts := map[*Host]bool{}
		ports := map[*SwitchPort]map[*VM]bool{}
		vlans := map[string]map[*VM]bool{}
		for _, e := range g.Out(n.ID, model.RelContains) {
			if e.To.Kind() != model.KindVM {
				continue
			}
			vm := b.vms[e.To]
			if vm == nil {
				vn := g.Node(e.To)
				vm = &VM{ID: e.To, Name: name(vn, e.To), Apps: []string{a.Name}}
				if vn != nil {
					vm.Power = vn.Attr("power")
				}
			}
			a.VMs = append(a.VMs, vm)
			if vm.Host != nil {
				hosts[vm.Host] = true
			}
			for _, nic := range vm.NICs {
				if nic.VLAN != "" {
					if vlans[nic.VLAN] == nil {
						vlans[nic.VLAN] = map[*VM]bool{}
					}
					vlans[nic.VLAN][vm] = true
				}
				for _, u := range nic.Uplinks {
					for _, cp := range u.Uplink.Ports {
						if ports[cp.Port] == nil {
							ports[cp.Port] = map[*VM]bool{}
						}
						ports[cp.Port][vm] = true
					}
				}
			}
		}
		sort.SliceStable(a.VMs, func(i, j int) bool { return vmLess(a.VMs[i], a.VMs[j]) })
		for h := range hosts {
			a.Hosts = append(a.Hosts, h)
		}
		sort.Slice(a.Hosts, func(i, j int) bool { return naturalLess(a.Hosts[i].Name, a.Hosts[j].Name) })
		for p, vms := range ports {
			a.Ports = append(a.Ports, AppPort{Port: p, VMs: len(vms)})
		}
		sort.Slice(a.Ports, func(i, j int) bool { return portLess(a.Ports[i].Port, a.Ports[j].Port) })
		for v, vms := range vlans {
			a.VLANs = append(a.VLANs, AppVLAN{VLAN: v, VMs: len(vms)})
		}
		sort.Slice(a.VLANs, func(i, j int) bool { return naturalLess(a.VLANs[i].VLAN, a.VLANs[j].VLAN) })
		if in.Flows != nil {
			for _, e := range in.Flows.Edges {
				if flowNodeIs(e.Src, a.Name) || flowNodeIs(e.Dst, a.Name) {
					a.Flows = append(a.Flows, e)
				}
			}
		}
	}
	sort.SliceStable(b.s.Apps, func(i, j int) bool { return naturalLess(b.s.Apps[i].Name, b.s.Apps[j].Name) })
	for _, a := range b.s.Apps {
		a.page = b.s.pages.add("apps", a.ID, a.Name)
	}
}

// flowNodeIs reports whether a dependency node is application app (a node
// of VMs in several applications names them comma-separated).
func flowNodeIs(n query.FlowNode, app string) bool {
	if n.Kind != query.LevelApplication {
		return false
	}
	for part := range strings.SplitSeq(n.Name, ",") {
		if strings.TrimSpace(part) == app {
			return true
		}
	}
	return false
}
