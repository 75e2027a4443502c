package doc

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

// Build makes the documentation's content from in: every cluster, host,
// switch, bundle, VLAN and application of the map, in a stable order (by
// name, numbers in names by value). It is a pure function of in.
func Build(in Input) *Site {
	g := in.Graph
	b := &builder{g: g, s: &Site{Moment: in.Moment.UTC(), Counts: g.CountByKind(), Findings: in.Findings, Flows: in.Flows,
		Changes: in.Changes, pages: newPager(), anchors: map[model.ID]string{}},
		hosts: map[model.ID]*Host{}, switches: map[model.ID]*Switch{}, ports: map[model.ID]*SwitchPort{},
		uplinks: map[model.ID]*Uplink{}, vms: map[model.ID]*VM{}, dvsUplinks: map[model.ID]map[string][]graph.Edge{}}
	b.buildSwitches()
	b.buildHosts()
	b.buildVMs()
	b.buildBundles()
	b.buildChannels(in)
	b.buildVLANs()
	b.buildApps(in)
	return b.s
}

type builder struct {
	g        *graph.Graph
	s        *Site
	hosts    map[model.ID]*Host
	switches map[model.ID]*Switch
	ports    map[model.ID]*SwitchPort
	uplinks  map[model.ID]*Uplink
	vms      map[model.ID]*VM
	// dvsUplinks are a distributed switch's uplink relations by host.
	dvsUplinks map[model.ID]map[string][]graph.Edge
}

// name is a node's display name, or its ID key.
func name(n *graph.Node, id model.ID) string {
	if n != nil && n.Name != "" {
		return n.Name
	}
	return id.Key()
}

