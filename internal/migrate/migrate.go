// Package migrate says whether a VM keeps its network on a host before a
// live migration (vMotion): the same port group with the same VLAN there,
// that VLAN carried by the switch ports behind the uplinks it would use
// (active and standby, LAG members), an MTU the switch ports let through,
// and teaming consistent with the switch side (an LACP LAG or IP-hash
// teaming on one port-channel, plain teaming on no port-channel). From that
// it lists a VM's safe and unsafe hosts, the VMs that run on an unsafe host
// now, and the vSphere DRS groups and rules that keep VMs on safe hosts.
//
// It reads one graph.Graph and is a pure function of it. It is not for
// talking to vCenter (internal/source/vsphere applies DRS rules) nor for
// the other checks of the map (internal/check).
package migrate

import (
	"fmt"
	"iter"
	"sort"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// Reason codes of a Verdict's Reasons: each makes the host unsafe.
const (
	// CodeUnknownHost: the graph knows no such host.
	CodeUnknownHost = "unknown-host"
	// CodeNotOnSwitch: the host is not a member of the distributed switch
	// of the VM's port group.
	CodeNotOnSwitch = "not-on-switch"
	// CodePortgroupMissing: the host has no standard port group of the
	// name the VM uses.
	CodePortgroupMissing = "portgroup-missing"
	// CodeVLANDiffers: the host's port group of that name has another VLAN
	// (or trunk, or private VLAN).
	CodeVLANDiffers = "portgroup-vlan-differs"
	// CodeMTUSmaller: the host's standard vSwitch (or port group) has a
	// smaller MTU than the VM has now.
	CodeMTUSmaller = "mtu-smaller"
	// CodeNoUplink: the port group has no active or standby uplink on the
	// host, or every one of them is down.
	CodeNoUplink = "no-uplink"
	// CodeVLANNotCarried: a switch port behind an active or standby uplink
	// does not allow the port group's VLAN(s).
	CodeVLANNotCarried = "vlan-not-carried"
	// CodeNativeVLAN: untagged frames of an untagged port group land in
	// another VLAN there (the switch ports' native or access VLAN differs).
	CodeNativeVLAN = "native-vlan-differs"
	// CodeSwitchMTU: a switch port behind an uplink has a smaller MTU than
	// the virtual switch sends.
	CodeSwitchMTU = "switch-mtu-too-small"
	// CodeTeaming: an LACP LAG or IP-hash teaming whose switch ports are
	// not one port-channel, or plain teaming on ports of a port-channel.
	CodeTeaming = "teaming-mismatch"
)

// Warning codes of a Verdict's Warnings: what could not be verified, or
// lost redundancy; they do not make a host unsafe.
const (
	// CodePortgroupUnknown: the VM's port group (or its switch) is not in
	// the map, so nothing can be checked for that vNIC.
	CodePortgroupUnknown = "portgroup-unknown"
	// CodeUplinkDown: one of the uplinks is down (others are up).
	CodeUplinkDown = "uplink-down"
	// CodePortUnknown: no switch port is known behind an uplink.
	CodePortUnknown = "switch-port-unknown"
	// CodeCablingConflict: the evidence puts an uplink on several ports.
	CodeCablingConflict = "cabling-conflict"
	// CodeVLANsUnknown: the switch did not report the port's VLANs.
	CodeVLANsUnknown = "switch-vlans-unknown"
	// CodeHostState: the host is not connected, or is in maintenance mode.
	CodeHostState = "host-not-ready"
	// CodeSwitchRedundancy: the port group's uplinks reach several switches
	// on the VM's current host but a single one on this host: the VM
	// loses switch redundancy.
	CodeSwitchRedundancy = "switch-redundancy-lost"
)

// Reason is one finding of an evaluation: a code from the lists above, a
// sentence for a person, and the entities involved.
type Reason struct {
	Code     string     `json:"code"`
	Message  string     `json:"message"`
	Subjects []model.ID `json:"subjects,omitempty"`
}

// Verdict says whether the VM keeps its network on the host.
type Verdict struct {
	VM       model.ID `json:"vm"`
	VMName   string   `json:"vm_name"`
	Host     model.ID `json:"host"`
	HostName string   `json:"host_name"`
	// Current says the VM runs on the host now.
	Current bool `json:"current"`
	// Safe is true when no check failed (Reasons is empty).
	Safe bool `json:"safe"`
	// Reasons say why the host is unsafe for the VM.
	Reasons []Reason `json:"reasons"`
	// Warnings are what could not be checked, or redundancy lost; they do
	// not make the host unsafe.
	Warnings []Reason `json:"warnings,omitempty"`
}

// Placement is a VM running now on a host that fails the evaluation.
type Placement struct {
	VM       model.ID `json:"vm"`
	Name     string   `json:"name"`
	Host     model.ID `json:"host"`
	HostName string   `json:"host_name"`
	Power    string   `json:"power,omitempty"`
	Reasons  []Reason `json:"reasons"`
}

// Evaluate says whether vm keeps its network on host. Each of the VM's
// vNICs that is connected (or connects at power-on) and attached to a port
// group is checked:
//
//   - distributed port group: host is a member of its distributed switch;
//     standard port group: host has a standard port group of the same name
//     with the same VLAN (or trunk, or private VLAN), and a vSwitch MTU no
//     smaller than the VM's current one;
//   - the port group has an active or standby uplink there that is up;
//   - the switch port behind every active and standby uplink (behind each
//     member of an LACP LAG the port group uses) allows the port group's
//     VLANs — for a trunk port group every VLAN of its ranges, for a
//     private VLAN the primary and the secondary, for guest tagging of
//     every VLAN (4095) the VLANs the VM's current host's ports allow; an
//     untagged port group's frames must land in the same VLAN (native or
//     access VLAN) as on the VM's current host;
//   - those switch ports (and their port-channels) have an MTU at least the
//     virtual switch's (the port group's when set);
//   - teaming matches the switch: the members of an LACP LAG, and the
//     uplinks of IP-hash teaming, are on one port-channel (one switch, or
//     the two halves of an MLAG/vPC pair); other uplinks are on ports in no
//     port-channel.
//
// What the map does not know (an uplink with no known switch port, a port
// whose VLANs the switch did not report) is a Warning, not a Reason: a host
// is unsafe only for what the map shows to be wrong.
func Evaluate(g *graph.Graph, vm, host model.ID) Verdict {
	return newEvaluator(g).verdict(vm, host)
}

// UnsafePlacements returns the VMs that run now on a host where they fail
// Evaluate, sorted by VM name, with the reasons.
func UnsafePlacements(g *graph.Graph) []Placement {
	e := newEvaluator(g)
	var out []Placement
	for _, h := range g.Nodes(model.KindHost) {
		for r := range edges(g.In(h.ID, ""), model.RelRunsOn) {
			vi := e.vmInfo(r.From)
			if vi.cur != h.ID || e.safe(vi, h.ID) {
				continue // a VM stated on two hosts is evaluated once, on the first
			}
			v := e.verdictOf(vi, h.ID)
			p := Placement{VM: vi.id, Name: v.VMName, Host: h.ID, HostName: v.HostName, Reasons: v.Reasons}
			if n := g.Node(vi.id); n != nil {
				p.Power = n.Attr("power")
			}
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].VM < out[j].VM
	})
	return out
}

