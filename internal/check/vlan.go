package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// switchVLANs returns the VLANs that exist on at least one switch (the
// switches' VLAN tables), and false when no switch reported a VLAN table.
func (ix *index) switchVLANs() (vlanSet, bool) {
	var s vlanSet
	known := false
	for _, n := range ix.nodes(model.KindVLAN) {
		known = true
		v := atoi(n.Attr("vid"))
		if v < 0 {
			v = atoi(deviceOf(n.ID))
		}
		if v >= 0 {
			s = append(s, vlanRange{v, v})
		}
	}
	return s.normalize(), known
}

// vlanNotCarried: for each port group on each host, each active or standby
// uplink whose switch port (or its port-channel) does not allow one of the
// port group's VLANs. One finding per port group, host and logical switch
// port; critical when an active uplink is behind it. VLANs that exist on no
// switch at all are left to vlan-on-no-switch.
func vlanNotCarried(ix *index, e *emitter) {
	exist, known := ix.switchVLANs()
	type hit struct {
		pnics, devices, evidence []string
		subjects                 []model.ID
		active                   bool
		missing                  vlanSet
		carry                    vlanCarry
	}
	for _, u := range ix.units {
		want := pgVLANs(u.pg)
		if known {
			want = want.intersect(exist)
		}
		if len(want) == 0 {
			continue
		}
		byPort := map[model.ID]*hit{}
		var order []model.ID
		for i, up := range u.vs.uplinks {
			role := u.roles[i]
			if role == graph.RoleUnused {
				continue
			}
			for _, p := range up.known() {
				c := ix.carry(p.logical)
				if !c.ok {
					continue
				}
				miss := want.minus(c.set)
				if len(miss) == 0 {
					continue
				}
				h := byPort[p.logical]
				if h == nil {
					h = &hit{carry: c}
					byPort[p.logical] = h
					order = append(order, p.logical)
				}
				h.pnics = append(h.pnics, up.device+" ("+role+")")
				h.devices = append(h.devices, up.device)
				h.evidence = append(h.evidence, portDesc(up, role, p))
				h.subjects = append(h.subjects, up.pnic)
				h.active = h.active || role == graph.RoleActive
				h.missing = h.missing.union(miss)
			}
		}
		for _, port := range order {
			h := byPort[port]
			sev := Warning
			if h.active {
				sev = Critical
			}
			vlans := plural("VLAN", h.missing)
			ev := append(h.evidence, fmt.Sprintf("%s: %s", port.Key(), describeCarry(h.carry)),
				fmt.Sprintf("port group %s needs %s", ix.pgName(u), plural("VLAN", want)))
			e.emit(Finding{
				Severity: sev,
				Subjects: append([]model.ID{u.pg.ID, u.host, port}, h.subjects...),
				Message: fmt.Sprintf("%s of port group %s is not allowed on %s, the switch port of %s",
					vlans, ix.pgName(u), port.Key(), strings.Join(h.pnics, ", ")),
				Evidence: ev,
				Fix:      fmt.Sprintf("allow %s on %s, or take %s out of the port group's teaming", vlans, port.Key(), strings.Join(h.devices, ", ")),
			}, h.missing.String())
		}
	}
}

// describeCarry says what a port lets through.
func describeCarry(c vlanCarry) string {
	if c.mode == "access" {
		return "access port in VLAN " + strconv.Itoa(c.native)
	}
	s := "trunk allowing " + c.set.String()
	if len(c.set) == 0 {
		s = "trunk allowing no VLAN"
	}
	if c.native >= 0 {
		s += ", native VLAN " + strconv.Itoa(c.native)
	}
	return s
}

// plural writes "VLAN 230" or "VLANs 230,240".
func plural(word string, s vlanSet) string {
	if len(s) == 1 && s[0].lo == s[0].hi {
		return word + " " + s.String()
	}
	return word + "s " + s.String()
}

