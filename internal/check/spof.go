package check

import (
	"fmt"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// switchesOf returns the switches behind the given uplinks, sorted, and
// false when one of them has no known (undisputed) port.
func switchesOf(ups []*uplinkInfo) ([]model.ID, []string, bool) {
	var sws []model.ID
	var ev []string
	for _, up := range ups {
		ports := up.known()
		if len(ports) == 0 {
			return nil, nil, false
		}
		for _, p := range ports {
			sws = append(sws, p.sw)
			ev = append(ev, portDesc(up, "", p))
		}
	}
	return sortedUnique(sws), ev, true
}

// upUplinks returns the uplinks of vh whose link is not down.
func upUplinks(vh *vsHost) []*uplinkInfo {
	var r []*uplinkInfo
	for _, up := range vh.uplinks {
		if up.up() {
			r = append(r, up)
		}
	}
	return r
}

// usableCount counts the uplinks a port group uses on its host (active or
// standby, link not down).
func usableCount(u *unit) int {
	n := 0
	for i, up := range u.vs.uplinks {
		if u.roles[i] != graph.RoleUnused && up.up() {
			n++
		}
	}
	return n
}

// usable returns the uplinks a port group uses on its host (active or
// standby, link not down) with their roles.
func usable(u *unit) ([]*uplinkInfo, []string) {
	var ups []*uplinkInfo
	var roles []string
	for i, up := range u.vs.uplinks {
		if u.roles[i] != graph.RoleUnused && up.up() {
			ups = append(ups, up)
			roles = append(roles, u.roles[i])
		}
	}
	return ups, roles
}

// hasPortgroups reports whether a virtual switch has a port group.
func (ix *index) hasPortgroups(sw model.ID) bool {
	return ix.hasIn(sw, model.RelMemberOf)
}

// span says how many switches the uplinks of vh (link up) reach: 0 when
// one of them has no known (undisputed) port, 1, or 2 for two or more
// (computed by prepare).
func (vh *vsHost) span() int { return vh.spanned - 1 }

// spanOf is span over the uplinks whose role (parallel, nil for all) is
// not unused and whose link is not down.
func spanOf(ups []*uplinkInfo, roles []string) int {
	n, _ := spanOne(ups, roles)
	return n
}

// spanOne is spanOf with the single switch when the span is 1.
func spanOne(ups []*uplinkInfo, roles []string) (int, model.ID) {
	var one model.ID
	span := 1
	for i, up := range ups {
		if (roles != nil && roles[i] == graph.RoleUnused) || !up.up() {
			continue
		}
		known := false
		for _, p := range up.ports {
			if p.conflict {
				continue
			}
			known = true
			if one == "" {
				one = p.sw
			} else if p.sw != one {
				span = 2
			}
		}
		if !known {
			return 0, ""
		}
	}
	if one == "" {
		return 0, ""
	}
	return span, one
}

// spofHostOneSwitch: a virtual switch with port groups whose uplinks (two
// or more, link up) are all cabled to one switch on a host.
func spofHostOneSwitch(ix *index, e *emitter) {
	for _, vh := range ix.switches {
		ups := upUplinks(vh)
		if len(ups) < 2 || vh.span() != 1 || !ix.hasPortgroups(vh.swID) {
			continue
		}
		sws, ev, _ := switchesOf(ups)
		sw := sws[0]
		e.emit(Finding{
			Severity: Warning,
			Subjects: []model.ID{vh.host, vh.swID, sw},
			Message: fmt.Sprintf("every uplink of %s on %s is cabled to %s: the host loses that network when %s fails",
				ix.nameOf(vh.swID), ix.nameOf(vh.host), sw.Key(), sw.Key()),
			Evidence: ev,
			Fix:      fmt.Sprintf("cable one of the uplinks of %s on %s to another switch (the other half of an MLAG pair)", ix.nameOf(vh.swID), ix.nameOf(vh.host)),
		})
	}
}

// spofSingleUplink: a port group that uses exactly one uplink (active or
// standby, link up) on a host.
func spofSingleUplink(ix *index, e *emitter) {
	for _, u := range ix.units {
		if usableCount(u) != 1 {
			continue
		}
		ups, roles := usable(u)
		up := ups[0]
		ev := []string{fmt.Sprintf("teaming: active %q, standby %q", u.pg.Attr("active"), u.pg.Attr("standby"))}
		for _, p := range up.known() {
			ev = append(ev, portDesc(up, roles[0], p))
		}
		e.emit(Finding{
			Severity: Warning,
			Subjects: []model.ID{u.pg.ID, u.host, up.pnic},
			Message: fmt.Sprintf("port group %s has a single uplink, %s (%s), and no other active or standby one",
				ix.pgName(u), up.device, roles[0]),
			Evidence: ev,
			Fix:      fmt.Sprintf("add a second uplink to the port group's teaming (active or standby) on %s, cabled to another switch", ix.nameOf(u.host)),
		})
	}
}

// spofVMOneSwitch: a VM whose vNIC's port group uses two or more uplinks
// that are all cabled to one switch, although the host's virtual switch
// reaches several. When the virtual switch itself reaches one switch
// (spof-host-one-switch) or the port group has one uplink
// (spof-single-uplink), those findings are reported instead of one per VM.
func spofVMOneSwitch(ix *index, e *emitter) {
	type confinement struct {
		u        *unit
		sw       model.ID
		evidence []string
	}
	var confined []confinement
	for _, u := range ix.units {
		if usableCount(u) < 2 {
			continue
		}
		span, sw := spanOne(u.vs.uplinks, u.roles)
		if span != 1 || u.vs.span() < 2 {
			continue
		}
		ups, _ := usable(u)
		_, ev, _ := switchesOf(ups)
		confined = append(confined, confinement{u, sw, ev})
	}
	for _, c := range confined {
		u, sw := c.u, c.sw
		for a := range ix.in(u.pg.ID, model.RelAttached) {
			nic := ix.g.Node(a.From)
			if nic != nil && nic.Attr("connected") == "false" {
				continue
			}
			for v := range ix.in(a.From, model.RelHasVNIC) {
				vm := ix.g.Node(v.From)
				if ix.hostOfVM(v.From) != u.host || (vm != nil && vm.Attr("power") == "poweredOff") {
					continue
				}
				label := a.From.Key()
				if nic != nil && nic.Attr("label") != "" {
					label = nic.Attr("label")
				}
				e.emit(Finding{
					Severity: Warning,
					Subjects: []model.ID{v.From, sw},
					Message: fmt.Sprintf("VM %s reaches port group %s only through %s: every uplink its teaming uses is cabled there, although %s reaches other switches",
						ix.nameOf(v.From), ix.pgName(u), sw.Key(), ix.nameOf(u.vs.swID)),
					Evidence: append([]string{fmt.Sprintf("%s on %s, teaming: active %q, standby %q", label, ix.pgName(u), u.pg.Attr("active"), u.pg.Attr("standby"))}, c.evidence...),
					Fix:      fmt.Sprintf("change the teaming of %s so that its active and standby uplinks reach two switches", ix.pgName(u)),
				})
			}
		}
	}
}