// currentHost returns the host vm runs on, or "".
func currentHost(g *graph.Graph, vm model.ID) model.ID {
	for e := range edges(g.Out(vm, ""), model.RelRunsOn) {
		return e.To
	}
	return ""
}

// evaluator checks VMs against hosts on one graph, remembering the result
// of each (port group, current host, target host) and the distributed
// switches' uplinks per host, so that evaluating every VM against every
// host of its cluster costs one check per port group and host.
type evaluator struct {
	g        *graph.Graph
	dvsHosts map[model.ID]map[model.ID][]graph.Edge // distributed switch → host → uplinks
	linked   map[model.ID]map[string]bool           // switch → switches it has an inter-switch link to
	memo     map[nicKey]*nicResult
	free     map[model.ID]bool // port group → hostFree
}

type nicKey struct{ pg, from, to model.ID }

// nicResult is the evaluation of one port group from one host to another.
type nicResult struct {
	reasons, warnings []Reason
}

func newEvaluator(g *graph.Graph) *evaluator {
	return &evaluator{g: g, dvsHosts: map[model.ID]map[model.ID][]graph.Edge{}, linked: map[model.ID]map[string]bool{}, memo: map[nicKey]*nicResult{}, free: map[model.ID]bool{}}
}

// vmInfo is what the evaluation of a VM needs, read once per VM.
type vmInfo struct {
	id   model.ID
	name string
	cur  model.ID // the host it runs on, or ""
	nics []vnicInfo
}

// vnicInfo is a vNIC that needs a network, and its port groups.
type vnicInfo struct {
	id    model.ID
	label string
	pgs   []pgUse
}

