package doc

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

// Top-level pages.
const (
	pageIndex    = "index"
	pageHosts    = "hosts"
	pageSwitches = "switches"
	pageLAGs     = "link-aggregation"
	pageVLANs    = "vlans"
	pageApps     = "applications"
	pageFindings = "findings"
	pageChanges  = "changes"
)

// maxNames bounds the names listed in one cell (VMs behind a port); the
// cell says how many more there are.
const maxNames = 10

// maxChanges bounds the entries of each list of the change log.
const maxChanges = 200

// momentText is how the documented moment is shown.
func momentText(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// pages lays the site out as pages, and the diagrams they show.
func (s *Site) pagesAndDiagrams() ([]*page, []*diagram) {
	var ps []*page
	var ds []*diagram
	ps = append(ps, s.indexPage(), s.hostsPage(), s.switchesPage(), s.lagPage(), s.vlansPage(), s.findingsPage())
	apps := s.appsPage()
	ps = append(ps, apps.p)
	ds = append(ds, apps.d)
	if s.Changes != nil {
		ps = append(ps, s.changesPage())
	}
	for _, c := range s.Clusters {
		p, d := s.clusterPage(c)
		ps, ds = append(ps, p), append(ds, d)
	}
	for _, h := range s.Hosts {
		ps = append(ps, s.hostPage(h))
	}
	for _, sw := range s.Switches {
		ps = append(ps, s.switchPage(sw))
	}
	for _, v := range s.VLANs {
		ps = append(ps, s.vlanPage(v))
	}
	for _, a := range s.Apps {
		p, d := s.appPage(a)
		ps, ds = append(ps, p), append(ds, d)
	}
	return ps, ds
}

// nav is the line of links at the top of every page.
func (s *Site) nav() para {
	items := [][]span{{link("Overview", pageIndex)}, {link("Hosts", pageHosts)}, {link("Switches", pageSwitches)},
		{link("Link aggregation", pageLAGs)}, {link("VLANs", pageVLANs)}, {link("Applications", pageApps)}, {link("Findings", pageFindings)}}
	if s.Changes != nil {
		items = append(items, []span{link("Changes", pageChanges)})
	}
	return para(joinSpans(items, " · "))
}

func (s *Site) newPage(path, title string) *page {
	return &page{path: path, title: title, blocks: []block{s.nav(), heading{level: 1, text: title},
		para{txt("As of " + momentText(s.Moment) + ".")}}}
}

func (p *page) add(b ...block) { p.blocks = append(p.blocks, b...) }

func kv(rows ...[2]cell) table {
	t := table{head: []string{"", ""}}
	for _, r := range rows {
		if len(r[1]) == 0 || (len(r[1]) == 1 && r[1][0].text == "" && r[1][0].target == "") {
			continue
		}
		t.rows = append(t.rows, []cell{r[0], r[1]})
	}
	return t
}

func pair(k string, v cell) [2]cell { return [2]cell{ct(k), v} }

func (s *Site) vmCount(hs []*Host) int {
	n := 0
	for _, h := range hs {
		n += len(h.VMs)
	}
	return n
}

func (s *Site) indexPage() *page {
	p := s.newPage(pageIndex, "Network documentation")
	counts := [][2]cell{}
	for _, k := range []struct {
		kind  model.Kind
		label string
	}{{model.KindCluster, "Clusters"}, {model.KindHost, "Hosts"}, {model.KindVM, "VMs"}, {model.KindPNIC, "Physical NICs"},
		{model.KindVSwitch, "Standard vSwitches"}, {model.KindDVSwitch, "Distributed switches"}, {model.KindPortgroup, "Port groups"},
		{model.KindSwitch, "Switches"}, {model.KindPort, "Switch ports"}, {model.KindPortChannel, "Port-channels"}, {model.KindApplication, "Applications"}} {
		counts = append(counts, pair(k.label, cn(s.Counts[k.kind])))
	}
	counts = append(counts, pair("VLANs", cn(len(s.VLANs))))
	sev := map[check.Severity]int{}
	for _, f := range s.Findings {
		sev[f.Severity]++
	}
	counts = append(counts, pair("Open findings", c(link(fmt.Sprintf("%d critical, %d warning, %d info", sev[check.Critical], sev[check.Warning], sev[check.Info]), pageFindings))))
	p.add(heading{level: 2, text: "Summary"}, kv(counts...))
	p.add(heading{level: 2, text: "Clusters"})
	t := table{head: []string{"Cluster", "Datacenter", "Hosts", "VMs", "VLANs", "VLAN gaps"}}
	for _, cl := range s.Clusters {
		gaps := 0
		for _, h := range cl.Hosts {
			for _, st := range h.VLANs {
				if st == VLANGap {
					gaps++
				}
			}
		}
		t.rows = append(t.rows, []cell{c(link(cl.Name, cl.page)), ct(or(cl.Datacenter)), cn(len(cl.Hosts)), cn(s.vmCount(cl.Hosts)), cn(len(cl.VLANs)), gapCell(gaps)})
	}
	p.add(t)
	p.add(heading{level: 2, text: "Switches"})
	t = table{head: []string{"Switch", "Model", "Ports", "Hosts cabled", "Neighbours"}}
	for _, sw := range s.Switches {
		t.rows = append(t.rows, []cell{c(link(sw.Name, sw.page)), ct(or(strings.TrimSpace(sw.Vendor + " " + sw.Model))), cn(len(sw.Ports)), cn(len(switchHosts(sw))), switchLinks(sw.Neighbours)})
	}
	p.add(t)
	if s.Changes != nil {
		d := s.Changes.Diff
		p.add(heading{level: 2, text: "Changes"}, para{link(fmt.Sprintf("Since %s: %d migration(s), %d added, %d removed, %d changed, %d relation change(s); %d finding(s) appeared, %d cleared",
			momentText(d.From), len(d.Migrations), len(d.Added), len(d.Removed), len(d.Changed), len(d.Links), len(s.Changes.Appeared), len(s.Changes.Cleared)), pageChanges)})
	}
	return p
}

func gapCell(n int) cell {
	if n == 0 {
		return c(mark("ok", "✓ none"))
	}
	return c(mark("gap", fmt.Sprintf("✗ %d", n)))
}

func switchHosts(sw *Switch) []*Host {
	seen := map[*Host]bool{}
	var r []*Host
	for _, p := range sw.Ports {
		for _, a := range p.Attached {
			if !seen[a.Host] {
				seen[a.Host] = true
				r = append(r, a.Host)
			}
		}
	}
	sort.Slice(r, func(i, j int) bool { return naturalLess(r[i].Name, r[j].Name) })
	return r
}

func switchLinks(sws []*Switch) cell {
	var g [][]span
	for _, sw := range sws {
		g = append(g, []span{link(sw.Name, sw.page)})
	}
	if len(g) == 0 {
		return ct(dash)
	}
	return cell(joinSpans(g, ", "))
}

func hostLinks(hs []*Host, max int) cell {
	var g [][]span
	for i, h := range hs {
		if i == max {
			g = append(g, []span{txt(fmt.Sprintf("… (%d more)", len(hs)-max))})
			break
		}
		g = append(g, []span{link(h.Name, h.page)})
	}
	if len(g) == 0 {
		return ct(dash)
	}
	return cell(joinSpans(g, ", "))
}

func (s *Site) hostsPage() *page {
	p := s.newPage(pageHosts, "Hosts")
	t := table{head: []string{"Host", "Cluster", "Connection", "VMs", "Physical NICs", "Switches", "VLAN gaps"}}
	for _, h := range s.Hosts {
		sws := map[*Switch]bool{}
		var list []*Switch
		for _, u := range h.Uplinks {
			for _, cp := range u.Ports {
				if !sws[cp.Switch] {
					sws[cp.Switch] = true
					list = append(list, cp.Switch)
				}
			}
		}
		sort.Slice(list, func(i, j int) bool { return naturalLess(list[i].Name, list[j].Name) })
		gaps := 0
		for _, st := range h.VLANs {
			if st == VLANGap {
				gaps++
			}
		}
		t.rows = append(t.rows, []cell{c(link(h.Name, h.page)), c(link(h.Cluster.Name, h.Cluster.page)), ct(or(h.Connection)), cn(len(h.VMs)), cn(len(h.Uplinks)), switchLinks(list), gapCell(gaps)})
	}
	p.add(t)
	return p
}

func (s *Site) switchesPage() *page {
	p := s.newPage(pageSwitches, "Switches")
	t := table{head: []string{"Switch", "Vendor", "Model", "Version", "Address", "Ports", "Port-channels", "Hosts cabled", "Neighbours"}}
	for _, sw := range s.Switches {
		ports, pcs := 0, 0
		for _, pt := range sw.Ports {
			if pt.Kind == model.KindPortChannel {
				pcs++
			} else {
				ports++
			}
		}
		t.rows = append(t.rows, []cell{c(link(sw.Name, sw.page)), ct(or(sw.Vendor)), ct(or(sw.Model)), ct(or(sw.Version)), ct(or(sw.Address)), cn(ports), cn(pcs), cn(len(switchHosts(sw))), switchLinks(sw.Neighbours)})
	}
	p.add(t)
	return p
}

// portRef is a link to a switch port on its switch's page.
func portRef(pt *SwitchPort) span { return link(pt.Name, anchorTo(pt.Switch.page, pt.anchor)) }

func (s *Site) clusterPage(cl *Cluster) (*page, *diagram) {
	p := s.newPage(cl.page, "Cluster "+cl.Name)
	if cl.ID == "cluster:" {
		p.title, p.blocks[1] = "Standalone hosts", heading{level: 1, text: "Standalone hosts"}
	}
	p.add(kv(pair("Datacenter", ct(cl.Datacenter)), pair("DRS", ct(cl.DRS)), pair("HA", ct(cl.HA)),
		pair("Hosts", cn(len(cl.Hosts))), pair("VMs", cn(s.vmCount(cl.Hosts)))))
	d := cablingDiagram(s, cl)
	p.add(heading{level: 2, text: "Cabling"}, para{txt("Hosts (top) and the switches their NICs are cabled to: a thin line per NIC (NIC, switch port), a thick green line per host link aggregate and switch (its NICs, the port-channel), a dotted line between the two switches of an MLAG/vPC pair; a dashed red line is cabling the sources disagree on.")},
		figure{d: d, alt: "Cabling of " + cl.Name})
	p.add(heading{level: 2, text: "Hosts"})
	t := table{head: []string{"Host", "Connection", "VMs", "Uplinks", "Bundles"}}
	for _, h := range cl.Hosts {
		var ups [][]span
		for _, u := range h.Uplinks {
			g := []span{txt(u.Device + " → ")}
			if len(u.Ports) == 0 {
				g = append(g, txt("?"))
			}
			for i, cp := range u.Ports {
				if i > 0 {
					g = append(g, txt(", "))
				}
				g = append(g, link(cp.Switch.Name, cp.Switch.page), txt(" "), portRef(cp.Port))
			}
			ups = append(ups, g)
		}
		var bds []string
		for _, bd := range s.Bundles {
			if bd.Host == h {
				bds = append(bds, bd.VSwitch+" "+bd.Name)
			}
		}
		t.rows = append(t.rows, []cell{c(link(h.Name, h.page)), ct(or(h.Connection)), cn(len(h.VMs)), cell(brJoin(ups)), ct(or(strings.Join(bds, ", ")))})
	}
	p.add(t)
	p.add(heading{level: 2, text: "VLANs on the hosts"}, vlanLegend())
	if len(cl.VLANs) == 0 {
		p.add(para{txt("No access port group on these hosts.")})
		return p, d
	}
	head := []string{"Host"}
	for _, v := range cl.VLANs {
		head = append(head, "VLAN "+strconv.Itoa(v))
	}
	t = table{head: head}
	for _, h := range cl.Hosts {
		row := []cell{c(link(h.Name, h.page))}
		for _, v := range cl.VLANs {
			row = append(row, stateCell(h.VLANs[v], true))
		}
		t.rows = append(t.rows, row)
	}
	p.add(t)
	return p, d
}

// brJoin joins span groups with line breaks.
func brJoin(groups [][]span) []span {
	var r []span
	for i, g := range groups {
		if i > 0 && len(g) > 0 {
			g = append([]span{brk(g[0])}, g[1:]...)
		}
		r = append(r, g...)
	}
	return r
}

func vlanLegend() para {
	return para{txt("Legend: "), mark("ok", "✓"), txt(" port group, and every active/standby uplink's switch port carries the VLAN; "),
		mark("gap", "✗ gap"), txt(" port group, but an uplink's switch port does not carry it; "), mark("unknown", "?"),
		txt(" port group, switch port or its VLANs unknown; "), mark("absent", "–"), txt(" no port group on the VLAN (missing where the cluster's other hosts have one).")}
}

func stateCell(st VLANState, absent bool) cell {
	switch st {
	case VLANOK:
		return c(mark("ok", "✓"))
	case VLANGap:
		return c(mark("gap", "✗ gap"))
	case VLANUnknown:
		return c(mark("unknown", "?"))
	}
	if absent {
		return c(mark("absent", "–"))
	}
	return ct("")
}

func (s *Site) hostPage(h *Host) *page {
	p := s.newPage(h.page, "Host "+h.Name)
	p.add(kv(pair("Cluster", c(link(h.Cluster.Name, h.Cluster.page))), pair("Datacenter", ct(h.Cluster.Datacenter)),
		pair("Connection", ct(h.Connection)), pair("Hardware", ct(strings.TrimSpace(h.Vendor+" "+h.Model))), pair("Version", ct(h.Version)),
		pair("VMs", cn(len(h.VMs)))))

	p.add(heading{level: 2, text: "Uplinks", id: "uplinks"})
	t := table{head: []string{"pNIC", "MAC", "Speed", "Link", "Switch", "Port", "Port-channel", "Mode", "Native VLAN", "VLANs", "Evidence", "Used by"}}
	for _, u := range h.Uplinks {
		base := []cell{c(code(u.Device)), c(code(or(u.MAC))), ct(speed(u.SpeedMbps)), ct(or(u.Link))}
		used := ct(or(strings.Join(u.UsedBy, ", ")))
		if len(u.Ports) == 0 {
			hint := "no known switch port"
			if len(u.Hint) > 0 {
				hint += " (host sees " + strings.Join(u.Hint, "; ") + ")"
			}
			t.rows = append(t.rows, append(base, ct(dash), ct(dash), ct(dash), ct(dash), ct(dash), ct(dash), c(mark("unknown", hint)), used))
			continue
		}
		for _, cp := range u.Ports {
			vl := cp.Port
			if cp.Channel != nil && cp.Channel.Mode != "" {
				vl = cp.Channel
			}
			pc := ct(dash)
			if cp.Channel != nil {
				pc = c(portRef(cp.Channel))
				if cp.MLAGPeer != nil {
					pc = append(pc, txt(" (MLAG with "), link(cp.MLAGPeer.Name, cp.MLAGPeer.page), txt(")"))
				}
			}
			ev := strings.Join(cp.Evidence, ", ")
			evc := ct(or(ev) + " (" + or(cp.Confidence) + ")")
			if cp.Confidence == "conflict" {
				evc = c(mark("gap", ev+" (conflict)"))
			}
			t.rows = append(t.rows, append(base, c(link(cp.Switch.Name, cp.Switch.page)), c(portRef(cp.Port)), pc,
				ct(or(vl.Mode)), ct(or(vl.Native)), ct(or(portVLANs(vl))), evc, used))
		}
	}
	p.add(t)

	p.add(heading{level: 2, text: "Virtual switches", id: "vswitches"})
	t = table{head: []string{"Switch", "Kind", "MTU", "Teaming", "Active", "Standby", "Uplinks on this host", "LACP groups"}}
	for _, vs := range h.VSwitches {
		kind := "standard"
		if vs.Kind == model.KindDVSwitch {
			kind = "distributed"
		}
		var lags []string
		for _, l := range vs.LAGs {
			x := l.Name
			if l.Mode != "" || l.LoadBalance != "" {
				x += " (" + strings.Trim(l.Mode+", "+l.LoadBalance, ", ") + ")"
			}
			lags = append(lags, x)
		}
		t.rows = append(t.rows, []cell{ct(vs.Name), ct(kind), ct(or(vs.MTU)), ct(or(vs.Policy)), ct(or(vs.Active)), ct(or(vs.Standby)),
			ct(or(strings.Join(vs.Uplinks, ", "))), ct(or(strings.Join(lags, ", ")))})
	}
	p.add(t)

	p.add(heading{level: 2, text: "Port groups", id: "portgroups"})
	t = table{head: []string{"Port group", "Switch", "VLAN", "Teaming", "Active", "Standby", "VMs here", "VLAN upstream"}}
	for _, pg := range h.Portgroups {
		vlan := pg.VLAN
		if pg.Trunk != "" {
			vlan = "trunk " + pg.Trunk
		}
		if pg.PVLAN != "" {
			vlan += " (PVLAN " + pg.PVLAN + ")"
		}
		up := stateCell(pg.State, false)
		if len(pg.Missing) > 0 {
			up = append(up, txt(": not on "+strings.Join(pg.Missing, ", ")))
		}
		t.rows = append(t.rows, []cell{ct(pg.Name), ct(pg.Switch), ct(or(vlan)), ct(or(pg.Policy)), ct(or(pg.Active)), ct(or(pg.Standby)), cn(pg.VMs), up})
	}
	p.add(t)

	p.add(heading{level: 2, text: "VMs", id: "vms"})
	p.add(vmTable(h.VMs, false))
	return p
}

// portVLANs is the VLANs a port lets through: its access VLAN, or a trunk's
// allowed VLANs.
func portVLANs(p *SwitchPort) string {
	switch p.Mode {
	case "access":
		return p.Access
	case "trunk":
		return p.Allowed
	}
	return ""
}

// vmTable lists VMs with their vNICs, port groups, VLANs and uplinks.
func vmTable(vms []*VM, withHost bool) table {
	head := []string{"VM", "Power"}
	if withHost {
		head = append(head, "Host", "Cluster")
	} else {
		head = append(head, "Applications")
	}
	head = append(head, "vNIC", "Port group", "VLAN", "Uplinks → switch ports")
	t := table{head: head}
	for _, vm := range vms {
		row := []cell{ct(vm.Name), ct(or(vm.Power))}
		if withHost {
			if vm.Host != nil {
				row = append(row, c(link(vm.Host.Name, vm.Host.page)), c(link(vm.Host.Cluster.Name, vm.Host.Cluster.page)))
			} else {
				row = append(row, ct(dash), ct(dash))
			}
		} else {
			row = append(row, ct(or(strings.Join(vm.Apps, ", "))))
		}
		var nics, pgs, vlans, ups [][]span
		for _, n := range vm.NICs {
			label := n.Label
			if !n.Connected {
				label += " (disconnected)"
			}
			nics = append(nics, []span{txt(label)})
			pgs = append(pgs, []span{txt(or(n.Portgroup))})
			vlans = append(vlans, []span{txt(or(n.VLAN))})
			var u []span
			for i, x := range n.Uplinks {
				if i > 0 {
					u = append(u, txt("; "))
				}
				u = append(u, txt(x.Uplink.Device+" ("+x.Role+") → "))
				if len(x.Uplink.Ports) == 0 {
					u = append(u, txt("?"))
				}
				for j, cp := range x.Uplink.Ports {
					if j > 0 {
						u = append(u, txt(", "))
					}
					u = append(u, link(cp.Switch.Name, cp.Switch.page), txt(" "), portRef(cp.Port))
					if cp.Channel != nil {
						u = append(u, txt(" ("), portRef(cp.Channel), txt(")"))
					}
				}
			}
			if len(u) == 0 {
				u = []span{txt(dash)}
			}
			ups = append(ups, u)
		}
		if len(vm.NICs) == 0 {
			row = append(row, ct(dash), ct(dash), ct(dash), ct(dash))
		} else {
			row = append(row, cell(brJoin(nics)), cell(brJoin(pgs)), cell(brJoin(vlans)), cell(brJoin(ups)))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

func (s *Site) switchPage(sw *Switch) *page {
	p := s.newPage(sw.page, "Switch "+sw.Name)
	var peers []*Switch
	for _, pr := range s.MLAGPairs {
		if pr.A == sw {
			peers = append(peers, pr.B)
		} else if pr.B == sw {
			peers = append(peers, pr.A)
		}
	}
	p.add(kv(pair("Vendor", ct(sw.Vendor)), pair("Model", ct(sw.Model)), pair("Version", ct(sw.Version)), pair("Address", ct(sw.Address)),
		pair("Neighbours", switchLinks(sw.Neighbours)), pair("MLAG/vPC peer", switchLinksOrEmpty(peers)), pair("Hosts cabled", cn(len(switchHosts(sw))))))
	p.add(heading{level: 2, text: "Ports", id: "ports"})
	t := table{head: []string{"Port", "Oper", "Speed", "Mode", "Native VLAN", "VLANs", "Port-channel", "Neighbour", "Hosts and VMs behind"}}
	for _, pt := range sw.Ports {
		if pt.Kind != model.KindPort {
			continue
		}
		pc := ct(dash)
		if pt.Channel != nil {
			pc = c(portRef(pt.Channel))
		}
		t.rows = append(t.rows, []cell{c(span{text: pt.Name, anchor: pt.anchor}), ct(or(pt.Oper)), ct(speed(pt.Speed)), ct(or(pt.Mode)),
			ct(or(pt.Native)), ct(or(portVLANs(pt))), pc, neighbourCell(pt), behindCell(pt.Attached)})
	}
	p.add(t)
	p.add(heading{level: 2, text: "Port-channels", id: "port-channels"})
	t = table{head: []string{"Port-channel", "Oper", "Mode", "Native VLAN", "VLANs", "Members", "MLAG peer", "Hosts and VMs behind"}}
	for _, pt := range sw.Ports {
		if pt.Kind != model.KindPortChannel {
			continue
		}
		var members [][]span
		var att []*Attachment
		for _, m := range pt.Members {
			members = append(members, []span{portRef(m)})
			att = append(att, m.Attached...)
		}
		peer := ct(dash)
		for _, ch := range s.Channels {
			if ch.Port == pt && ch.MLAGPeer != nil {
				peer = c(link(ch.MLAGPeer.Name, ch.MLAGPeer.page))
			}
		}
		mc := cell(joinSpans(members, ", "))
		if len(members) == 0 {
			mc = ct(dash)
		}
		t.rows = append(t.rows, []cell{c(span{text: pt.Name, anchor: pt.anchor}), ct(or(pt.Oper)), ct(or(pt.Mode)), ct(or(pt.Native)), ct(or(portVLANs(pt))), mc, peer, behindCell(att)})
	}
	p.add(t)
	p.add(heading{level: 2, text: "VLANs", id: "vlans"})
	var vl [][]span
	for _, v := range sw.VLANs {
		label := strconv.Itoa(v.VID)
		if v.Name != "" {
			label += " (" + v.Name + ")"
		}
		target := ""
		if x := vlanNamed(s, strconv.Itoa(v.VID)); x != nil {
			target = x.page
		}
		vl = append(vl, []span{link(label, target)})
	}
	if len(vl) == 0 {
		p.add(para{txt("The switch reports no VLANs.")})
	} else {
		p.add(para(joinSpans(vl, ", ")))
	}
	return p
}

func switchLinksOrEmpty(sws []*Switch) cell {
	if len(sws) == 0 {
		return ct("")
	}
	return switchLinks(sws)
}

func neighbourCell(pt *SwitchPort) cell {
	var r []span
	if pt.Peer != nil {
		r = append(r, txt("link to "), link(pt.Peer.Switch.Name, pt.Peer.Switch.page), txt(" "), portRef(pt.Peer))
	}
	if pt.Neighbor != "" {
		if len(r) > 0 {
			r = append(r, brk(txt(pt.Neighbor)))
		} else {
			r = append(r, txt(pt.Neighbor))
		}
	}
	if len(r) == 0 {
		return ct(dash)
	}
	return cell(r)
}

// behindCell lists the host NICs cabled to a port and the VMs behind them.
func behindCell(att []*Attachment) cell {
	var groups [][]span
	for _, a := range att {
		g := []span{link(a.Host.Name, anchorTo(a.Host.page, "uplinks")), txt(" " + a.Uplink.Device)}
		if a.Confidence == "conflict" {
			g = append(g, mark("gap", " (conflict: "+strings.Join(a.Evidence, ", ")+")"))
		} else {
			g = append(g, txt(" ("+strings.Join(a.Evidence, ", ")+")"))
		}
		if n := len(a.Uplink.VMs); n > 0 {
			names := make([]string, n)
			for i, vm := range a.Uplink.VMs {
				names[i] = vm.Name
			}
			g = append(g, txt(fmt.Sprintf(": %d VM(s): %s", n, limited(names, maxNames))))
		}
		groups = append(groups, g)
	}
	if len(groups) == 0 {
		return ct(dash)
	}
	return cell(brJoin(groups))
}

func (s *Site) lagPage() *page {
	p := s.newPage(pageLAGs, "Link aggregation")
	p.add(heading{level: 2, text: "Host link aggregates", id: "bundles"},
		para{txt("Each LACP group of a distributed switch and each IP-hash teaming on a host, with the switch ports of its NICs and the port-channels they are members of.")})
	t := table{head: []string{"Host", "Virtual switch", "Bundle", "Mode", "Members", "Port-channels", "Status"}}
	for _, bd := range s.Bundles {
		var members [][]span
		for _, u := range bd.Uplinks {
			g := []span{txt(u.Device + " → ")}
			if len(u.Ports) == 0 {
				g = append(g, txt("?"))
			}
			for i, cp := range u.Ports {
				if i > 0 {
					g = append(g, txt(", "))
				}
				g = append(g, link(cp.Switch.Name, cp.Switch.page), txt(" "), portRef(cp.Port))
			}
			members = append(members, g)
		}
		var chans [][]span
		for _, ch := range bd.Channels {
			chans = append(chans, []span{link(ch.Switch.Name, ch.Switch.page), txt(" "), portRef(ch)})
		}
		chc := cell(joinSpans(chans, ", "))
		if len(chans) == 0 {
			chc = ct(dash)
		}
		st := c(mark("ok", "✓ "+bd.Status))
		if bd.Status != BundleOK {
			st = c(mark("gap", "✗ "+bd.Status))
		}
		t.rows = append(t.rows, []cell{c(link(bd.Host.Name, bd.Host.page)), ct(bd.VSwitch), ct(bd.Name), ct(bd.Mode), cell(brJoin(members)), chc, st})
	}
	if len(t.rows) == 0 {
		p.add(para{txt("No host bundles its uplinks.")})
	} else {
		p.add(t)
	}
	p.add(heading{level: 2, text: "Switch port-channels", id: "port-channels"})
	t = table{head: []string{"Switch", "Port-channel", "Members", "Mode", "VLANs", "MLAG peer", "Hosts", "Traffic share per member"}}
	for _, ch := range s.Channels {
		var members [][]span
		for _, m := range ch.Port.Members {
			members = append(members, []span{portRef(m)})
		}
		mc := cell(joinSpans(members, ", "))
		if len(members) == 0 {
			mc = ct(dash)
		}
		peer := ct(dash)
		if ch.MLAGPeer != nil {
			peer = c(link(ch.MLAGPeer.Name, ch.MLAGPeer.page))
		}
		t.rows = append(t.rows, []cell{c(link(ch.Port.Switch.Name, ch.Port.Switch.page)), c(portRef(ch.Port)), mc, ct(or(ch.Port.Mode)),
			ct(or(portVLANs(ch.Port))), peer, hostLinks(ch.Hosts, maxNames), shareCell(ch.Traffic)})
	}
	if len(t.rows) == 0 {
		p.add(para{txt("No switch reports a port-channel.")})
	} else {
		p.add(t)
	}
	p.add(heading{level: 2, text: "MLAG / vPC pairs", id: "mlag"})
	t = table{head: []string{"Switch", "Peer", "Shared port-channels"}}
	for _, pr := range s.MLAGPairs {
		t.rows = append(t.rows, []cell{c(link(pr.A.Name, pr.A.page)), c(link(pr.B.Name, pr.B.page)), ct(strings.Join(pr.Channels, ", "))})
	}
	if len(t.rows) == 0 {
		p.add(para{txt("No MLAG/vPC pair: no two linked switches hold port-channels of the same name.")})
	} else {
		p.add(t)
	}
	return p
}

// shareCell shows each member's share of a port-channel's bytes.
func shareCell(ch *query.LinkChannel) cell {
	if ch == nil {
		return ct(dash)
	}
	var parts [][]span
	for _, m := range ch.Members {
		text := fmt.Sprintf("%s in %.0f%% out %.0f%%", m.Name, m.ShareIn*100, m.ShareOut*100)
		if m.Imbalanced {
			parts = append(parts, []span{mark("gap", text+" (imbalanced)")})
		} else {
			parts = append(parts, []span{txt(text)})
		}
	}
	if len(parts) == 0 {
		return ct(dash)
	}
	return cell(brJoin(parts))
}

func (s *Site) vlansPage() *page {
	p := s.newPage(pageVLANs, "VLANs")
	p.add(para{txt("Each VLAN of an access port group or defined on a switch, against the port groups on it, the hosts that have them (and whether their uplinks' switch ports carry the VLAN), and the switches that define it and carry it on ports. Trunk port groups (VLAN ranges) are listed on the host pages.")})
	t := table{head: []string{"VLAN", "Names", "Port groups", "Hosts", "Gaps", "Switches defining it", "Switch ports carrying it", "Status"}}
	for _, v := range s.VLANs {
		var pgs []string
		for _, pg := range v.Portgroups {
			pgs = append(pgs, pg.Name)
		}
		defined, ports := 0, 0
		for _, sw := range v.Switches {
			if sw.Defined {
				defined++
			}
			ports += len(sw.Ports)
		}
		var st cell
		switch {
		case v.OnNoSwitch:
			st = c(mark("gap", "✗ on no switch"))
		case v.Gaps > 0:
			st = c(mark("gap", fmt.Sprintf("✗ not carried to %d host(s)", v.Gaps)))
		case len(v.Portgroups) == 0:
			st = c(mark("absent", "no port group"))
		default:
			st = c(mark("ok", "✓"))
		}
		t.rows = append(t.rows, []cell{c(link(strconv.Itoa(v.VID), v.page)), ct(or(strings.Join(v.Names, ", "))), ct(or(limited(dedupe(pgs), maxNames))),
			cn(len(v.Hosts)), gapCell(v.Gaps), cn(defined), cn(ports), st})
	}
	p.add(t)
	return p
}

func dedupe(s []string) []string {
	var r []string
	for _, x := range s {
		if len(r) == 0 || r[len(r)-1] != x {
			r = append(r, x)
		}
	}
	return r
}

func (s *Site) vlanPage(v *VLAN) *page {
	p := s.newPage(v.page, "VLAN "+strconv.Itoa(v.VID))
	p.add(kv(pair("Names", ct(strings.Join(v.Names, ", "))), pair("Hosts with a port group", cn(len(v.Hosts))), pair("Gaps", gapCell(v.Gaps))))
	if v.OnNoSwitch {
		p.add(para{mark("gap", "✗ Port groups use this VLAN but no switch defines it.")})
	}
	p.add(heading{level: 2, text: "Port groups", id: "portgroups"})
	t := table{head: []string{"Port group", "Virtual switch", "Hosts"}}
	for _, pg := range v.Portgroups {
		t.rows = append(t.rows, []cell{ct(pg.Name), ct(pg.Switch), cn(pg.Hosts)})
	}
	if len(t.rows) == 0 {
		p.add(para{txt("No access port group is on this VLAN.")})
	} else {
		p.add(t)
	}
	p.add(heading{level: 2, text: "Hosts", id: "hosts"}, vlanLegend())
	t = table{head: []string{"Host", "Cluster", "State", "Uplinks whose switch port lacks it"}}
	for _, vh := range v.Hosts {
		t.rows = append(t.rows, []cell{c(link(vh.Host.Name, anchorTo(vh.Host.page, "portgroups"))), c(link(vh.Host.Cluster.Name, vh.Host.Cluster.page)),
			stateCell(vh.State, true), ct(or(strings.Join(vh.Missing, ", ")))})
	}
	if len(t.rows) > 0 {
		p.add(t)
	}
	p.add(heading{level: 2, text: "Switches", id: "switches"})
	t = table{head: []string{"Switch", "Defines it", "Ports carrying it"}}
	for _, vs := range v.Switches {
		def := c(mark("absent", "no"))
		if vs.Defined {
			def = c(mark("ok", "yes"))
		}
		var ports [][]span
		for i, pt := range vs.Ports {
			if i == 4*maxNames {
				ports = append(ports, []span{txt(fmt.Sprintf("… (%d more)", len(vs.Ports)-i))})
				break
			}
			ports = append(ports, []span{portRef(pt)})
		}
		pc := cell(joinSpans(ports, ", "))
		if len(ports) == 0 {
			pc = ct(dash)
		}
		t.rows = append(t.rows, []cell{c(link(vs.Switch.Name, vs.Switch.page)), def, pc})
	}
	if len(t.rows) == 0 {
		p.add(para{txt("No switch defines or carries this VLAN.")})
	} else {
		p.add(t)
	}
	return p
}

type pageDiagram struct {
	p *page
	d *diagram
}

func (s *Site) flowWindow() string {
	if s.Flows == nil {
		return ""
	}
	return momentText(s.Flows.From) + " to " + momentText(s.Flows.To)
}

func (s *Site) appsPage() pageDiagram {
	p := s.newPage(pageApps, "Applications")
	d := appsDiagram(s)
	intro := "Applications and the traffic between them"
	if s.Flows != nil {
		intro += fmt.Sprintf(" from %s (the %d largest exchanges drawn; every one is on the application pages).", s.flowWindow(), min(len(s.Flows.Edges), maxFlowEdges))
	} else {
		intro += " (no flow data)."
	}
	p.add(heading{level: 2, text: "Dependencies"}, para{txt(intro)}, figure{d: d, alt: "Application dependencies"})
	p.add(heading{level: 2, text: "Applications"})
	t := table{head: []string{"Application", "VMs", "Hosts", "VLANs", "Switch ports", "Traffic exchanges"}}
	for _, a := range s.Apps {
		var vl []string
		for _, v := range a.VLANs {
			vl = append(vl, v.VLAN)
		}
		t.rows = append(t.rows, []cell{c(link(a.Name, a.page)), cn(len(a.VMs)), cn(len(a.Hosts)), ct(or(strings.Join(vl, ", "))), cn(len(a.Ports)), cn(len(a.Flows))})
	}
	if len(t.rows) == 0 {
		p.add(para{txt("No application is defined (see the applications rules of the configuration).")})
	} else {
		p.add(t)
	}
	if s.Flows != nil {
		p.add(heading{level: 2, text: "Traffic with no VM on one side"})
		t = table{head: []string{"Class", "Bytes", "Packets", "Flows", "Top addresses"}}
		for _, u := range s.Flows.Unattributed {
			var addrs []string
			for _, a := range u.TopAddrs {
				addrs = append(addrs, a.Addr+" ("+bytesText(a.Bytes)+")")
			}
			t.rows = append(t.rows, []cell{ct(u.Class), ct(bytesText(u.Bytes)), ct(strconv.FormatUint(u.Packets, 10)), ct(strconv.FormatUint(u.Flows, 10)), ct(or(strings.Join(addrs, ", ")))})
		}
		if len(t.rows) == 0 {
			p.add(para{txt("None.")})
		} else {
			p.add(t)
		}
	}
	return pageDiagram{p, d}
}

func flowNodeSpan(s *Site, n query.FlowNode) span {
	switch n.Kind {
	case query.LevelApplication:
		if a := appNamed(s, n.Name); a != nil {
			return link(a.Name, a.page)
		}
		return txt(n.Name)
	case query.LevelVM:
		return txt(n.Name + " (VM)")
	}
	return txt(n.Kind)
}

func (s *Site) appPage(a *App) (*page, *diagram) {
	p := s.newPage(a.page, "Application "+a.Name)
	clusters := map[*Cluster]bool{}
	var cl []*Cluster
	for _, h := range a.Hosts {
		if !clusters[h.Cluster] {
			clusters[h.Cluster] = true
			cl = append(cl, h.Cluster)
		}
	}
	sort.Slice(cl, func(i, j int) bool { return naturalLess(cl[i].Name, cl[j].Name) })
	var cg [][]span
	for _, x := range cl {
		cg = append(cg, []span{link(x.Name, x.page)})
	}
	p.add(kv(pair("VMs", cn(len(a.VMs))), pair("Hosts", hostLinks(a.Hosts, 4*maxNames)), pair("Clusters", cell(joinSpans(cg, ", ")))))
	d := appDiagram(s, a)
	p.add(heading{level: 2, text: "Dependencies"}, para{txt("The VLANs of its VMs (with how many VMs), the switches whose ports carry them to its hosts (with how many ports), and its traffic peers (dashed).")},
		figure{d: d, alt: "Dependencies of " + a.Name})
	p.add(heading{level: 2, text: "VLANs", id: "vlans"})
	t := table{head: []string{"VLAN", "VMs"}}
	for _, v := range a.VLANs {
		target := ""
		if x := vlanNamed(s, v.VLAN); x != nil {
			target = x.page
		}
		t.rows = append(t.rows, []cell{c(link(v.VLAN, target)), cn(v.VMs)})
	}
	p.add(t)
	p.add(heading{level: 2, text: "Switch ports", id: "ports"}, para{txt("The switch ports of its VMs' active and standby uplinks.")})
	t = table{head: []string{"Switch", "Port", "Port-channel", "Mode", "VLANs", "VMs behind"}}
	for _, ap := range a.Ports {
		pc := ct(dash)
		vl := ap.Port
		if ap.Port.Channel != nil {
			pc = c(portRef(ap.Port.Channel))
			if ap.Port.Channel.Mode != "" {
				vl = ap.Port.Channel
			}
		}
		t.rows = append(t.rows, []cell{c(link(ap.Port.Switch.Name, ap.Port.Switch.page)), c(portRef(ap.Port)), pc, ct(or(vl.Mode)), ct(or(portVLANs(vl))), cn(ap.VMs)})
	}
	p.add(t)
	p.add(heading{level: 2, text: "Traffic", id: "flows"})
	switch {
	case s.Flows == nil:
		p.add(para{txt("No flow data.")})
	case len(a.Flows) == 0:
		p.add(para{txt("No traffic from " + s.flowWindow() + ".")})
	default:
		p.add(para{txt("From " + s.flowWindow() + ".")})
		t = table{head: []string{"From", "To", "Bytes", "Packets", "Flows", "Top ports"}}
		for _, e := range a.Flows {
			var ports []string
			for _, pt := range e.TopPorts {
				ports = append(ports, fmt.Sprintf("%s/%d (%s)", protoName(pt.Proto), pt.DstPort, bytesText(pt.Bytes)))
			}
			t.rows = append(t.rows, []cell{c(flowNodeSpan(s, e.Src)), c(flowNodeSpan(s, e.Dst)), ct(bytesText(e.Bytes)), ct(strconv.FormatUint(e.Packets, 10)),
				ct(strconv.FormatUint(e.Flows, 10)), ct(or(strings.Join(ports, ", ")))})
		}
		p.add(t)
	}
	p.add(heading{level: 2, text: "VMs", id: "vms"})
	p.add(vmTable(a.VMs, true))
	return p, d
}

func protoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	}
	return strconv.Itoa(int(p))
}

// subjectRef links an entity a finding names to the page that shows it.
func (s *Site) subjectRef(id model.ID) span {
	pg := s.pages.page(id)
	text := id.Key()
	switch id.Kind() {
	case model.KindPNIC:
		h, _, _ := strings.Cut(id.Key(), "/")
		pg = anchorTo(s.pages.page(model.NewID(model.KindHost, h)), "uplinks")
	case model.KindPort, model.KindPortChannel:
		sw, _, _ := strings.Cut(id.Key(), "/")
		if p := s.pages.page(model.NewID(model.KindSwitch, sw)); p != "" {
			pg = p
			if a := s.anchors[id]; a != "" {
				pg = anchorTo(p, a)
			}
		}
	case model.KindVM:
		for _, h := range s.Hosts {
			for _, vm := range h.VMs {
				if vm.ID == id {
					text, pg = vm.Name, anchorTo(h.page, "vms")
				}
			}
		}
	}
	if pg == "" {
		return code(string(id))
	}
	return link(string(id.Kind())+" "+text, pg)
}

func (s *Site) findingsPage() *page {
	p := s.newPage(pageFindings, "Open findings")
	if len(s.Findings) == 0 {
		p.add(para{mark("ok", "✓ No finding.")})
		return p
	}
	vmHost := map[model.ID]*Host{}
	for _, h := range s.Hosts {
		for _, vm := range h.VMs {
			vmHost[vm.ID] = h
		}
	}
	t := table{head: []string{"Severity", "Rule", "Finding", "Entities", "Evidence", "Fix"}}
	for _, f := range s.Findings {
		var subj [][]span
		for _, id := range f.Subjects {
			if id.Kind() == model.KindVM {
				if h := vmHost[id]; h != nil {
					subj = append(subj, []span{link("vm "+vmName(h, id), anchorTo(h.page, "vms"))})
					continue
				}
			}
			subj = append(subj, []span{s.subjectRef(id)})
		}
		var ev [][]span
		for _, e := range f.Evidence {
			ev = append(ev, []span{txt(e)})
		}
		evc := cell(brJoin(ev))
		if len(ev) == 0 {
			evc = ct(dash)
		}
		t.rows = append(t.rows, []cell{c(mark(string(f.Severity), string(f.Severity))), c(code(f.Rule)), ct(f.Message), cell(brJoin(subj)), evc, ct(f.Fix)})
	}
	p.add(t)
	return p
}

func vmName(h *Host, id model.ID) string {
	for _, vm := range h.VMs {
		if vm.ID == id {
			return vm.Name
		}
	}
	return id.Key()
}

func (s *Site) changesPage() *page {
	ch := s.Changes
	d := ch.Diff
	p := s.newPage(pageChanges, "Changes")
	p.add(para{txt("What changed from " + momentText(d.From) + " to " + momentText(d.To) + ".")})
	p.add(heading{level: 2, text: "Findings", id: "findings"})
	t := table{head: []string{"", "Severity", "Rule", "Finding"}}
	for _, f := range ch.Appeared {
		t.rows = append(t.rows, []cell{c(mark("gap", "appeared")), c(mark(string(f.Severity), string(f.Severity))), c(code(f.Rule)), ct(f.Message)})
	}
	for _, f := range ch.Cleared {
		t.rows = append(t.rows, []cell{c(mark("ok", "cleared")), c(mark(string(f.Severity), string(f.Severity))), c(code(f.Rule)), ct(f.Message)})
	}
	if len(t.rows) == 0 {
		p.add(para{txt("No finding appeared or cleared.")})
	} else {
		p.add(t)
	}
	p.add(heading{level: 2, text: "Migrations", id: "migrations"})
	t = table{head: []string{"VM", "From host", "To host"}}
	for i, m := range d.Migrations {
		if i == maxChanges {
			break
		}
		t.rows = append(t.rows, []cell{ct(m.Name), c(s.hostRef(m.FromHost)), c(s.hostRef(m.ToHost))})
	}
	s.addBounded(p, t, len(d.Migrations), "No VM moved.")
	for _, sec := range []struct {
		title, id string
		list      []graph.EntityChange
	}{{"Added", "added", d.Added}, {"Removed", "removed", d.Removed}, {"Changed", "changed", d.Changed}} {
		p.add(heading{level: 2, text: sec.title, id: sec.id})
		t = table{head: []string{"Kind", "Entity", "Attributes (before → after)"}}
		for i, e := range sec.list {
			if i == maxChanges {
				break
			}
			var attrs []string
			for _, k := range sortedKeys(e.Attrs) {
				v := e.Attrs[k]
				attrs = append(attrs, fmt.Sprintf("%s: %q → %q", k, v[0], v[1]))
			}
			ent := []span{s.subjectRef(e.ID)}
			if e.Name != "" && e.Name != e.ID.Key() {
				ent = append(ent, txt(" ("+e.Name+")"))
			}
			t.rows = append(t.rows, []cell{ct(string(e.Kind)), cell(ent), ct(or(strings.Join(attrs, "; ")))})
		}
		s.addBounded(p, t, len(sec.list), "None.")
	}
	p.add(heading{level: 2, text: "Relations", id: "relations"})
	t = table{head: []string{"Change", "From", "Relation", "To"}}
	for i, l := range d.Links {
		if i == maxChanges {
			break
		}
		t.rows = append(t.rows, []cell{ct(l.Change), c(s.subjectRef(l.From)), c(code(string(l.Rel))), c(s.subjectRef(l.To))})
	}
	s.addBounded(p, t, len(d.Links), "None.")
	return p
}

func (s *Site) hostRef(name string) span {
	if pg := s.pages.page(model.NewID(model.KindHost, name)); pg != "" {
		return link(name, pg)
	}
	return txt(name)
}

// addBounded adds t, or none when it has no row, and says how many rows
// were left out of a list of n.
func (s *Site) addBounded(p *page, t table, n int, none string) {
	if n == 0 {
		p.add(para{txt(none)})
		return
	}
	p.add(t)
	if n > len(t.rows) {
		p.add(para{txt(fmt.Sprintf("… and %d more (vnetmap diff lists them all).", n-len(t.rows)))})
	}
}