// vlanClusterInconsistent: for each cluster and each VLAN its VMs use (an
// access VLAN of a port group with a connected vNIC of a VM on one of its
// hosts), the hosts where the VLAN does not work — no port group with that
// VLAN, no usable active uplink, or an active uplink whose switch port does
// not allow it — when it works on other hosts of the cluster. A VM migrated
// to such a host loses that network.
func vlanClusterInconsistent(ix *index, e *emitter) {
	byHost := map[model.ID][]*unit{}
	for _, u := range ix.units {
		byHost[u.host] = append(byHost[u.host], u)
	}
	usedOn := map[model.ID]map[int]bool{} // host → access VLANs its VMs use
	for _, v := range ix.vmNICs() {
		if !v.connected || v.pg == "" || v.host == "" {
			continue
		}
		if vid := ix.accessVLAN(v.pg); vid > 0 {
			if usedOn[v.host] == nil {
				usedOn[v.host] = map[int]bool{}
			}
			usedOn[v.host][vid] = true
		}
	}
	for _, cl := range ix.nodes(model.KindCluster) {
		var hosts []model.ID
		for c := range ix.out(cl.ID, model.RelContains) {
			if c.To.Kind() == model.KindHost {
				hosts = append(hosts, c.To)
			}
		}
		if len(hosts) < 2 {
			continue
		}
		used := map[int]bool{}
		for _, h := range hosts {
			for vid := range usedOn[h] {
				used[vid] = true
			}
		}
		vids := make([]int, 0, len(used))
		for v := range used {
			vids = append(vids, v)
		}
		slices.Sort(vids)
		for _, v := range vids {
			var ready []string
			var missing []model.ID
			var evidence []string
			for _, h := range hosts {
				ok, why := ix.vlanWorks(byHost[h], v)
				if ok {
					ready = append(ready, ix.nameOf(h))
					continue
				}
				missing = append(missing, h)
				evidence = append(evidence, ix.nameOf(h)+": "+why)
			}
			if len(ready) == 0 || len(missing) == 0 {
				continue
			}
			names := make([]string, len(missing))
			for i, h := range missing {
				names[i] = ix.nameOf(h)
			}
			evidence = append(evidence, "works on "+strings.Join(ready, ", "))
			e.emit(Finding{
				Severity: Warning,
				Subjects: append([]model.ID{cl.ID}, missing...),
				Message: fmt.Sprintf("VLAN %d, used by VMs of cluster %s, works on %d of its %d hosts but not on %s: a VM migrated there loses that network",
					v, cl.Name, len(ready), len(hosts), strings.Join(names, ", ")),
				Evidence: evidence,
				Fix:      fmt.Sprintf("give %s a port group on VLAN %d with uplinks whose switch ports allow it, or keep the VMs off it (DRS rules)", strings.Join(names, ", "), v),
			}, "vlan="+strconv.Itoa(v))
		}
	}
}

// vlanWorks reports whether a VM on one of units (a host's port groups)
// can use VLAN v: a port group on it with an active uplink up, every active
// uplink's known switch port allowing v. why says what is missing.
func (ix *index) vlanWorks(units []*unit, v int) (bool, string) {
	why := fmt.Sprintf("no port group on VLAN %d", v)
	for _, u := range units {
		if atoi(u.pg.Attr("vlan")) != v || u.pg.Attr("trunk") != "" {
			continue
		}
		active, blocked := 0, ""
		for i, up := range u.vs.uplinks {
			if u.roles[i] != graph.RoleActive || !up.up() {
				continue
			}
			active++
			for _, p := range up.known() {
				if c := ix.carry(p.logical); c.ok && !c.set.contains(v) && blocked == "" {
					blocked = fmt.Sprintf("port group %s: active uplink %s → %s does not allow VLAN %d", u.pg.Name, up.device, p.logical.Key(), v)
				}
			}
		}
		switch {
		case active == 0:
			why = fmt.Sprintf("port group %s has no active uplink up", u.pg.Name)
		case blocked != "":
			why = blocked
		default:
			return true, ""
		}
	}
	return false, why
}

// vlanOnNoSwitch: port groups whose VLAN (access, or the primary of a
// private VLAN) is in no switch's VLAN table, one finding per VLAN; only
// when some switch reported its VLAN table. Critical when a VM is attached.
func vlanOnNoSwitch(ix *index, e *emitter) {
	exist, known := ix.switchVLANs()
	if !known {
		return
	}
	byVLAN := map[int][]*graph.Node{}
	for _, pg := range ix.nodes(model.KindPortgroup) {
		v := atoi(pg.Attr("vlan"))
		if v <= 0 || v >= 4095 || pg.Attr("trunk") != "" || exist.contains(v) {
			continue
		}
		byVLAN[v] = append(byVLAN[v], pg)
	}
	vids := make([]int, 0, len(byVLAN))
	for v := range byVLAN {
		vids = append(vids, v)
	}
	slices.Sort(vids)
	for _, v := range vids {
		pgs := byVLAN[v]
		var subjects []model.ID
		var names []string
		vms := 0
		for _, pg := range pgs {
			subjects = append(subjects, pg.ID)
			names = append(names, pgLabel(pg))
			vms += len(ix.vmsOn(pg.ID, ""))
		}
		sev := Warning
		if vms > 0 {
			sev = Critical
		}
		e.emit(Finding{
			Severity: sev,
			Subjects: subjects,
			Message:  fmt.Sprintf("VLAN %d of %d port group(s) (%d VM(s) attached) exists on no switch", v, len(pgs), vms),
			Evidence: append(names, "VLANs the switches have: "+exist.String()),
			Fix:      fmt.Sprintf("create VLAN %d on the switches and allow it on the hosts' trunks, or correct the port groups' VLAN ID", v),
		}, "vlan="+strconv.Itoa(v))
	}
}