// pgUse is a port group a vNIC is attached to, with the host its result
// depends on: the VM's current host, or "" when the result is the same
// whatever that host (a distributed port group with a VLAN, a trunk or a
// private VLAN), so that the VMs of every host share it.
type pgUse struct{ pg, from model.ID }

func (e *evaluator) vmInfo(vm model.ID) *vmInfo {
	g := e.g
	vi := &vmInfo{id: vm, name: name(g, vm), cur: currentHost(g, vm)}
	for _, nic := range vnics(g, vm) {
		ni := vnicInfo{id: nic.ID, label: nic.Attr("label")}
		if ni.label == "" {
			ni.label = nic.ID.Key()
		}
		for a := range edges(g.Out(nic.ID, ""), model.RelAttached) {
			u := pgUse{pg: a.To, from: vi.cur}
			if e.hostFree(a.To) {
				u.from = ""
			}
			ni.pgs = append(ni.pgs, u)
		}
		vi.nics = append(vi.nics, ni)
	}
	return vi
}

// signature identifies what the evaluation of the VM depends on: two VMs
// with the same signature are safe on the same hosts.
func (vi *vmInfo) signature() string {
	var b strings.Builder
	for _, ni := range vi.nics {
		for _, u := range ni.pgs {
			b.WriteString(string(u.pg))
			b.WriteByte(0)
			b.WriteString(string(u.from))
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	return b.String()
}

// hostFree reports whether the evaluation of port group pg does not depend
// on the VM's current host: a distributed port group that is not untagged
// nor tagging every VLAN in the guest.
func (e *evaluator) hostFree(pg model.ID) bool {
	free, ok := e.free[pg]
	if !ok {
		if n := e.g.Node(pg); n != nil && switchOf(e.g, pg).Kind() == model.KindDVSwitch {
			_, untagged, all, err := required(n)
			free = err == nil && !untagged && !all
		}
		e.free[pg] = free
	}
	return free
}

// edges yields the relations of kind rel among es, without the copy
// graph.Out makes to filter.
func edges(es []graph.Edge, rel model.RelKind) iter.Seq[graph.Edge] {
	return func(yield func(graph.Edge) bool) {
		for _, e := range es {
			if e.Rel == rel && !yield(e) {
				return
			}
		}
	}
}

// verdict evaluates vm on host.
func (e *evaluator) verdict(vm, host model.ID) Verdict { return e.verdictOf(e.vmInfo(vm), host) }

// safe is verdictOf(vi, host).Safe without building the verdict.
func (e *evaluator) safe(vi *vmInfo, host model.ID) bool {
	if e.g.Node(host) == nil {
		return false
	}
	for _, ni := range vi.nics {
		for _, u := range ni.pgs {
			if len(e.nic(u.pg, u.from, host).reasons) > 0 {
				return false
			}
		}
	}
	return true
}

func (e *evaluator) verdictOf(vi *vmInfo, host model.ID) Verdict {
	g := e.g
	v := Verdict{VM: vi.id, VMName: vi.name, Host: host, HostName: name(g, host), Current: vi.cur == host, Reasons: []Reason{}}
	hn := g.Node(host)
	if hn == nil {
		v.Reasons = append(v.Reasons, Reason{Code: CodeUnknownHost, Message: fmt.Sprintf("no host %s is known", host.Key()), Subjects: []model.ID{host}})
		return v
	}
	if c := hn.Attr("connection"); c != "" && c != "connected" {
		v.Warnings = append(v.Warnings, Reason{Code: CodeHostState, Message: fmt.Sprintf("host %s is %s", v.HostName, c), Subjects: []model.ID{host}})
	}
	if hn.Attr("maintenance") == "true" {
		v.Warnings = append(v.Warnings, Reason{Code: CodeHostState, Message: fmt.Sprintf("host %s is in maintenance mode", v.HostName), Subjects: []model.ID{host}})
	}
	for _, ni := range vi.nics {
		for _, u := range ni.pgs {
			r := e.nic(u.pg, u.from, host)
			v.Reasons = appendPrefixed(v.Reasons, ni.label, ni.id, r.reasons)
			v.Warnings = appendPrefixed(v.Warnings, ni.label, ni.id, r.warnings)
		}
	}
	v.Safe = len(v.Reasons) == 0
	return v
}

// vnics returns the vNICs of vm that need a network — connected, or
// connecting at power-on — in label order.
func vnics(g *graph.Graph, vm model.ID) []*graph.Node {
	var out []*graph.Node
	for e := range edges(g.Out(vm, ""), model.RelHasVNIC) {
		n := g.Node(e.To)
		if n == nil || (n.Attr("connected") == "false" && n.Attr("start_connected") != "true") {
			continue
		}
		out = append(out, n)
	}
	if len(out) > 1 {
		sort.Slice(out, func(i, j int) bool { return labelOrder(out[i]) < labelOrder(out[j]) })
	}
	return out
}

// labelOrder sorts "Network adapter 10" after "Network adapter 2".
func labelOrder(n *graph.Node) string {
	l := n.Attr("label")
	i := len(l)
	for i > 0 && l[i-1] >= '0' && l[i-1] <= '9' {
		i--
	}
	num, _ := strconv.Atoi(l[i:])
	return fmt.Sprintf("%s%08d%s", l[:i], num, n.ID)
}

func appendPrefixed(dst []Reason, label string, nic model.ID, rs []Reason) []Reason {
	for _, r := range rs {
		dst = append(dst, Reason{Code: r.Code, Message: label + ": " + r.Message, Subjects: append([]model.ID{nic}, r.Subjects...)})
	}
	return dst
}

// name is an entity's display name, or its ID key.
func name(g *graph.Graph, id model.ID) string {
	if n := g.Node(id); n != nil && n.Name != "" {
		return n.Name
	}
	return id.Key()
}

// switchOf returns the virtual switch a port group is a member of, or "".
func switchOf(g *graph.Graph, pg model.ID) model.ID {
	for e := range edges(g.Out(pg, ""), model.RelMemberOf) {
		return e.To
	}
	return ""
}

// nic evaluates port group pg, used on host from, on host to.
func (e *evaluator) nic(pg, from, to model.ID) *nicResult {
	k := nicKey{pg, from, to}
	if r, ok := e.memo[k]; ok {
		return r
	}
	r := &nicResult{}
	e.checkNIC(r, pg, from, to)
	e.memo[k] = r
	return r
}

func (e *evaluator) checkNIC(r *nicResult, pg, from, to model.ID) {
	g := e.g
	src := g.Node(pg)
	sw := switchOf(g, pg)
	if src == nil || sw == "" {
		r.warn(CodePortgroupUnknown, []model.ID{pg}, "port group %s is not in the map with its switch: its network cannot be checked", name(g, pg))
		return
	}
	pgName, hostName := name(g, pg), name(g, to)
	tpg, tsw := src, sw
	if sw.Kind() == model.KindDVSwitch {
		if !e.dvsMember(sw, to) {
			r.fail(CodeNotOnSwitch, []model.ID{to, sw, pg}, "host %s is not a member of distributed switch %s (port group %s)", hostName, name(g, sw), pgName)
			return
		}
	} else if to != from {
		id := model.NewID(model.KindPortgroup, to.Key()+"/"+src.Name)
		if tpg = g.Node(id); tpg == nil {
			r.fail(CodePortgroupMissing, []model.ID{to, pg}, "host %s has no port group %s", hostName, pgName)
			return
		}
		if a, b := vlanSpec(src), vlanSpec(tpg); a != b {
			r.fail(CodeVLANDiffers, []model.ID{id, pg}, "port group %s is %s on %s but %s on %s", pgName, b, hostName, a, name(g, from))
			return
		}
		if tsw = switchOf(g, id); tsw == "" {
			r.warn(CodePortgroupUnknown, []model.ID{id}, "port group %s of %s has no known vSwitch: its uplinks cannot be checked", pgName, hostName)
			return
		}
		if have, want := mtuOf(g, tpg, tsw), mtuOf(g, src, sw); have < want {
			r.fail(CodeMTUSmaller, []model.ID{id, tsw}, "%s of %s has MTU %d, below the %d the VM has now", name(g, tsw), hostName, have, want)
		}
	}
	ups := e.uplinks(tsw, to, tpg)
	if len(ups) == 0 {
		r.fail(CodeNoUplink, []model.ID{tpg.ID, to}, "port group %s has no active or standby uplink on %s", pgName, hostName)
		return
	}
	var up, down []string
	for _, u := range ups {
		if u.link == "down" {
			down = append(down, u.device)
		} else {
			up = append(up, u.device)
		}
	}
	if len(up) == 0 {
		r.fail(CodeNoUplink, []model.ID{tpg.ID, to}, "every uplink of port group %s on %s is down (%s)", pgName, hostName, strings.Join(down, ", "))
		return
	}
	for _, u := range ups {
		if u.link == "down" {
			r.warn(CodeUplinkDown, []model.ID{u.pnic}, "%s of %s (%s) is down", u.device, hostName, u.role)
		}
	}
	for i := range ups {
		ups[i].ports = e.ports(r, ups[i], hostName)
	}
	if to != from {
		have, hok := g.UplinkSwitches(tpg.ID, to)
		had, fok := g.UplinkSwitches(pg, from)
		if hok && fok && len(have) == 1 && len(had) > 1 {
			r.warn(CodeSwitchRedundancy, []model.ID{to, tpg.ID}, "on %s the uplinks of %s all reach %s, where on %s they reach %s: the VM loses switch redundancy",
				hostName, pgName, have[0], name(g, from), strings.Join(had, " and "))
		}
	}
	e.checkVLANs(r, src, tpg, pgName, from, to, ups)
	e.checkMTU(r, tpg, tsw, ups)
	e.checkTeaming(r, tpg, pgName, ups)
}

// vlanSpec describes what a port group puts on the wire: "VLAN 110",
// "trunk 100-199", "private VLAN 501 (primary 500)" or "untagged".
func vlanSpec(pg *graph.Node) string {
	switch {
	case pg.Attr("trunk") != "":
		return "trunk " + pg.Attr("trunk")
	case pg.Attr("pvlan") != "":
		return "private VLAN " + pg.Attr("pvlan") + " (primary " + pg.Attr("vlan") + ")"
	case pg.Attr("vlan") != "" && pg.Attr("vlan") != "0":
		return "VLAN " + pg.Attr("vlan")
	}
	return "untagged"
}

// mtuOf is the MTU a port group sends: its own, else its switch's, else
// the 1500 default.
func mtuOf(g *graph.Graph, pg *graph.Node, sw model.ID) int {
	if m, err := strconv.Atoi(pg.Attr("mtu")); err == nil && m > 0 {
		return m
	}
	if n := g.Node(sw); n != nil {
		if m, err := strconv.Atoi(n.Attr("mtu")); err == nil && m > 0 {
			return m
		}
	}
	return 1500
}

// dvsMember reports whether host is a member of the distributed switch.
func (e *evaluator) dvsMember(dvs, host model.ID) bool {
	if len(e.dvsUplinks(dvs)[host]) > 0 {
		return true
	}
	for _, m := range e.g.Out(host, model.RelHasSwitch) {
		if m.To == dvs {
			return true
		}
	}
	return false
}

// dvsUplinks returns the uplinks of a distributed switch by host.
func (e *evaluator) dvsUplinks(dvs model.ID) map[model.ID][]graph.Edge {
	if m, ok := e.dvsHosts[dvs]; ok {
		return m
	}
	m := map[model.ID][]graph.Edge{}
	for _, u := range e.g.Out(dvs, model.RelUplink) {
		h := model.NewID(model.KindHost, u.Attrs["host"])
		m[h] = append(m[h], u)
	}
	e.dvsHosts[dvs] = m
	return m
}

// uplink is an uplink a port group uses on a host.
type uplink struct {
	pnic   model.ID
	device string
	role   string // "active" or "standby"
	lag    string // the LACP LAG it is a member of, on a distributed switch
	link   string
	ports  []switchPort // the switch ports known behind it
}

// uplinks returns the active and standby uplinks of port group pg on host
// through virtual switch sw, active first.
func (e *evaluator) uplinks(sw, host model.ID, pg *graph.Node) []uplink {
	var edges []graph.Edge
	if sw.Kind() == model.KindDVSwitch {
		edges = e.dvsUplinks(sw)[host]
	} else {
		edges = e.g.Out(sw, model.RelUplink)
	}
	active, standby := model.SplitList(pg.Attr("active")), model.SplitList(pg.Attr("standby"))
	var out []uplink
	for _, ed := range edges {
		role := roleOf(active, standby, ed.Attrs["uplink"], ed.Attrs["lag"])
		if role == "" {
			continue
		}
		u := uplink{pnic: ed.To, device: ed.To.Key(), role: role, lag: ed.Attrs["lag"]}
		if n := e.g.Node(ed.To); n != nil {
			u.link = n.Attr("link")
			if d := n.Attr("device"); d != "" {
				u.device = d
			}
		}
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].role < out[j].role }) // "active" < "standby"
	return out
}

