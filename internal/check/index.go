package check

import (
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// index is what the rules share, computed once per run: each virtual
// switch's uplinks on each host with the switch ports behind them, and each
// port group on each host with the role of every uplink. It is read-only
// once newIndex returns, as the rules read it concurrently.
type index struct {
	g *graph.Graph

	switches    []*vsHost                      // every virtual switch on every host
	bySwitch    map[model.ID][]*vsHost         // virtual switch → its presence on each host
	units       []*unit                        // every port group on every host
	vlanOf      map[model.ID]vlanCarry         // port or port-channel → VLANs it lets through
	peers       map[model.ID]map[model.ID]bool // switch → switches it has an inter-switch link to
	hasSwitches bool                           // the graph knows at least one physical switch
	bundles     []hostBundle                   // see hostBundles

	byKind map[model.Kind][]*graph.Node // every entity by kind, see nodes
	sorted map[model.Kind]bool
	nics   []vmNIC          // see vmNICs
	pgVLAN map[model.ID]int // see accessVLAN
}

// nodes returns the entities of kind k sorted by ID. The kinds the rules
// list (sortedKinds) are sorted once when the index is built; another kind
// is sorted into a copy.
func (ix *index) nodes(k model.Kind) []*graph.Node {
	ns := ix.byKind[k]
	if !ix.sorted[k] {
		ns = slices.Clone(ns)
		sortNodes(ns)
	}
	return ns
}

// anyOrder returns the entities of kind k in no particular order, for
// rules whose findings do not depend on it (they are sorted at the end).
func (ix *index) anyOrder(k model.Kind) []*graph.Node { return ix.byKind[k] }

func sortNodes(ns []*graph.Node) {
	slices.SortFunc(ns, func(a, b *graph.Node) int { return strings.Compare(string(a.ID), string(b.ID)) })
}

// sortedKinds are the kinds prepare sorts: those the rules walk in order.
var sortedKinds = []model.Kind{model.KindVSwitch, model.KindDVSwitch, model.KindPortgroup, model.KindSwitch, model.KindVLAN,
	model.KindCluster, model.KindPort, model.KindPortChannel, model.KindPNIC}

// vsHost is a virtual switch as one host has it: a standard vSwitch, or a
// host's share of a distributed switch.
type vsHost struct {
	sw      *graph.Node
	swID    model.ID
	host    model.ID
	uplinks []*uplinkInfo
	spanned int // 1 + span(), 0 until computed
}

// uplinkInfo is one pNIC used as an uplink, with the switch ports
// correlation cabled it to.
type uplinkInfo struct {
	pnic   model.ID
	node   *graph.Node // nil when the graph has no entity for the pNIC
	name   string      // uplink name as teaming lists it (vmnic0, uplink1, lag1-0)
	lag    string      // LAG name, when the uplink is a LAG port
	device string
	down   bool // the pNIC's link is down
	ports  []portRef
	// undisputed are the ports not in dispute (all of them, or none when
	// the evidence puts the pNIC on several).
	undisputed []portRef
}

// up reports whether the pNIC's link is not known to be down.
func (u *uplinkInfo) up() bool { return !u.down }

// known returns the ports of the pNIC that are not in dispute.
func (u *uplinkInfo) known() []portRef { return u.undisputed }

// portRef is a switch port behind a pNIC.
type portRef struct {
	id       model.ID
	node     *graph.Node
	sw       model.ID
	bundle   model.ID // the port-channel the port is in, or ""
	logical  model.ID // where the VLANs are configured: the bundle when it has a mode, else the port
	conflict bool     // the evidence disagrees on this pNIC's port
	evidence string
}

// unit is a port group on one host, with how it uses each of the virtual
// switch's uplinks there.
type unit struct {
	pg    *graph.Node
	host  model.ID
	vs    *vsHost
	roles []string // graph.RoleActive / RoleStandby / RoleUnused, parallel to vs.uplinks
}

// vlanCarry is what a port lets through: mode, native VLAN and the set of
// VLANs (the access VLAN, or a trunk's allowed list).
type vlanCarry struct {
	mode   string
	native int // -1 when unknown
	set    vlanSet
	ok     bool // the mode and VLANs are known and readable
}

func newIndex(g *graph.Graph) *index {
	ix := &index{
		g:        g,
		bySwitch: map[model.ID][]*vsHost{},
		vlanOf:   map[model.ID]vlanCarry{},
		peers:    map[model.ID]map[model.ID]bool{},
		byKind:   map[model.Kind][]*graph.Node{},
		sorted:   map[model.Kind]bool{},
		pgVLAN:   map[model.ID]int{},
	}
	for n := range g.All() {
		ix.byKind[n.Kind] = append(ix.byKind[n.Kind], n)
	}
	for _, k := range sortedKinds {
		sortNodes(ix.byKind[k])
		ix.sorted[k] = true
	}
	nics := make(chan []vmNIC, 1) // the pass over the VMs runs beside the rest
	go func() { nics <- ix.findVMNICs() }()
	defer func() { ix.nics = <-nics }()
	for _, sw := range ix.nodes(model.KindVSwitch) {
		vh := &vsHost{sw: sw, swID: sw.ID, host: ix.hostOfVSwitch(sw)}
		for e := range ix.out(sw.ID, model.RelUplink) {
			vh.uplinks = append(vh.uplinks, ix.uplink(e))
		}
		ix.addSwitch(vh)
	}
	for _, dvs := range ix.nodes(model.KindDVSwitch) {
		byHost := map[model.ID]*vsHost{}
		var hosts []model.ID
		get := func(h model.ID) *vsHost {
			vh := byHost[h]
			if vh == nil {
				vh = &vsHost{sw: dvs, swID: dvs.ID, host: h}
				byHost[h] = vh
				hosts = append(hosts, h)
			}
			return vh
		}
		for e := range ix.out(dvs.ID, model.RelUplink) {
			h := model.NewID(model.KindHost, e.Attrs["host"])
			if e.Attrs["host"] == "" {
				h = hostOfPNIC(e.To)
			}
			vh := get(h)
			vh.uplinks = append(vh.uplinks, ix.uplink(e))
		}
		for e := range ix.in(dvs.ID, model.RelHasSwitch) {
			get(e.From)
		}
		slices.Sort(hosts)
		for _, h := range hosts {
			ix.addSwitch(byHost[h])
		}
	}
	for _, pg := range ix.nodes(model.KindPortgroup) {
		for m := range ix.out(pg.ID, model.RelMemberOf) {
			for _, vh := range ix.bySwitch[m.To] {
				u := &unit{pg: pg, host: vh.host, vs: vh}
				active, standby := pg.Attr("active"), pg.Attr("standby")
				for _, up := range vh.uplinks {
					u.roles = append(u.roles, graph.UplinkRole(active, standby, up.name, up.lag))
				}
				ix.units = append(ix.units, u)
			}
			break
		}
	}
	for _, sw := range ix.nodes(model.KindSwitch) {
		ix.hasSwitches = true
		for hp := range ix.out(sw.ID, model.RelHasPort) {
			for l := range ix.out(hp.To, model.RelLink) {
				peer := ix.switchOf(l.To)
				if peer == sw.ID {
					continue
				}
				for _, pair := range [][2]model.ID{{sw.ID, peer}, {peer, sw.ID}} {
					if ix.peers[pair[0]] == nil {
						ix.peers[pair[0]] = map[model.ID]bool{}
					}
					ix.peers[pair[0]][pair[1]] = true
				}
			}
		}
	}
	ix.prepare()
	return ix
}

// prepare computes what the rules share, so that the index is read-only
// while they run concurrently: what each port lets through, the spans of
// the virtual switches, the host bundles and the port groups' access VLANs
// (newIndex gathers the VMs' vNICs meanwhile).
func (ix *index) prepare() {
	for _, k := range []model.Kind{model.KindPort, model.KindPortChannel} {
		for _, n := range ix.byKind[k] {
			ix.vlanOf[n.ID] = carryOf(n)
		}
	}
	for _, vh := range ix.switches {
		vh.spanned = 1 + spanOf(vh.uplinks, nil)
	}
	ix.bundles = ix.findBundles()
	for _, pg := range ix.byKind[model.KindPortgroup] {
		v := 0
		if pg.Attr("trunk") == "" {
			v = atoi(pg.Attr("vlan"))
		}
		if v <= 0 || v >= 4095 {
			v = 0
		}
		ix.pgVLAN[pg.ID] = v
	}
}

func (ix *index) addSwitch(vh *vsHost) {
	ix.switches = append(ix.switches, vh)
	ix.bySwitch[vh.swID] = append(ix.bySwitch[vh.swID], vh)
}

// hostOfVSwitch returns the host of a standard vSwitch: its host attribute,
// the host that has it, or the first part of its key.
func (ix *index) hostOfVSwitch(sw *graph.Node) model.ID {
	if h := sw.Attr("host"); h != "" {
		return model.NewID(model.KindHost, h)
	}
	for e := range ix.in(sw.ID, model.RelHasSwitch) {
		return e.From
	}
	return hostOfPNIC(sw.ID)
}

// hostOfPNIC returns the host part of a "host/device" ID.
func hostOfPNIC(id model.ID) model.ID {
	k := id.Key()
	if i := strings.LastIndexByte(k, '/'); i >= 0 {
		k = k[:i]
	}
	return model.NewID(model.KindHost, k)
}

// uplink returns the uplink info of the uplink relation e, with its ports.
func (ix *index) uplink(e graph.Edge) *uplinkInfo {
	u := &uplinkInfo{pnic: e.To, node: ix.g.Node(e.To), name: e.Attrs["uplink"], lag: e.Attrs["lag"], device: deviceOf(e.To)}
	if u.node != nil {
		if d := u.node.Attr("device"); d != "" {
			u.device = d
		}
		u.down = u.node.Attr("link") == "down"
	}
	if u.name == "" {
		u.name = u.device
	}
	for c := range ix.out(e.To, model.RelCabled) {
		p := ix.portRef(c.To, c.Attrs)
		u.ports = append(u.ports, p)
		if !p.conflict {
			u.undisputed = append(u.undisputed, p)
		}
	}
	return u
}

// portRef resolves a switch port: its switch, bundle and where its VLANs
// are configured.
func (ix *index) portRef(port model.ID, attrs model.Attrs) portRef {
	p := portRef{id: port, node: ix.g.Node(port), sw: ix.switchOf(port), logical: port,
		conflict: attrs["confidence"] == "conflict", evidence: attrs["evidence"]}
	p.bundle = ix.bundleOf(port)
	if p.bundle != "" {
		if pc := ix.g.Node(p.bundle); pc != nil && pc.Attr("mode") != "" {
			p.logical = p.bundle // a bundle member's VLANs are the bundle's
		}
	}
	return p
}

// bundleOf returns the port-channel port is a member of, or "".
func (ix *index) bundleOf(port model.ID) model.ID {
	for l := range ix.out(port, model.RelInLAG) {
		return l.To
	}
	return ""
}

// switchOf returns the switch of a port or port-channel.
func (ix *index) switchOf(port model.ID) model.ID {
	for e := range ix.in(port, model.RelHasPort) {
		return e.From
	}
	sw, _, _ := strings.Cut(port.Key(), "/")
	return model.NewID(model.KindSwitch, sw)
}

// carry returns what a port (or port-channel) lets through.
func (ix *index) carry(port model.ID) vlanCarry {
	if c, ok := ix.vlanOf[port]; ok {
		return c
	}
	return carryOf(ix.g.Node(port))
}

// carryOf reads what a port lets through from its attributes.
func carryOf(n *graph.Node) vlanCarry {
	c := vlanCarry{native: -1}
	if n == nil {
		return c
	}
	c.mode = n.Attr("mode")
	var err error
	switch c.mode {
	case "access":
		c.native = atoi(n.Attr("access_vlan"))
		if c.native >= 0 {
			c.set, c.ok = vlanOne(c.native), true
		}
	case "trunk":
		c.native = atoi(n.Attr("native_vlan"))
		c.set, err = parseVLANs(n.Attr("allowed_vlans"))
		c.ok = err == nil
	}
	return c
}

// switchesPaired reports whether switches a and b have an inter-switch link
// (as the two halves of an MLAG/vPC pair have their peer-link).
func (ix *index) switchesPaired(a, b model.ID) bool { return ix.peers[a][b] }

// vmsOn returns the VMs attached through a connected vNIC to the port
// group, on host (any host when host is "").
func (ix *index) vmsOn(pg, host model.ID) []model.ID {
	var vms []model.ID
	for a := range ix.in(pg, model.RelAttached) {
		if n := ix.g.Node(a.From); n == nil || n.Attr("connected") == "false" {
			continue
		}
		for v := range ix.in(a.From, model.RelHasVNIC) {
			if host == "" || ix.hostOfVM(v.From) == host {
				vms = append(vms, v.From)
			}
		}
	}
	return sortedUnique(vms)
}

// hostOfVM returns the host vm runs on, or "".
func (ix *index) hostOfVM(vm model.ID) model.ID {
	for e := range ix.out(vm, model.RelRunsOn) {
		return e.To
	}
	return ""
}

// pgVLANs returns the VLANs a port group needs on its uplinks' trunks: its
// VLAN (with the secondary of a private VLAN) or its trunk ranges. An
// untagged port group (VLAN 0) and a guest-tagging trunk (every VLAN) need
// nothing that can be checked.
func pgVLANs(pg *graph.Node) vlanSet {
	if t := pg.Attr("trunk"); t != "" {
		s, err := parseVLANs(t)
		if err != nil || s.covers(1, 4094) {
			return nil
		}
		return s.minus(vlanOne(0))
	}
	v := atoi(pg.Attr("vlan"))
	if v <= 0 || v >= 4095 {
		return nil
	}
	s := vlanOne(v)
	if p := atoi(pg.Attr("pvlan")); p > 0 && p < 4095 {
		s = s.union(vlanOne(p))
	}
	return s
}

// atoi reads a non-negative integer attribute; -1 when absent or bad.
func atoi(s string) int {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 0 {
		return -1
	}
	return v
}

// deviceOf returns the last part of a "host/device" key.
func deviceOf(id model.ID) string {
	k := id.Key()
	if i := strings.LastIndexByte(k, '/'); i >= 0 {
		return k[i+1:]
	}
	return k
}

// nameOf returns an entity's display name: its name, else its key.
func (ix *index) nameOf(id model.ID) string {
	if n := ix.g.Node(id); n != nil && n.Name != "" {
		return n.Name
	}
	return id.Key()
}

// pgName names a port group on a host: "shop-db-v230 on esx05".
func (ix *index) pgName(u *unit) string {
	return u.pg.Name + " on " + ix.nameOf(u.host)
}

// portDesc describes a pNIC → port link for evidence lines.
func portDesc(u *uplinkInfo, role string, p portRef) string {
	s := u.pnic.Key()
	if role != "" {
		s += " (" + role + ")"
	}
	s += " → " + p.id.Key()
	if p.bundle != "" {
		s += " in " + p.bundle.Key()
	}
	if p.evidence != "" {
		s += " [" + p.evidence + "]"
	}
	return s
}

// out ranges over the relations of kind rel leaving id, without the copy
// graph.Out makes of a filtered list.
func (ix *index) out(id model.ID, rel model.RelKind) iter.Seq[graph.Edge] {
	return func(yield func(graph.Edge) bool) {
		for _, e := range ix.g.Out(id, "") {
			if e.Rel == rel && !yield(e) {
				return
			}
		}
	}
}

// in ranges over the relations of kind rel arriving at id.
func (ix *index) in(id model.ID, rel model.RelKind) iter.Seq[graph.Edge] {
	return func(yield func(graph.Edge) bool) {
		for _, e := range ix.g.In(id, "") {
			if e.Rel == rel && !yield(e) {
				return
			}
		}
	}
}

// hasOut reports whether a relation of kind rel leaves id.
func (ix *index) hasOut(id model.ID, rel model.RelKind) bool {
	for range ix.out(id, rel) {
		return true
	}
	return false
}

// hasIn reports whether a relation of kind rel arrives at id.
func (ix *index) hasIn(id model.ID, rel model.RelKind) bool {
	for range ix.in(id, rel) {
		return true
	}
	return false
}

// vmNIC is a vNIC with what the rules ask of it, gathered in one pass over
// the VMs (see vmNICs).
type vmNIC struct {
	vm        *graph.Node
	host      model.ID // the host the VM runs on, or ""
	id        model.ID
	nic       *graph.Node // nil when the graph has no entity for the vNIC
	pg        model.ID    // the port group it is attached to, or ""
	connected bool        // not known to be disconnected
}

// vmNICs returns every vNIC of every VM, in no particular order.
func (ix *index) vmNICs() []vmNIC { return ix.nics }

func (ix *index) findVMNICs() []vmNIC {
	nics := []vmNIC{}
	for _, vm := range ix.anyOrder(model.KindVM) {
		var host model.ID
		first := len(nics)
		for _, e := range ix.g.Out(vm.ID, "") {
			switch e.Rel {
			case model.RelRunsOn:
				host = e.To
			case model.RelHasVNIC:
				v := vmNIC{vm: vm, id: e.To, nic: ix.g.Node(e.To), connected: true}
				if v.nic != nil {
					v.connected = v.nic.Attr("connected") != "false"
				}
				for a := range ix.out(e.To, model.RelAttached) {
					v.pg = a.To
				}
				nics = append(nics, v)
			}
		}
		for i := first; i < len(nics); i++ {
			nics[i].host = host
		}
	}
	return nics
}

// accessVLAN returns the access VLAN of a port group (1-4094), or 0 for a
// trunk, an untagged or an unknown one.
func (ix *index) accessVLAN(pg model.ID) int { return ix.pgVLAN[pg] }
