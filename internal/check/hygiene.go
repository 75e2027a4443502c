package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// mtuMismatch: a virtual switch whose MTU is larger than the MTU of an
// uplink's switch port (the port's, else its port-channel's), or, when the
// port is unknown, than the MTU the switch announces over CDP. Jumbo frames
// leave the host and are dropped by the switch.
func mtuMismatch(ix *index, e *emitter) {
	for _, vh := range ix.switches {
		mtu := atoi(vh.sw.Attr("mtu"))
		if mtu <= 0 {
			continue
		}
		for _, up := range vh.uplinks {
			ports := up.known()
			if len(ports) == 0 && up.node != nil {
				if cdp := atoi(up.node.Attr("cdp_mtu")); cdp > 0 && mtu > cdp {
					dev := strings.TrimSpace(up.node.Attr("cdp_device") + " " + up.node.Attr("cdp_port"))
					e.emit(Finding{
						Severity: Warning,
						Subjects: []model.ID{vh.swID, up.pnic},
						Message: fmt.Sprintf("%s on %s has MTU %d but the switch port behind %s announces MTU %d over CDP",
							ix.nameOf(vh.swID), ix.nameOf(vh.host), mtu, up.device, cdp),
						Evidence: []string{fmt.Sprintf("%s: MTU %d", vh.swID.Key(), mtu), fmt.Sprintf("CDP on %s from %s: MTU %d", up.pnic.Key(), dev, cdp)},
						Fix:      fmt.Sprintf("raise the MTU of %s to %d or more, or lower the virtual switch's MTU to %d", dev, mtu, cdp),
					})
				}
				continue
			}
			for _, p := range ports {
				pm, where := atoi(attr(ix, p.id, "mtu")), p.id
				if pm <= 0 && p.bundle != "" {
					pm, where = atoi(attr(ix, p.bundle, "mtu")), p.bundle
				}
				if pm <= 0 || mtu <= pm {
					continue
				}
				e.emit(Finding{
					Severity: Warning,
					Subjects: []model.ID{vh.swID, up.pnic, p.id},
					Message: fmt.Sprintf("%s on %s has MTU %d but %s, the switch port of %s, has MTU %d: larger frames are dropped",
						ix.nameOf(vh.swID), ix.nameOf(vh.host), mtu, where.Key(), up.device, pm),
					Evidence: []string{fmt.Sprintf("%s: MTU %d", vh.swID.Key(), mtu), portDesc(up, "", p), fmt.Sprintf("%s: MTU %d", where.Key(), pm)},
					Fix:      fmt.Sprintf("raise the MTU of %s to %d or more, or lower the virtual switch's MTU to %d", where.Key(), mtu, pm),
				})
			}
		}
	}
}

// attr returns an attribute of an entity, or "".
func attr(ix *index, id model.ID, k string) string {
	if n := ix.g.Node(id); n != nil {
		return n.Attr(k)
	}
	return ""
}

// evidenceConflict reports the conflicts correlation found, as they are.
func evidenceConflict(ix *index, e *emitter) {
	for _, c := range ix.g.Conflicts {
		subjects := append([]model.ID{c.Subject}, c.Ports...)
		subjects = append(subjects, c.PNICs...)
		fix := "check the cabling and correct the cable, the inventory or the stale neighbour entry so that every source names one port"
		switch c.Kind {
		case correlate.ConflictPortPNICs:
			fix = "check which host NIC is really on the port; correct the cabling inventory or the stale neighbour entries"
		case correlate.ConflictMACPorts:
			fix = "look for a loop, a duplicate MAC or a moved cable; bundle the ports if the host aggregates them"
		case correlate.ConflictNoSuchPort:
			fix = "check the cable and the port the switch's CDP/LLDP announces to the host (a stale hint, a port renamed, or a spelling vnetmap cannot resolve); correct the cable or the inventory"
		}
		e.emit(Finding{
			Severity: Warning,
			Subjects: subjects,
			Message:  c.Message,
			Evidence: slices.Clone(c.Evidence),
			Fix:      fix,
		}, c.Kind)
	}
}