// roleOf says how a port group uses an uplink (by its uplink name or its
// LAG): "active", "standby", or "" (unused). With no teaming order at all,
// every uplink is active.
func roleOf(active, standby []string, uplinkName, lag string) string {
	if len(active) == 0 && len(standby) == 0 {
		return "active"
	}
	for _, n := range []string{uplinkName, lag} {
		if n == "" {
			continue
		}
		for _, a := range active {
			if a == n {
				return "active"
			}
		}
		for _, s := range standby {
			if s == n {
				return "standby"
			}
		}
	}
	return ""
}

// switchPort is a switch port behind an uplink, with the node that holds
// its VLANs (its port-channel's when it is a bundle member).
type switchPort struct {
	id    model.ID
	label string // "leaf1 Ethernet1/7"
	node  *graph.Node
	vlans *graph.Node
	pc    model.ID // port-channel, when in one
	sw    string   // the switch's name
}

// ports returns the switch ports known behind an uplink, warning when
// there is none or the evidence conflicts (those ports are not used).
func (e *evaluator) ports(r *nicResult, u uplink, hostName string) []switchPort {
	g := e.g
	var out []switchPort
	cabled := g.Out(u.pnic, model.RelCabled)
	if len(cabled) == 0 {
		r.warn(CodePortUnknown, []model.ID{u.pnic}, "no switch port is known behind %s of %s (no LLDP/CDP, forwarding-table or declared cabling)", u.device, hostName)
		return nil
	}
	for _, c := range cabled {
		if c.Attrs["confidence"] == "conflict" {
			var ids []string
			for _, x := range cabled {
				ids = append(ids, portLabel(x.To))
			}
			r.warn(CodeCablingConflict, []model.ID{u.pnic}, "the evidence puts %s of %s on several switch ports (%s): not checked", u.device, hostName, strings.Join(ids, ", "))
			return nil
		}
	}
	for _, c := range cabled {
		sw, _, _ := strings.Cut(c.To.Key(), "/")
		p := switchPort{id: c.To, label: portLabel(c.To), node: g.Node(c.To), sw: sw}
		p.vlans = p.node
		for _, l := range g.Out(c.To, model.RelInLAG) {
			p.pc = l.To
			if pc := g.Node(l.To); pc != nil && pc.Attr("mode") != "" {
				p.vlans = pc
			}
		}
		out = append(out, p)
	}
	return out
}