// naturalLess orders names with numbers by their value (esx2 < esx10),
// then bytewise, so that the order is total.
func naturalLess(a, b string) bool {
	x, y := a, b
	for x != "" && y != "" {
		dx, dy := leadingDigits(x), leadingDigits(y)
		if dx != "" && dy != "" {
			nx, ny := strings.TrimLeft(dx, "0"), strings.TrimLeft(dy, "0")
			if len(nx) != len(ny) {
				return len(nx) < len(ny)
			}
			if nx != ny {
				return nx < ny
			}
			x, y = x[len(dx):], y[len(dy):]
			continue
		}
		if x[0] != y[0] {
			return x[0] < y[0]
		}
		x, y = x[1:], y[1:]
	}
	if len(x) != len(y) {
		return len(x) < len(y)
	}
	return a < b
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func (b *builder) buildSwitches() {
	g := b.g
	for _, n := range g.Nodes(model.KindSwitch) {
		sw := &Switch{ID: n.ID, Name: name(n, n.ID), Vendor: n.Attr("vendor"), Model: n.Attr("model"), Version: n.Attr("version"), Address: n.Attr("address")}
		b.switches[n.ID] = sw
		b.s.Switches = append(b.s.Switches, sw)
	}
	sort.SliceStable(b.s.Switches, func(i, j int) bool { return naturalLess(b.s.Switches[i].Name, b.s.Switches[j].Name) })
	vlansOf := map[string][]*graph.Node{} // switch key → its VLANs
	for _, v := range g.Nodes(model.KindVLAN) {
		swk, _, _ := strings.Cut(v.ID.Key(), "/")
		vlansOf[swk] = append(vlansOf[swk], v)
	}
	for _, sw := range b.s.Switches {
		sw.page = b.s.pages.add("switches", sw.ID, sw.Name)
		anchors := map[string]bool{}
		for _, e := range g.Out(sw.ID, model.RelHasPort) {
			n := g.Node(e.To)
			if n == nil {
				continue
			}
			_, pname, _ := strings.Cut(n.ID.Key(), "/")
			p := &SwitchPort{ID: n.ID, Kind: n.Kind, Name: pname, Switch: sw, Oper: n.Attr("oper"), Speed: n.Attr("speed_mbps"), MTU: n.Attr("mtu"),
				Mode: n.Attr("mode"), Access: n.Attr("access_vlan"), Native: n.Attr("native_vlan"), Allowed: n.Attr("allowed_vlans")}
			if sys, port := n.Attr("lldp_system"), n.Attr("lldp_port"); sys != "" || port != "" {
				p.Neighbor = strings.TrimSpace("LLDP " + sys + " " + port)
			} else if dev, port := n.Attr("cdp_device"), n.Attr("cdp_port"); dev != "" || port != "" {
				p.Neighbor = strings.TrimSpace("CDP " + dev + " " + port)
			}
			p.anchor = "p-" + anchorName(p.Name)
			if anchors[p.anchor] {
				p.anchor = "p-" + slug(p.ID, p.Name)
			}
			anchors[p.anchor] = true
			b.s.anchors[p.ID] = p.anchor
			switch p.Mode {
			case "access":
				p.vlans, p.vlansOK = parseVLANs(p.Access)
			case "trunk":
				p.vlans, p.vlansOK = parseVLANs(p.Allowed)
			}
			b.ports[p.ID] = p
			sw.Ports = append(sw.Ports, p)
		}
		sort.SliceStable(sw.Ports, func(i, j int) bool {
			a, c := sw.Ports[i], sw.Ports[j]
			if a.Kind != c.Kind {
				return a.Kind == model.KindPort
			}
			return naturalLess(a.Name, c.Name)
		})
		for _, v := range vlansOf[sw.ID.Key()] {
			_, vid, _ := strings.Cut(v.ID.Key(), "/")
			if x := v.Attr("vid"); x != "" {
				vid = x
			}
			if n, err := strconv.Atoi(vid); err == nil {
				sw.VLANs = append(sw.VLANs, SwitchVLAN{VID: n, Name: v.Attr("name")})
			}
		}
		sort.Slice(sw.VLANs, func(i, j int) bool { return sw.VLANs[i].VID < sw.VLANs[j].VID })
	}
	// Bundles and inter-switch links, once every port is known.
	for _, sw := range b.s.Switches {
		peers := map[*Switch]bool{}
		for _, p := range sw.Ports {
			for _, l := range g.Out(p.ID, model.RelInLAG) {
				if pc := b.ports[l.To]; pc != nil {
					p.Channel = pc
					pc.Members = append(pc.Members, p)
					if pc.Mode != "" {
						p.vlans, p.vlansOK = pc.vlans, pc.vlansOK // a member's VLANs are its bundle's
					}
				}
			}
			for _, l := range append(g.Out(p.ID, model.RelLink), g.In(p.ID, model.RelLink)...) {
				far := l.To
				if far == p.ID {
					far = l.From
				}
				if fp := b.ports[far]; fp != nil && fp.Switch != sw {
					if p.Peer == nil {
						p.Peer = fp
					}
					peers[fp.Switch] = true
				}
			}
		}
		for peer := range peers {
			sw.Neighbours = append(sw.Neighbours, peer)
		}
		sort.Slice(sw.Neighbours, func(i, j int) bool { return naturalLess(sw.Neighbours[i].Name, sw.Neighbours[j].Name) })
	}
}

// mlagPeer returns the switch linked to sw that has a port-channel of the
// same name as pc: the other half of an MLAG/vPC pair.
func (b *builder) mlagPeer(pc *SwitchPort) *Switch {
	if pc == nil {
		return nil
	}
	for _, peer := range pc.Switch.Neighbours {
		if b.ports[model.NewID(model.KindPortChannel, peer.ID.Key()+"/"+pc.Name)] != nil {
			return peer
		}
	}
	return nil
}

func (b *builder) buildHosts() {
	g := b.g
	clusters := map[model.ID]*Cluster{}
	for _, n := range g.Nodes(model.KindHost) {
		h := &Host{ID: n.ID, Name: name(n, n.ID), Connection: n.Attr("connection"), Vendor: n.Attr("vendor"), Model: n.Attr("model"),
			Version: n.Attr("version"), VLANs: map[int]VLANState{}}
		b.hosts[n.ID] = h
		b.s.Hosts = append(b.s.Hosts, h)
		var cid model.ID = "cluster:"
		for _, e := range g.In(n.ID, model.RelContains) {
			if e.From.Kind() == model.KindCluster {
				cid = e.From
			}
		}
		c := clusters[cid]
		if c == nil {
			c = &Cluster{ID: cid, Name: "standalone hosts"}
			if cid != "cluster:" {
				cn := g.Node(cid)
				c.Name = name(cn, cid)
				if cn != nil {
					c.DRS, c.HA = cn.Attr("drs"), cn.Attr("ha")
				}
				for _, d := range g.In(cid, model.RelContains) {
					if d.From.Kind() == model.KindDatacenter {
						c.Datacenter = name(g.Node(d.From), d.From)
					}
				}
			}
			clusters[cid] = c
			b.s.Clusters = append(b.s.Clusters, c)
		}
		h.Cluster = c
		c.Hosts = append(c.Hosts, h)
	}
	sort.SliceStable(b.s.Hosts, func(i, j int) bool { return naturalLess(b.s.Hosts[i].Name, b.s.Hosts[j].Name) })
	sort.SliceStable(b.s.Clusters, func(i, j int) bool {
		a, c := b.s.Clusters[i], b.s.Clusters[j]
		if (a.ID == "cluster:") != (c.ID == "cluster:") {
			return c.ID == "cluster:"
		}
		return naturalLess(a.Name, c.Name)
	})
	for _, c := range b.s.Clusters {
		c.page = b.s.pages.add("clusters", c.ID, c.Name)
		sort.SliceStable(c.Hosts, func(i, j int) bool { return naturalLess(c.Hosts[i].Name, c.Hosts[j].Name) })
	}
	for _, h := range b.s.Hosts {
		h.page = b.s.pages.add("hosts", h.ID, h.Name)
		b.hostUplinks(h)
		b.hostSwitches(h)
	}
}

func (b *builder) hostUplinks(h *Host) {
	g := b.g
	for _, e := range g.Out(h.ID, model.RelHasPNIC) {
		n := g.Node(e.To)
		if n == nil {
			continue
		}
		u := &Uplink{ID: n.ID, Device: n.Attr("device"), MAC: model.NormalizeMAC(n.Attr("mac")), SpeedMbps: n.Attr("speed_mbps"), Link: n.Attr("link")}
		if u.Device == "" {
			u.Device = name(n, n.ID)
		}
		if d, p := n.Attr("cdp_device"), n.Attr("cdp_port"); d != "" || p != "" {
			u.Hint = append(u.Hint, strings.TrimSpace("CDP "+d+" "+p))
		}
		if d, p := n.Attr("lldp_system"), n.Attr("lldp_port"); d != "" || p != "" {
			u.Hint = append(u.Hint, strings.TrimSpace("LLDP "+d+" "+p))
		}
		for _, c := range g.Out(n.ID, model.RelCabled) {
			p := b.ports[c.To]
			if p == nil {
				continue
			}
			cp := &CabledPort{Port: p, Switch: p.Switch, Channel: p.Channel, Evidence: model.SplitList(c.Attrs["evidence"]), Confidence: c.Attrs["confidence"]}
			cp.MLAGPeer = b.mlagPeer(p.Channel)
			u.Ports = append(u.Ports, cp)
			p.Attached = append(p.Attached, &Attachment{Host: h, Uplink: u, Evidence: cp.Evidence, Confidence: cp.Confidence})
		}
		b.uplinks[n.ID] = u
		h.Uplinks = append(h.Uplinks, u)
	}
	sort.SliceStable(h.Uplinks, func(i, j int) bool { return naturalLess(h.Uplinks[i].Device, h.Uplinks[j].Device) })
}

// hostSwitches fills the host's virtual switches and port groups: its
// standard vSwitches, and the distributed switches it is a member of or
// whose uplinks are its NICs.
func (b *builder) hostSwitches(h *Host) {
	g := b.g
	var ids []model.ID
	for _, e := range g.Out(h.ID, model.RelHasSwitch) {
		ids = append(ids, e.To)
	}
	for _, u := range h.Uplinks {
		for _, e := range g.In(u.ID, model.RelUplink) {
			if !slices.Contains(ids, e.From) {
				ids = append(ids, e.From)
			}
		}
	}
	for _, id := range ids {
		n := g.Node(id)
		if n == nil {
			continue
		}
		vs := &VSwitch{ID: id, Kind: n.Kind, Name: name(n, id), MTU: n.Attr("mtu"), Policy: n.Attr("policy"), Active: n.Attr("active"), Standby: n.Attr("standby")}
		for _, e := range b.uplinkEdges(id, h) {
			u := b.uplinks[e.To]
			dev := e.To.Key()
			if u != nil {
				dev = u.Device
			}
			label := dev
			if up := e.Attrs["uplink"]; up != "" && up != dev {
				label += " " + up
			}
			if lag := e.Attrs["lag"]; lag != "" {
				label += " (" + lag + ")"
			}
			vs.Uplinks = append(vs.Uplinks, label)
			if u != nil {
				used := vs.Name
				if up := e.Attrs["uplink"]; up != "" && id.Kind() == model.KindDVSwitch {
					used += " " + up
				}
				if lag := e.Attrs["lag"]; lag != "" {
					used += " (" + lag + ")"
				}
				u.UsedBy = append(u.UsedBy, used)
			}
		}
		sort.Slice(vs.Uplinks, func(i, j int) bool { return naturalLess(vs.Uplinks[i], vs.Uplinks[j]) })
		for _, l := range g.Out(id, model.RelHasLAG) {
			ln := g.Node(l.To)
			lag := &LAG{ID: l.To, Name: name(ln, l.To)}
			if ln != nil {
				lag.Mode, lag.LoadBalance = ln.Attr("mode"), ln.Attr("load_balance")
			}
			vs.LAGs = append(vs.LAGs, lag)
		}
		sort.Slice(vs.LAGs, func(i, j int) bool { return naturalLess(vs.LAGs[i].Name, vs.LAGs[j].Name) })
		h.VSwitches = append(h.VSwitches, vs)
		for _, m := range g.In(id, model.RelMemberOf) {
			pn := g.Node(m.From)
			if pn == nil {
				continue
			}
			pg := &Portgroup{ID: pn.ID, Name: name(pn, pn.ID), Switch: vs.Name, Type: pn.Attr("type"), VLAN: pn.Attr("vlan"), Trunk: pn.Attr("trunk"),
				PVLAN: pn.Attr("pvlan"), Policy: pn.Attr("policy"), Active: pn.Attr("active"), Standby: pn.Attr("standby")}
			b.portgroupState(h, pg, id)
			h.Portgroups = append(h.Portgroups, pg)
		}
	}
	sort.SliceStable(h.VSwitches, func(i, j int) bool { return naturalLess(h.VSwitches[i].Name, h.VSwitches[j].Name) })
	sort.SliceStable(h.Portgroups, func(i, j int) bool {
		a, c := h.Portgroups[i], h.Portgroups[j]
		if a.Name != c.Name {
			return naturalLess(a.Name, c.Name)
		}
		return a.Switch < c.Switch
	})
}

// uplinkEdges returns the uplink relations of virtual switch sw on host h:
// all of a standard vSwitch's, the host's share of a distributed switch's.
func (b *builder) uplinkEdges(sw model.ID, h *Host) []graph.Edge {
	if sw.Kind() != model.KindDVSwitch {
		return b.g.Out(sw, model.RelUplink)
	}
	byHost, ok := b.dvsUplinks[sw]
	if !ok {
		byHost = map[string][]graph.Edge{}
		for _, e := range b.g.Out(sw, model.RelUplink) {
			byHost[e.Attrs["host"]] = append(byHost[e.Attrs["host"]], e)
		}
		b.dvsUplinks[sw] = byHost
	}
	return byHost[h.ID.Key()]
}

// vmUplinks returns the uplinks of port group pg (of virtual switch sw) on
// host h with their roles, active first.
func (b *builder) vmUplinks(h *Host, pg *graph.Node, sw model.ID) []VMUplink {
	var r []VMUplink
	for _, e := range b.uplinkEdges(sw, h) {
		u := b.uplinks[e.To]
		if u == nil {
			continue
		}
		role := graph.UplinkRole(pg.Attr("active"), pg.Attr("standby"), e.Attrs["uplink"], e.Attrs["lag"])
		if role == graph.RoleUnused {
			continue
		}
		r = append(r, VMUplink{Uplink: u, Role: role})
	}
	sort.SliceStable(r, func(i, j int) bool {
		if r[i].Role != r[j].Role {
			return r[i].Role == graph.RoleActive
		}
		return naturalLess(r[i].Uplink.Device, r[j].Uplink.Device)
	})
	return r
}

// portgroupState says whether an access port group's VLAN works on h:
// each active or standby uplink's switch port (or its bundle) carries it.
func (b *builder) portgroupState(h *Host, pg *Portgroup, sw model.ID) {
	vid, err := strconv.Atoi(pg.VLAN)
	if err != nil || vid <= 0 || vid > 4094 || pg.Trunk != "" {
		return
	}
	pn := b.g.Node(pg.ID)
	state := VLANOK
	ups := b.vmUplinks(h, pn, sw)
	if len(ups) == 0 {
		state = VLANUnknown
	}
	for _, u := range ups {
		if len(u.Uplink.Ports) == 0 {
			state = worse(state, VLANUnknown)
			continue
		}
		for _, cp := range u.Uplink.Ports {
			switch {
			case !cp.Port.vlansOK:
				state = worse(state, VLANUnknown)
			case !cp.Port.vlans.has(vid):
				state = VLANGap
				pg.Missing = append(pg.Missing, u.Uplink.Device+" → "+cp.Switch.Name+" "+cp.Port.Name)
			}
		}
	}
	pg.State = state
	h.VLANs[vid] = worse(h.VLANs[vid], state)
}

// worse returns the worse of two states of a VLAN on a host.
func worse(a, b VLANState) VLANState {
	rank := map[VLANState]int{VLANAbsent: 0, VLANOK: 1, VLANUnknown: 2, VLANGap: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func (b *builder) buildVMs() {
	g := b.g
	for _, h := range b.s.Hosts {
		pgs := map[model.ID]*Portgroup{}
		for _, pg := range h.Portgroups {
			pgs[pg.ID] = pg
		}
		for _, e := range g.In(h.ID, model.RelRunsOn) {
			n := g.Node(e.From)
			if n == nil {
				continue
			}
			vm := &VM{ID: n.ID, Name: name(n, n.ID), Power: n.Attr("power"), Host: h}
			for _, a := range g.In(n.ID, model.RelContains) {
				if a.From.Kind() == model.KindApplication {
					vm.Apps = append(vm.Apps, name(g.Node(a.From), a.From))
				}
			}
			sort.Strings(vm.Apps)
			for _, v := range g.Out(n.ID, model.RelHasVNIC) {
				nic := &VMNIC{Label: v.To.Key()}
				if vn := g.Node(v.To); vn != nil {
					if l := vn.Attr("label"); l != "" {
						nic.Label = l
					}
					nic.MAC, nic.Connected = model.NormalizeMAC(vn.Attr("mac")), vn.Attr("connected") == "true"
				}
				for _, ip := range g.Out(v.To, model.RelHasIP) {
					nic.IPs = append(nic.IPs, ip.To.Key())
				}
				for _, at := range g.Out(v.To, model.RelAttached) {
					pn := g.Node(at.To)
					nic.Portgroup, nic.VLAN = name(pn, at.To), ""
					if pn == nil {
						break
					}
					nic.VLAN = pn.Attr("vlan")
					if t := pn.Attr("trunk"); t != "" {
						nic.VLAN = t
					}
					if pg := pgs[at.To]; pg != nil {
						pg.VMs++
					}
					for _, m := range g.Out(at.To, model.RelMemberOf) {
						nic.Uplinks = b.vmUplinks(h, pn, m.To)
						break
					}
					break
				}
				for _, u := range nic.Uplinks {
					if len(u.Uplink.VMs) == 0 || u.Uplink.VMs[len(u.Uplink.VMs)-1] != vm {
						u.Uplink.VMs = append(u.Uplink.VMs, vm)
					}
				}
				vm.NICs = append(vm.NICs, nic)
			}
			sort.SliceStable(vm.NICs, func(i, j int) bool { return naturalLess(vm.NICs[i].Label, vm.NICs[j].Label) })
			b.vms[vm.ID] = vm
			h.VMs = append(h.VMs, vm)
		}
		sort.SliceStable(h.VMs, func(i, j int) bool { return vmLess(h.VMs[i], h.VMs[j]) })
		for _, u := range h.Uplinks {
			sort.SliceStable(u.VMs, func(i, j int) bool { return vmLess(u.VMs[i], u.VMs[j]) })
		}
	}
}

func vmLess(a, b *VM) bool {
	if a.Name != b.Name {
		return naturalLess(a.Name, b.Name)
	}
	return a.ID < b.ID
}

// buildBundles finds the hosts' link aggregates: the LAG uplinks of
// distributed switches and the uplinks of virtual switches or port groups
// teaming by IP hash, and how the switches bundle their ports.
func (b *builder) buildBundles() {
	for _, h := range b.s.Hosts {
		for _, vs := range h.VSwitches {
			byLAG := map[string][]*Uplink{}
			var ipHash []*Uplink
			for _, e := range b.uplinkEdges(vs.ID, h) {
				u := b.uplinks[e.To]
				if u == nil {
					continue
				}
				if lag := e.Attrs["lag"]; lag != "" {
					byLAG[lag] = append(byLAG[lag], u)
				} else if vs.Policy == "loadbalance_ip" {
					ipHash = append(ipHash, u)
				}
			}
			for _, lag := range vs.LAGs {
				if ups := byLAG[lag.Name]; len(ups) > 0 {
					b.addBundle(&Bundle{Host: h, VSwitch: vs.Name, Name: lag.Name, Mode: "LACP " + lag.Mode, Uplinks: ups})
					delete(byLAG, lag.Name)
				}
			}
			for _, lag := range sortedKeys(byLAG) {
				b.addBundle(&Bundle{Host: h, VSwitch: vs.Name, Name: lag, Mode: "LACP", Uplinks: byLAG[lag]})
			}
			if len(ipHash) > 1 {
				b.addBundle(&Bundle{Host: h, VSwitch: vs.Name, Name: "IP hash", Mode: "static (IP hash)", Uplinks: ipHash})
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	r := make([]string, 0, len(m))
	for k := range m {
		r = append(r, k)
	}
	sort.Slice(r, func(i, j int) bool { return naturalLess(r[i], r[j]) })
	return r
}

func (b *builder) addBundle(bd *Bundle) {
	sort.SliceStable(bd.Uplinks, func(i, j int) bool { return naturalLess(bd.Uplinks[i].Device, bd.Uplinks[j].Device) })
	bd.Status = BundleOK
	seen := map[*SwitchPort]bool{}
	for _, u := range bd.Uplinks {
		if len(u.Ports) == 0 {
			bd.Status = BundleUnknown
			continue
		}
		for _, cp := range u.Ports {
			if cp.Channel == nil {
				if bd.Status == BundleOK {
					bd.Status = BundleNotOnPort
				}
				continue
			}
			if !seen[cp.Channel] {
				seen[cp.Channel] = true
				bd.Channels = append(bd.Channels, cp.Channel)
			}
		}
	}
	sort.Slice(bd.Channels, func(i, j int) bool { return portLess(bd.Channels[i], bd.Channels[j]) })
	if bd.Status == BundleOK && len(bd.Channels) > 1 {
		for _, c := range bd.Channels[1:] {
			first := bd.Channels[0]
			if c.Name != first.Name || b.mlagPeer(first) != c.Switch || len(bd.Channels) > 2 {
				bd.Status = BundleSplit
			}
		}
	}
	b.s.Bundles = append(b.s.Bundles, bd)
}

func portLess(a, c *SwitchPort) bool {
	if a.Switch != c.Switch {
		return naturalLess(a.Switch.Name, c.Switch.Name)
	}
	return naturalLess(a.Name, c.Name)
}

func (b *builder) buildChannels(in Input) {
	traffic := map[model.ID]*query.LinkChannel{}
	if in.Links != nil {
		for i := range in.Links.Channels {
			traffic[model.ID(in.Links.Channels[i].Channel)] = &in.Links.Channels[i]
		}
	}
	pairs := map[[2]*Switch]*MLAGPair{}
	for _, sw := range b.s.Switches {
		for _, p := range sw.Ports {
			if p.Kind != model.KindPortChannel {
				continue
			}
			c := &Channel{Port: p, MLAGPeer: b.mlagPeer(p), Traffic: traffic[p.ID]}
			seen := map[*Host]bool{}
			for _, m := range p.Members {
				for _, a := range m.Attached {
					if !seen[a.Host] {
						seen[a.Host] = true
						c.Hosts = append(c.Hosts, a.Host)
					}
				}
			}
			sort.Slice(c.Hosts, func(i, j int) bool { return naturalLess(c.Hosts[i].Name, c.Hosts[j].Name) })
			b.s.Channels = append(b.s.Channels, c)
			if c.MLAGPeer != nil {
				k := [2]*Switch{sw, c.MLAGPeer}
				if naturalLess(c.MLAGPeer.Name, sw.Name) {
					k = [2]*Switch{c.MLAGPeer, sw}
				}
				pr := pairs[k]
				if pr == nil {
					pr = &MLAGPair{A: k[0], B: k[1]}
					pairs[k] = pr
					b.s.MLAGPairs = append(b.s.MLAGPairs, pr)
				}
				if !slices.Contains(pr.Channels, p.Name) {
					pr.Channels = append(pr.Channels, p.Name)
				}
			}
		}
	}
	for _, pr := range b.s.MLAGPairs {
		sort.Slice(pr.Channels, func(i, j int) bool { return naturalLess(pr.Channels[i], pr.Channels[j]) })
	}
	sort.SliceStable(b.s.MLAGPairs, func(i, j int) bool {
		x, y := b.s.MLAGPairs[i], b.s.MLAGPairs[j]
		if x.A != y.A {
			return naturalLess(x.A.Name, y.A.Name)
		}
		return naturalLess(x.B.Name, y.B.Name)
	})
}