// duplicateSysName: several devices answer to one sysName. The SNMP source
// keeps them apart as switches of distinct names, each with its raw
// `sysname` and `duplicate_sysname_of` (the others' names); a neighbour
// that names the device by its sysName alone cannot be told which, so
// correlation links it to neither. One finding per group of devices.
func duplicateSysName(ix *index, e *emitter) {
	byName := map[string]*graph.Node{} // switch ID key and name → switch
	for _, n := range ix.nodes(model.KindSwitch) {
		byName[n.ID.Key()] = n
		if n.Name != "" {
			byName[n.Name] = n
		}
	}
	done := map[model.ID]bool{}
	for _, n := range ix.nodes(model.KindSwitch) {
		if done[n.ID] || n.Attr("duplicate_sysname_of") == "" {
			continue
		}
		// The group: n, the switches it names, those they name…; a name
		// no switch of the map has (not polled this time) still counts.
		members, missing := map[model.ID]*graph.Node{n.ID: n}, map[string]bool{}
		for queue := []*graph.Node{n}; len(queue) > 0; queue = queue[1:] {
			for _, other := range model.SplitList(queue[0].Attr("duplicate_sysname_of")) {
				switch o := byName[other]; {
				case o == nil:
					missing[other] = true
				case members[o.ID] == nil:
					members[o.ID] = o
					queue = append(queue, o)
				}
			}
		}
		var subjects []model.ID
		var addrs, ev []string
		sysNames := map[string]bool{}
		for _, id := range slices.Sorted(maps.Keys(members)) {
			o := members[id]
			done[id] = true
			subjects = append(subjects, id)
			if sn := o.Attr("sysname"); sn != "" {
				sysNames[sn] = true
			}
			addr := o.Attr("address")
			if addr == "" {
				addr = "an unknown address"
			}
			addrs = append(addrs, addr)
			line := fmt.Sprintf("%s: sysName %q at %s", id.Key(), o.Attr("sysname"), addr)
			if c := o.Attr("chassis_id"); c != "" {
				line += ", chassis ID " + c
			}
			ev = append(ev, line)
		}
		for _, name := range slices.Sorted(maps.Keys(missing)) {
			ev = append(ev, fmt.Sprintf("%s: answers to the same sysName, not in the map now", name))
		}
		sysName := strings.Join(slices.Sorted(maps.Keys(sysNames)), " / ")
		if sysName == "" {
			sysName = n.Name
		}
		e.emit(Finding{
			Severity: Warning,
			Subjects: subjects,
			Message: fmt.Sprintf("%d devices answer to sysName %s at addresses %s; their links are kept apart, fix the sysName",
				len(members)+len(missing), sysName, strings.Join(addrs, ", ")),
			Evidence: ev,
			Fix:      "give each device its own sysName (hostname): a neighbour that names it by sysName alone is linked to neither device",
		}, sysName)
	}
}

// pnicNoPort: a pNIC whose link is up that correlation could cable to no
// switch port, when the map knows switches at all.
func pnicNoPort(ix *index, e *emitter) {
	if !ix.hasSwitches {
		return
	}
	for _, n := range ix.nodes(model.KindPNIC) {
		if n.Attr("link") != "up" || ix.hasOut(n.ID, model.RelCabled) {
			continue
		}
		var ev []string
		for _, h := range [][4]string{{"CDP", "cdp_device", "cdp_address", "cdp_port"}, {"LLDP", "lldp_system", "lldp_chassis", "lldp_port"},
			{"declared cabling", "declared_switch", "", "declared_port"}} {
			dev := n.Attr(h[1])
			if dev == "" && h[2] != "" {
				dev = n.Attr(h[2]) // no system name: the chassis ID or address names the neighbour
			}
			if dev != "" || n.Attr(h[3]) != "" {
				ev = append(ev, fmt.Sprintf("host %s: %s %s", h[0], dev, n.Attr(h[3])))
			}
		}
		if len(ev) == 0 {
			ev = append(ev, "the host reports no CDP/LLDP neighbour, no switch lists it as a neighbour, no forwarding table has its MAC "+n.Attr("mac"))
		}
		e.emit(Finding{
			Severity: Info,
			Subjects: []model.ID{n.ID},
			Message:  fmt.Sprintf("%s has link up but no known switch port", n.ID.Key()),
			Evidence: ev,
			Fix:      "enable CDP or LLDP on the host's virtual switch and on the switch, add the switch to the SNMP seeds, or declare the cable in the inventory",
		})
	}
}