// portLabel is "leaf1 Ethernet1/7" for port:leaf1/Ethernet1/7.
func portLabel(id model.ID) string {
	sw, p, _ := strings.Cut(id.Key(), "/")
	return sw + " " + p
}

// carried returns what a port (or its bundle) lets through: the VLANs it
// allows and the VLAN its untagged frames are in (-1 unknown); ok is false
// when the switch did not report them.
func carried(n *graph.Node) (vlans vlanSet, untagged int, ok bool) {
	if n == nil {
		return vlans, -1, false
	}
	untagged = -1
	switch n.Attr("mode") {
	case "access":
		v, err := strconv.Atoi(n.Attr("access_vlan"))
		if err != nil || v < 0 || v > 4095 {
			return vlans, -1, false
		}
		vlans.add(v)
		return vlans, v, true
	case "trunk":
		set, err := parseVLANSet(n.Attr("allowed_vlans"))
		if err != nil {
			return vlans, -1, false
		}
		if v, err := strconv.Atoi(n.Attr("native_vlan")); err == nil && v >= 0 && v < 4096 {
			untagged = v
		}
		return set, untagged, true
	}
	return vlans, -1, false
}

// guestTaggingAll is how many VLANs a trunk port group must span to count
// as guest tagging of every VLAN (VLAN 4095 on a standard port group,
// "0-4094" on a distributed one).
const guestTaggingAll = 4094