// pgLabel names a port group with its host for a standard one.
func pgLabel(pg *graph.Node) string {
	if pg.Attr("type") == "standard" {
		return pg.Name + " on " + hostOfPNIC(pg.ID).Key()
	}
	return pg.Name
}

// nativeVLANMismatch: a port whose CDP neighbour announces another native
// VLAN than the port's own, and the two ends of an inter-switch link
// configured with different native VLANs. One finding per link.
func nativeVLANMismatch(ix *index, e *emitter) {
	for _, kind := range []model.Kind{model.KindPort, model.KindPortChannel} {
		for _, n := range ix.nodes(kind) {
			if n.Attr("cdp_native_vlan") == "" {
				continue
			}
			theirs := atoi(n.Attr("cdp_native_vlan"))
			ours, where := ix.nativeOf(n.ID)
			if theirs < 0 || ours < 0 || theirs == ours {
				continue
			}
			peer := ix.peerOf(n.ID)
			desc := n.Attr("cdp_device") + " " + n.Attr("cdp_port")
			e.emit(Finding{
				Severity: Warning,
				Subjects: []model.ID{n.ID, peer},
				Message: fmt.Sprintf("%s has native VLAN %d but its CDP neighbour %s announces native VLAN %d",
					n.ID.Key(), ours, strings.TrimSpace(desc), theirs),
				Evidence: []string{
					fmt.Sprintf("%s: native VLAN %d (%s)", n.ID.Key(), ours, where),
					fmt.Sprintf("CDP from %s: native VLAN %d", strings.TrimSpace(desc), theirs),
				},
				Fix: "set the same native VLAN on both ends of the link",
			})
		}
	}
	for _, n := range ix.nodes(model.KindPort) {
		for l := range ix.out(n.ID, model.RelLink) {
			a, wa := ix.nativeOf(n.ID)
			b, wb := ix.nativeOf(l.To)
			if a < 0 || b < 0 || a == b || ix.carry(ix.logicalOf(n.ID)).mode != "trunk" || ix.carry(ix.logicalOf(l.To)).mode != "trunk" {
				continue
			}
			e.emit(Finding{
				Severity: Warning,
				Subjects: []model.ID{n.ID, l.To},
				Message:  fmt.Sprintf("the link %s ↔ %s has native VLAN %d on one end and %d on the other", n.ID.Key(), l.To.Key(), a, b),
				Evidence: []string{
					fmt.Sprintf("%s: native VLAN %d (%s)", n.ID.Key(), a, wa),
					fmt.Sprintf("%s: native VLAN %d (%s)", l.To.Key(), b, wb),
					"link learned by " + l.Attrs["evidence"],
				},
				Fix: "set the same native VLAN on both ends of the link",
			})
		}
	}
}

// logicalOf returns where a port's VLANs are configured: its port-channel
// when that has a mode, else the port.
func (ix *index) logicalOf(port model.ID) model.ID {
	if b := ix.bundleOf(port); b != "" {
		if pc := ix.g.Node(b); pc != nil && pc.Attr("mode") != "" {
			return b
		}
	}
	return port
}

// nativeOf returns the untagged VLAN of a port (a trunk's native VLAN, an
// access port's VLAN, from its port-channel for a member), and where it
// comes from; -1 when unknown.
func (ix *index) nativeOf(port model.ID) (int, string) {
	l := ix.logicalOf(port)
	c := ix.carry(l)
	if c.native < 0 {
		return -1, ""
	}
	where := c.mode
	if l != port {
		where += " " + l.Key()
	}
	return c.native, where
}

// peerOf returns what is at the other end of a port: the switch port of an
// inter-switch link, else a cabled pNIC, else "".
func (ix *index) peerOf(port model.ID) model.ID {
	for l := range ix.out(port, model.RelLink) {
		return l.To
	}
	for c := range ix.in(port, model.RelCabled) {
		return c.From
	}
	return ""
}