// portNoNeighbour: a physical switch port, link up, with no LLDP/CDP
// neighbour, no cabled pNIC and no inter-switch link, where a host is
// expected: a trunk allowing a VLAN VMs use (other than its native VLAN),
// or a member of a port-channel whose other members lead to host pNICs.
// Access ports are left out: printers, appliances and servers sit there.
func portNoNeighbour(ix *index, e *emitter) {
	if !ix.hasSwitches {
		return
	}
	var vmVLANs vlanSet
	seen := map[model.ID]bool{}
	for _, v := range ix.vmNICs() {
		if !v.connected || v.pg == "" || seen[v.pg] {
			continue
		}
		seen[v.pg] = true
		if pg := ix.g.Node(v.pg); pg != nil {
			vmVLANs = append(vmVLANs, pgVLANs(pg)...)
		}
	}
	vmVLANs = vmVLANs.normalize()
	for _, n := range ix.nodes(model.KindPort) {
		if n.Attr("oper") != "up" || ix.hasIn(n.ID, model.RelCabled) || ix.hasOut(n.ID, model.RelLink) || ix.hasIn(n.ID, model.RelLink) {
			continue
		}
		if n.Attr("lldp_system") != "" || n.Attr("lldp_chassis") != "" || n.Attr("lldp_port") != "" || n.Attr("cdp_device") != "" {
			continue
		}
		var why string
		c := ix.carry(ix.logicalOf(n.ID))
		if c.mode == "trunk" && c.ok {
			vm := c.set.intersect(vmVLANs)
			if c.native >= 0 {
				vm = vm.minus(vlanOne(c.native))
			}
			if len(vm) > 0 {
				why = "a trunk allowing VM VLANs " + vm.String()
			}
		}
		if b := ix.bundleOf(n.ID); why == "" && b != "" {
		members:
			for m := range ix.in(b, model.RelInLAG) {
				for c := range ix.in(m.From, model.RelCabled) {
					if m.From != n.ID {
						why = fmt.Sprintf("a member of %s, whose member %s leads to %s", b.Key(), m.From.Key(), c.From.Key())
						break members
					}
				}
			}
		}
		if why == "" {
			continue
		}
		e.emit(Finding{
			Severity: Info,
			Subjects: []model.ID{n.ID},
			Message:  fmt.Sprintf("%s is up and is %s, but no neighbour or host NIC is known behind it", n.ID.Key(), why),
			Evidence: []string{fmt.Sprintf("%s: oper up, %s, no LLDP/CDP neighbour, no pNIC cabled", n.ID.Key(), describeCarry(c))},
			Fix:      "enable CDP/LLDP on the host behind it (virtual switch discovery protocol), declare the cable in the inventory, or shut the port if it is unused",
		})
	}
}

// vnicDisconnected: a vNIC of a powered-on VM that is not connected.
func vnicDisconnected(ix *index, e *emitter) {
	for _, v := range ix.vmNICs() {
		if v.connected || v.nic == nil || v.vm.Attr("power") != "poweredOn" {
			continue
		}
		label := v.nic.Attr("label")
		if label == "" {
			label = v.id.Key()
		}
		pg := ""
		if v.pg != "" {
			pg = " on port group " + ix.nameOf(v.pg)
		}
		e.emit(Finding{
			Severity: Warning,
			Subjects: []model.ID{v.vm.ID, v.id},
			Message:  fmt.Sprintf("%s of powered-on VM %s%s is disconnected", label, v.vm.Name, pg),
			Evidence: []string{fmt.Sprintf("%s: connected=false, start_connected=%s", v.id.Key(), v.nic.Attr("start_connected"))},
			Fix:      "connect the vNIC (Edit Settings, Connected) or remove it if it is not needed",
		})
	}
}

// macDuplicate: one MAC on vNICs of several VMs; critical when two of them
// are powered on.
func macDuplicate(ix *index, e *emitter) {
	nics := ix.vmNICs()
	byMAC := make(map[string][]int, len(nics)) // MAC → indexes in vmNICs
	for i, v := range nics {
		if v.nic == nil {
			continue
		}
		if m := normalizeMAC(v.nic.Attr("mac")); m != "" {
			byMAC[m] = append(byMAC[m], i)
		}
	}
	macs := make([]string, 0, len(byMAC))
	for m, is := range byMAC {
		if len(is) > 1 {
			macs = append(macs, m)
		}
	}
	slices.Sort(macs)
	for _, m := range macs {
		is := byMAC[m]
		slices.SortFunc(is, func(a, b int) int { return strings.Compare(string(nics[a].id), string(nics[b].id)) })
		var vms []model.ID
		var ev []string
		on := 0
		for _, i := range is {
			v := nics[i]
			if slices.Contains(vms, v.vm.ID) {
				continue
			}
			vms = append(vms, v.vm.ID)
			power := v.vm.Attr("power")
			if power == "poweredOn" {
				on++
			}
			ev = append(ev, fmt.Sprintf("%s (%s, %s): %s", v.vm.Name, power, v.host.Key(), v.id.Key()))
		}
		if len(vms) < 2 {
			continue
		}
		sev := Warning
		if on >= 2 {
			sev = Critical
		}
		names := make([]string, len(vms))
		for i, vm := range vms {
			names[i] = ix.nameOf(vm)
		}
		e.emit(Finding{
			Severity: sev,
			Subjects: vms,
			Message:  fmt.Sprintf("MAC %s is on vNICs of %d VMs: %s", m, len(vms), strings.Join(names, ", ")),
			Evidence: ev,
			Fix:      "give each vNIC its own MAC (let vCenter generate it, or fix the static MAC of the cloned VM)",
		}, m)
	}
}

// normalizeMAC is model.NormalizeMAC with a fast path for a MAC already in
// its form (lower-case hex, colons), as the sources state them.
func normalizeMAC(s string) string {
	if len(s) == 17 {
		ok := true
		for i := 0; i < 17 && ok; i++ {
			c := s[i]
			if i%3 == 2 {
				ok = c == ':'
			} else {
				ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
			}
		}
		if ok {
			return s
		}
	}
	return model.NormalizeMAC(s)
}