// required returns the VLANs a port group needs tagged on its uplinks;
// untagged is true for an untagged port group, all for guest tagging of
// every VLAN.
func required(pg *graph.Node) (set vlanSet, untagged, all bool, err error) {
	switch {
	case pg.Attr("trunk") != "":
		set, err = parseVLANSet(pg.Attr("trunk"))
		return set, false, err == nil && set.count() >= guestTaggingAll, err
	case pg.Attr("pvlan") != "":
		set, err = parseVLANSet(pg.Attr("vlan") + "," + pg.Attr("pvlan"))
		return set, false, false, err
	case pg.Attr("vlan") != "" && pg.Attr("vlan") != "0":
		set, err = parseVLANSet(pg.Attr("vlan"))
		return set, false, false, err
	}
	return set, true, false, nil
}

// checkVLANs checks that the switch ports behind every uplink of port
// group pg on host to carry what it needs; src is the port group the VM
// uses now on host from.
func (e *evaluator) checkVLANs(r *nicResult, src, pg *graph.Node, pgName string, from, to model.ID, ups []uplink) {
	g := e.g
	hostName := name(g, to)
	want, untagged, all, err := required(pg)
	if err != nil {
		r.warn(CodePortgroupUnknown, []model.ID{pg.ID}, "port group %s: %v", pgName, err)
		return
	}
	if all {
		if from == to || from == "" {
			return // what the guest tags is unknown: nothing to compare with
		}
		have, known := e.hostCarries(src, from)
		if !known {
			r.warn(CodeVLANsUnknown, []model.ID{pg.ID}, "port group %s tags every VLAN in the guest and the switch ports of %s did not report theirs: not checked", pgName, name(g, from))
			return
		}
		want = want.and(have)
	}
	var natives []int
	var nativeSubjects []model.ID
	for _, u := range ups {
		for _, p := range u.ports {
			set, native, ok := carried(p.vlans)
			if !ok {
				r.warn(CodeVLANsUnknown, []model.ID{p.id}, "the switch did not report the VLANs of %s (behind %s of %s): not checked", p.label, u.device, hostName)
				continue
			}
			if untagged {
				natives = append(natives, native)
				nativeSubjects = append(nativeSubjects, p.id)
				continue
			}
			if missing := want.minus(set); !missing.empty() {
				where := p.label
				if p.vlans != p.node {
					where = fmt.Sprintf("%s (%s)", portLabel(p.pc), p.label)
				}
				r.fail(CodeVLANNotCarried, []model.ID{u.pnic, p.id, pg.ID}, "VLAN %s of %s is not allowed on %s, the switch port of %s (%s) of %s", missing, pgName, where, u.device, u.role, hostName)
			}
		}
	}
	if !untagged || len(natives) == 0 {
		return
	}
	ref := -2 // what the VM has now, or else the first port's
	if from != "" && from != to {
		if n, known := e.hostUntagged(src, from); known {
			ref = n
		}
	}
	if ref == -2 {
		ref = natives[0]
	}
	for i, n := range natives {
		if n != ref {
			r.fail(CodeNativeVLAN, []model.ID{nativeSubjects[i], pg.ID}, "untagged frames of %s go to VLAN %s on %s of %s, not VLAN %s", pgName, vlanName(n), portLabel(nativeSubjects[i]), hostName, vlanName(ref))
		}
	}
}

func vlanName(v int) string {
	if v < 0 {
		return "unknown"
	}
	return strconv.Itoa(v)
}

// hostUplinks returns the uplinks port group pg (of the VM's current host)
// uses there.
func (e *evaluator) hostUplinks(pg *graph.Node, host model.ID) []uplink {
	sw := switchOf(e.g, pg.ID)
	if sw == "" {
		return nil
	}
	return e.uplinks(sw, host, pg)
}

// hostCarries returns the VLANs every switch port behind pg's uplinks on
// host allows (what the VM can rely on there).
func (e *evaluator) hostCarries(pg *graph.Node, host model.ID) (vlanSet, bool) {
	var all vlanSet
	first := true
	for _, u := range e.hostUplinks(pg, host) {
		for _, c := range e.g.Out(u.pnic, model.RelCabled) {
			p := e.portOf(c.To)
			set, _, ok := carried(p)
			if !ok {
				return all, false
			}
			if first {
				all, first = set, false
			} else {
				all = all.and(set)
			}
		}
	}
	return all, !first
}

// hostUntagged returns the VLAN of untagged frames behind pg's first
// uplink with a known switch port on host.
func (e *evaluator) hostUntagged(pg *graph.Node, host model.ID) (int, bool) {
	for _, u := range e.hostUplinks(pg, host) {
		for _, c := range e.g.Out(u.pnic, model.RelCabled) {
			if _, n, ok := carried(e.portOf(c.To)); ok {
				return n, true
			}
		}
	}
	return 0, false
}

// portOf returns the node holding a port's VLANs: its port-channel's when
// that has them.
func (e *evaluator) portOf(port model.ID) *graph.Node {
	for _, l := range e.g.Out(port, model.RelInLAG) {
		if pc := e.g.Node(l.To); pc != nil && pc.Attr("mode") != "" {
			return pc
		}
	}
	return e.g.Node(port)
}

// checkMTU checks that the switch ports (and their port-channels) let the
// port group's frames through.
func (e *evaluator) checkMTU(r *nicResult, pg *graph.Node, sw model.ID, ups []uplink) {
	g := e.g
	want := mtuOf(g, pg, sw)
	for _, u := range ups {
		for _, p := range u.ports {
			for _, n := range []*graph.Node{p.node, g.Node(p.pc)} {
				if n == nil {
					continue
				}
				if m, err := strconv.Atoi(n.Attr("mtu")); err == nil && m > 0 && m < want {
					r.fail(CodeSwitchMTU, []model.ID{n.ID, u.pnic}, "%s has MTU %d, below the %d of %s (port group %s) behind %s", portLabel(n.ID), m, want, name(g, sw), name(g, pg.ID), u.device)
				}
			}
		}
	}
}

// checkTeaming checks that bundled uplinks (an LACP LAG, or IP-hash
// teaming) are on one logical port-channel and that other uplinks are on
// no port-channel.
func (e *evaluator) checkTeaming(r *nicResult, pg *graph.Node, pgName string, ups []uplink) {
	ipHash := pg.Attr("policy") == "loadbalance_ip"
	groups := map[string][]uplink{}
	var keys []string
	for _, u := range ups {
		k := u.lag
		if k == "" && ipHash {
			k = "IP-hash teaming"
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], u)
	}
	for _, k := range keys {
		type member struct {
			u uplink
			p switchPort
		}
		var ms []member
		for _, u := range groups[k] {
			for _, p := range u.ports {
				ms = append(ms, member{u, p})
			}
		}
		if k == "" {
			for _, m := range ms {
				if m.p.pc != "" {
					r.fail(CodeTeaming, []model.ID{m.u.pnic, m.p.id, m.p.pc}, "%s teams %s without a bundle (%s), but its switch port %s is in %s", pgName, m.u.device, policyName(pg), m.p.label, portLabel(m.p.pc))
				}
			}
			continue
		}
		bundle := k
		if k != "IP-hash teaming" {
			bundle = "LACP LAG " + k
		}
		var first *member
		for i := range ms {
			m := &ms[i]
			if m.p.pc == "" {
				r.fail(CodeTeaming, []model.ID{m.u.pnic, m.p.id}, "%s uses %s, but %s behind %s is in no port-channel", pgName, bundle, m.p.label, m.u.device)
				continue
			}
			if first == nil {
				first = m
				continue
			}
			if !e.sameBundle(first.p, m.p) {
				r.fail(CodeTeaming, []model.ID{first.p.pc, m.p.pc}, "%s uses %s, but its members are on different port-channels: %s (%s) and %s (%s)", pgName, bundle, portLabel(first.p.pc), first.u.device, portLabel(m.p.pc), m.u.device)
			}
		}
	}
}

func policyName(pg *graph.Node) string {
	if p := pg.Attr("policy"); p != "" {
		return p
	}
	return "no load-balancing policy stated"
}

// sameBundle reports whether two ports' port-channels are one logical
// port-channel: the same one, or the same name on the two switches of an
// MLAG/vPC pair (switches with an inter-switch link).
func (e *evaluator) sameBundle(a, b switchPort) bool {
	if a.pc == b.pc {
		return true
	}
	_, na, _ := strings.Cut(a.pc.Key(), "/")
	_, nb, _ := strings.Cut(b.pc.Key(), "/")
	return na == nb && e.isLinked(model.NewID(model.KindSwitch, a.sw), b.sw)
}

// isLinked reports whether switch sw has an inter-switch link to the
// switch named peer.
func (e *evaluator) isLinked(sw model.ID, peer string) bool {
	m, ok := e.linked[sw]
	if !ok {
		m = map[string]bool{}
		for _, hp := range e.g.Out(sw, model.RelHasPort) {
			for _, l := range e.g.Out(hp.To, model.RelLink) {
				p, _, _ := strings.Cut(l.To.Key(), "/")
				m[p] = true
			}
		}
		e.linked[sw] = m
	}
	return m[peer]
}

func (r *nicResult) fail(code string, subjects []model.ID, format string, args ...any) {
	r.reasons = append(r.reasons, Reason{Code: code, Message: fmt.Sprintf(format, args...), Subjects: subjects})
}

func (r *nicResult) warn(code string, subjects []model.ID, format string, args ...any) {
	r.warnings = append(r.warnings, Reason{Code: code, Message: fmt.Sprintf(format, args...), Subjects: subjects})
}
