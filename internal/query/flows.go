package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/ifname"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
	"github.com/vnetmap/vnetmap/internal/timeparse"
)

// ErrBadWindow is wrapped by the error of a flow query whose time window is
// empty or reversed.
var ErrBadWindow = errors.New("query: bad time window")

// Bounds of the flow answers. What a bound leaves out is still counted (in
// DepsAnswer.Omitted, or in an edge's or a class's totals).
const (
	// maxEdges bounds the edges of a dependency map, largest first.
	maxEdges = 500
	// topPorts is how many protocol/port pairs an edge or a path lists.
	topPorts = 5
	// topTalkers is how many endpoints a dependency map ranks.
	topTalkers = 10
	// topAddrs is how many addresses an unattributed class lists.
	topAddrs = 10
)

// Port-channel imbalance: a member is flagged in a direction when its share
// of the channel's bytes is off the even share 1/n by more than
// imbalanceTolerance/n (with two members: below 25% or above 75%), once the
// channel carried at least imbalanceMinPackets packets that way (fewer say
// too little about the hashing).
const (
	imbalanceTolerance  = 0.5
	imbalanceMinPackets = 1000
)

// PathFlowWindow is how far back before its moment a path answer sums the
// traffic between its two ends.
const PathFlowWindow = time.Hour

// Dependency map levels and node kinds beyond the endpoint classes.
const (
	LevelApplication = "application" // nodes are applications (VMs without one stand for themselves)
	LevelVM          = "vm"          // nodes are VMs
)

// Traffic is what was counted: bytes, packets and flows, scaled by the
// exporters' sampling rates.
type Traffic struct {
	Bytes   uint64 `json:"bytes"`
	Packets uint64 `json:"packets"`
	Flows   uint64 `json:"flows"`
}

// add adds m's counters, saturating.
func (t *Traffic) add(m *flow.Minute) {
	t.Bytes, t.Packets, t.Flows = satAdd(t.Bytes, m.Bytes), satAdd(t.Packets, m.Packets), satAdd(t.Flows, m.Flows)
}

// plus adds o, saturating.
func (t *Traffic) plus(o Traffic) {
	t.Bytes, t.Packets, t.Flows = satAdd(t.Bytes, o.Bytes), satAdd(t.Packets, o.Packets), satAdd(t.Flows, o.Flows)
}

// satAdd is a + b, or the largest uint64 when that overflows.
func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

// FlowNode is one end of a dependency edge: an application, a VM, or the
// class of what is not a VM (external, unknown, known, overflow; their
// addresses are in the answer's unattributed classes and top talkers).
type FlowNode struct {
	Kind string `json:"kind"`
	// Name is the application (several comma-separated when the VMs belong
	// to several) or the VM's name; empty for a class.
	Name string `json:"name,omitempty"`
	// VM is the VM's model ID, for a VM node.
	VM string `json:"vm,omitempty"`
}

// PortTraffic is the traffic of one protocol and destination port.
type PortTraffic struct {
	Proto   uint8  `json:"proto"`
	DstPort uint16 `json:"dst_port"`
	Traffic
}

// DepEdge is the traffic from one node to another, with the protocols and
// destination ports that carried most of it.
type DepEdge struct {
	Src FlowNode `json:"src"`
	Dst FlowNode `json:"dst"`
	Traffic
	TopPorts []PortTraffic `json:"top_ports"`
}

// Talker is one endpoint of the window: a VM, or an address of a class.
type Talker struct {
	Class string `json:"class"`
	VM    string `json:"vm,omitempty"`
	Name  string `json:"name,omitempty"`
	App   string `json:"app,omitempty"`
	Addr  string `json:"addr,omitempty"`
	// SentBytes and ReceivedBytes are its bytes as source and as
	// destination; Bytes and Packets both ways.
	SentBytes     uint64 `json:"sent_bytes"`
	ReceivedBytes uint64 `json:"received_bytes"`
	Bytes         uint64 `json:"bytes"`
	Packets       uint64 `json:"packets"`
}

// AddrTraffic is the traffic of one address (either way).
type AddrTraffic struct {
	Addr string `json:"addr"`
	Traffic
}

// Unattributed is the traffic of one class of flows with a side that is no
// VM, and the addresses of that class that carried most of it.
type Unattributed struct {
	Class string `json:"class"`
	Traffic
	TopAddrs []AddrTraffic `json:"top_addrs"`
}

// DepsAnswer is the answer to `flows deps`: who talks to whom in a window.
//
// Nothing is left out silently: Total is every byte, packet and flow
// stored for the target in [From, To); it equals the sum of Edges plus
// Omitted, and equals Attributed (both sides VMs) plus the sum of
// Unattributed.
type DepsAnswer struct {
	Target string `json:"target,omitempty"`
	// TargetKind is "estate" (no target), "application" or "vm".
	TargetKind string `json:"target_kind"`
	// VM is the model ID of the target VM.
	VM    string    `json:"vm,omitempty"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Level string    `json:"level"`
	Total Traffic   `json:"total"`
	// Attributed is the traffic between two VMs.
	Attributed Traffic `json:"attributed"`
	// Edges are the largest node-to-node traffics, at most maxEdges.
	Edges []DepEdge `json:"edges"`
	// EdgesOmitted edges beyond the bound carried Omitted.
	EdgesOmitted int      `json:"edges_omitted,omitempty"`
	Omitted      Traffic  `json:"omitted,omitzero"`
	TopTalkers   []Talker `json:"top_talkers"`
	// Unattributed is the traffic with a side that is no VM, by class: a
	// flow is counted once, in the class of its less known side (overflow,
	// then unknown, external, known).
	Unattributed []Unattributed `json:"unattributed"`
}

// FlowDeps returns the dependency map of target in [from, to) (zero to:
// now; zero from: PathFlowWindow before to): with no target the whole
// estate between applications; for an application ("app:NAME" forces the
// reading), its traffic between applications; for a VM (name, UUID, MAC or
// IP, as `where` finds it), its traffic VM to VM. Targets are resolved in
// the map of to.
func (s *Service) FlowDeps(ctx context.Context, target string, from, to time.Time) (*DepsAnswer, error) {
	from, to, err := window(from, to)
	if err != nil {
		return nil, err
	}
	g, err := s.graphOf(ctx, to)
	if err != nil {
		return nil, err
	}
	ans := &DepsAnswer{Target: target, TargetKind: "estate", From: from, To: to, Level: LevelApplication}
	f := store.FlowFilter{From: from, To: to}
	name, isApp := strings.CutPrefix(strings.TrimSpace(target), "app:")
	var vmErr error
	switch {
	case name == "":
	case isApp || g.IsApplication(name):
		ans.TargetKind, f.App = "application", name
	default:
		var vm model.ID
		if vm, _, vmErr = g.FindVM(name); vmErr == nil {
			ans.TargetKind, ans.VM, ans.Level, f.VM = "vm", string(vm), LevelVM, string(vm)
		} else if !errors.Is(vmErr, graph.ErrNotFound) {
			return nil, vmErr
		} else {
			// Perhaps an application of the window that the map no longer has.
			ans.TargetKind, f.App = "application", name
		}
	}
	ms, err := s.Store.FlowTotals(ctx, f)
	if err != nil {
		return nil, err
	}
	if vmErr != nil && len(ms) == 0 {
		return nil, vmError(g, "VM or application", name, vmErr)
	}
	buildDeps(ans, ms, names{g})
	return ans, nil
}

// names resolves VM IDs to names in one map.
type names struct{ g *graph.Graph }

// vm returns the name of VM id, or its key when the map does not know it.
func (n names) vm(id string) string {
	if node := n.g.Node(model.ID(id)); node != nil && node.Name != "" {
		return node.Name
	}
	return model.ID(id).Key()
}

// buildDeps fills the edges, talkers and classes of ans from the window's
// totals per key.
func buildDeps(ans *DepsAnswer, ms []flow.Minute, n names) {
	type edgeKey struct{ src, dst FlowNode }
	type edgeAcc struct {
		Traffic
		ports map[[2]uint16]*Traffic
	}
	edges := map[edgeKey]*edgeAcc{}
	talkers := map[string]*Talker{}
	classes := map[string]*Unattributed{}
	addrs := map[string]map[string]*Traffic{}
	node := func(e flow.Endpoint) FlowNode {
		switch {
		case e.Class != flow.ClassVM:
			return FlowNode{Kind: classOf(e)}
		case ans.Level == LevelApplication && e.App != "":
			return FlowNode{Kind: LevelApplication, Name: e.App}
		}
		return FlowNode{Kind: LevelVM, Name: n.vm(e.VM), VM: e.VM}
	}
	talk := func(e flow.Endpoint, m *flow.Minute, sent bool) {
		key := classOf(e) + "|" + e.Addr
		if e.Class == flow.ClassVM {
			key = "vm|" + e.VM
		}
		t := talkers[key]
		if t == nil {
			t = &Talker{Class: classOf(e), App: e.App}
			if e.Class == flow.ClassVM {
				t.VM, t.Name = e.VM, n.vm(e.VM)
			} else {
				t.Addr = e.Addr
			}
			talkers[key] = t
		}
		if sent {
			t.SentBytes = satAdd(t.SentBytes, m.Bytes)
		} else {
			t.ReceivedBytes = satAdd(t.ReceivedBytes, m.Bytes)
		}
		t.Bytes, t.Packets = satAdd(t.Bytes, m.Bytes), satAdd(t.Packets, m.Packets)
	}
	for i := range ms {
		m := &ms[i]
		ans.Total.add(m)
		k := edgeKey{node(m.Src), node(m.Dst)}
		e := edges[k]
		if e == nil {
			e = &edgeAcc{ports: map[[2]uint16]*Traffic{}}
			edges[k] = e
		}
		e.add(m)
		pk := [2]uint16{uint16(m.Proto), m.DstPort}
		if e.ports[pk] == nil {
			e.ports[pk] = &Traffic{}
		}
		e.ports[pk].add(m)
		talk(m.Src, m, true)
		talk(m.Dst, m, false)

		class := remainderClass(classOf(m.Src), classOf(m.Dst))
		if class == "" {
			ans.Attributed.add(m)
			continue
		}
		u := classes[class]
		if u == nil {
			u = &Unattributed{Class: class}
			classes[class] = u
			addrs[class] = map[string]*Traffic{}
		}
		u.add(m)
		for i, side := range []flow.Endpoint{m.Src, m.Dst} {
			if classOf(side) != class || i == 1 && classOf(m.Src) == class && m.Src.Addr == side.Addr {
				continue // not of the class, or the address the source already counted
			}
			a := addrs[class][side.Addr]
			if a == nil {
				a = &Traffic{}
				addrs[class][side.Addr] = a
			}
			a.add(m)
		}
	}

	ans.Edges = make([]DepEdge, 0, min(len(edges), maxEdges))
	all := make([]DepEdge, 0, len(edges))
	for k, e := range edges {
		d := DepEdge{Src: k.src, Dst: k.dst, Traffic: e.Traffic}
		for pk, t := range e.ports {
			d.TopPorts = append(d.TopPorts, PortTraffic{Proto: uint8(pk[0]), DstPort: pk[1], Traffic: *t})
		}
		d.TopPorts = topPortsOf(d.TopPorts)
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b DepEdge) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), compareNodes(a.Src, b.Src), compareNodes(a.Dst, b.Dst))
	})
	for i, d := range all {
		if i < maxEdges {
			ans.Edges = append(ans.Edges, d)
			continue
		}
		ans.EdgesOmitted++
		ans.Omitted.plus(d.Traffic)
	}

	ans.TopTalkers = make([]Talker, 0, min(len(talkers), topTalkers))
	for _, t := range talkers {
		ans.TopTalkers = append(ans.TopTalkers, *t)
	}
	slices.SortFunc(ans.TopTalkers, func(a, b Talker) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), strings.Compare(a.Class, b.Class), strings.Compare(a.Name, b.Name),
			strings.Compare(a.VM, b.VM), strings.Compare(a.Addr, b.Addr))
	})
	ans.TopTalkers = ans.TopTalkers[:min(len(ans.TopTalkers), topTalkers)]

	ans.Unattributed = make([]Unattributed, 0, len(classes))
	for class, u := range classes {
		for addr, t := range addrs[class] {
			u.TopAddrs = append(u.TopAddrs, AddrTraffic{Addr: addr, Traffic: *t})
		}
		slices.SortFunc(u.TopAddrs, func(a, b AddrTraffic) int {
			return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), strings.Compare(a.Addr, b.Addr))
		})
		u.TopAddrs = u.TopAddrs[:min(len(u.TopAddrs), topAddrs)]
		ans.Unattributed = append(ans.Unattributed, *u)
	}
	slices.SortFunc(ans.Unattributed, func(a, b Unattributed) int { return cmp.Compare(classRank(a.Class), classRank(b.Class)) })
}

// classOf is the class of an endpoint; an endpoint without one is unknown.
func classOf(e flow.Endpoint) string {
	if e.Class == "" {
		return flow.ClassUnknown
	}
	return e.Class
}

// unattributedOrder ranks the classes of endpoints that are no VM, the
// least known first: a flow with such a side is counted in the first class
// of its sides in this order.
var unattributedOrder = []string{flow.ClassOverflow, flow.ClassUnknown, flow.ClassExternal, flow.ClassKnown}

// classRank is the position of class in unattributedOrder; a class it does
// not list (written by a newer pipeline) comes first.
func classRank(class string) int {
	if i := slices.Index(unattributedOrder, class); i >= 0 {
		return i + 1
	}
	return 0
}

// remainderClass is the class a flow between sides of classes a and b is
// counted in, "" when both are VMs.
func remainderClass(a, b string) string {
	switch {
	case a == flow.ClassVM && b == flow.ClassVM:
		return ""
	case a == flow.ClassVM:
		return b
	case b == flow.ClassVM:
		return a
	case classRank(b) < classRank(a):
		return b
	}
	return a
}

// compareNodes orders nodes by kind, name and VM.
func compareNodes(a, b FlowNode) int {
	return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name), strings.Compare(a.VM, b.VM))
}

// topPortsOf sorts ps by bytes and keeps the first topPorts.
func topPortsOf(ps []PortTraffic) []PortTraffic {
	slices.SortFunc(ps, func(a, b PortTraffic) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.DstPort, b.DstPort))
	})
	return ps[:min(len(ps), topPorts)]
}

// ParseWindow reads the window of a flow query as the CLI's flags and the
// API's parameters give it: since (a moment, or a duration ago: "1h" is the
// last hour) or from, and to (default now); with neither since nor from,
// the last PathFlowWindow. Moments are read by timeparse relative to now.
// Errors, since and from together included, wrap ErrBadWindow.
func ParseWindow(since, from, to string, now time.Time) (time.Time, time.Time, error) {
	parse := func(name, v string, def time.Time) (time.Time, error) {
		if v == "" {
			return def, nil
		}
		t, err := timeparse.Parse(v, now)
		if err != nil {
			return t, fmt.Errorf("%w: %s: %w", ErrBadWindow, name, err)
		}
		return t, nil
	}
	if since != "" && from != "" {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: give since or from, not both", ErrBadWindow)
	}
	end, err := parse("to", to, now)
	if err != nil {
		return end, end, err
	}
	start, err := parse("from", from, end.Add(-PathFlowWindow))
	if err != nil {
		return start, end, err
	}
	if since != "" {
		if start, err = parse("since", since, start); err != nil {
			return start, end, err
		}
	}
	return window(start, end)
}

// window checks a query window: a zero to is now, a zero from is
// PathFlowWindow before to; from must be before to.
func window(from, to time.Time) (time.Time, time.Time, error) {
	if to.IsZero() {
		to = time.Now()
	}
	if from.IsZero() {
		from = to.Add(-PathFlowWindow)
	}
	from, to = from.UTC(), to.UTC()
	if !from.Before(to) {
		return from, to, fmt.Errorf("%w: from %s is not before to %s", ErrBadWindow, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// graphOf returns the map at to: the cached map of now when to is within
// the last minute (the usual "until now" window).
func (s *Service) graphOf(ctx context.Context, to time.Time) (*graph.Graph, error) {
	if time.Since(to) < time.Minute {
		return s.Cache.At(ctx, time.Time{})
	}
	return s.Cache.At(ctx, to)
}

// LinkCounters is the traffic through a switch port or port-channel in
// each direction, as the switch exported it ("in" is received on the port).
type LinkCounters struct {
	InBytes    uint64 `json:"in_bytes"`
	InPackets  uint64 `json:"in_packets"`
	OutBytes   uint64 `json:"out_bytes"`
	OutPackets uint64 `json:"out_packets"`
}

// add adds l's counters to its direction, saturating.
func (c *LinkCounters) add(l flow.LinkMinute) {
	if l.Direction == flow.LinkIn {
		c.InBytes, c.InPackets = satAdd(c.InBytes, l.Bytes), satAdd(c.InPackets, l.Packets)
	} else {
		c.OutBytes, c.OutPackets = satAdd(c.OutBytes, l.Bytes), satAdd(c.OutPackets, l.Packets)
	}
}

// bytes is the traffic both ways.
func (c LinkCounters) bytes() uint64 { return satAdd(c.InBytes, c.OutBytes) }

// LinkPort is the traffic of one physical switch port.
type LinkPort struct {
	Port   string `json:"port"`
	Switch string `json:"switch"`
	Name   string `json:"name"`
	LinkCounters
	// Counters is what the port's own interface counters (sFlow counter
	// samples) say of the window; nil when its switch sent none.
	Counters *PortUtilization `json:"counters,omitempty"`
}

// PortUtilization is what interface counters (sFlow counter samples) say
// of a port, or of a port-channel's members together, in a window: the
// bytes, packets, errors and discards counted, the rates they make over
// the time the samples cover, the busiest minute's rates, and the speed and
// status as of the latest sample. Unlike flow traffic, which is sampled
// and only what the switch exported flows for, these are every byte the
// interface counted.
type PortUtilization struct {
	// CoveredSeconds is the time the counted differences span (per port; the
	// longest of a port-channel's members); the rates are over it.
	CoveredSeconds float64 `json:"covered_seconds"`
	Samples        uint64  `json:"samples"`
	InBytes        uint64  `json:"in_bytes"`
	OutBytes       uint64  `json:"out_bytes"`
	InPackets      uint64  `json:"in_packets"`
	OutPackets     uint64  `json:"out_packets"`
	InBps          float64 `json:"in_bps"`
	OutBps         float64 `json:"out_bps"`
	// InPercent and OutPercent are the rates as a percentage of SpeedBps;
	// 0 when the speed is unknown.
	InPercent  float64 `json:"in_percent"`
	OutPercent float64 `json:"out_percent"`
	// PeakInBps and PeakOutBps are the rates of the busiest minute.
	PeakInBps         float64 `json:"peak_in_bps"`
	PeakOutBps        float64 `json:"peak_out_bps"`
	InErrors          uint64  `json:"in_errors"`
	OutErrors         uint64  `json:"out_errors"`
	InDiscards        uint64  `json:"in_discards"`
	OutDiscards       uint64  `json:"out_discards"`
	InErrorsPerSec    float64 `json:"in_errors_per_s"`
	OutErrorsPerSec   float64 `json:"out_errors_per_s"`
	InDiscardsPerSec  float64 `json:"in_discards_per_s"`
	OutDiscardsPerSec float64 `json:"out_discards_per_s"`
	// SpeedBps is the speed of the port (the members' sum), 0 when unknown;
	// OperUp says it (every member) was up at the latest sample, LastSample.
	SpeedBps   uint64    `json:"speed_bps"`
	OperUp     bool      `json:"oper_up"`
	LastSample time.Time `json:"last_sample"`
}

// LinkMember is a port-channel member with its share of the bytes its
// channel's members carried in each direction (0 to 1). Imbalanced says a
// share is far from even.
type LinkMember struct {
	LinkPort
	ShareIn    float64 `json:"share_in"`
	ShareOut   float64 `json:"share_out"`
	Imbalanced bool    `json:"imbalanced,omitempty"`
}

// LinkChannel is the traffic of one port-channel, member by member. Members
// the map knows that carried nothing are listed with zero traffic. Its
// counters are the members' plus Unsplit.
type LinkChannel struct {
	Channel string `json:"port_channel"`
	Switch  string `json:"switch"`
	Name    string `json:"name"`
	LinkCounters
	// Unsplit is what the switch exported on the port-channel interface
	// itself: it says nothing of the members, and the shares leave it out.
	Unsplit LinkCounters `json:"unsplit,omitzero"`
	// Counters is what the interface counters of the port-channel say (its
	// own, else its members' together); nil when none were sent.
	Counters *PortUtilization `json:"counters,omitempty"`
	Members  []LinkMember     `json:"members"`
	// Peer is the other half of an MLAG (vPC) pair: the port-channel of the
	// same name on PeerSwitch. Members then lists the members on both
	// switches, and the shares are across the whole bundle.
	Peer       string `json:"mlag_peer,omitempty"`
	PeerSwitch string `json:"mlag_peer_switch,omitempty"`
	// Imbalanced says that some member's share is far from even: the
	// bundle's hashing (or a member's state) puts the load on some links.
	Imbalanced bool `json:"imbalanced,omitempty"`
}

// LinkAnswer is the answer to `flows links`: traffic per physical link and
// per port-channel member in [From, To), as the switches exported it, with
// what the ports' interface counters say next to it (a port with counters
// and no flow traffic is listed too). Total is the flow traffic: it equals
// the sum of Ports, of every channel's members and of the channels'
// unsplit traffic.
type LinkAnswer struct {
	Target   string        `json:"target,omitempty"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Total    LinkCounters  `json:"total"`
	Channels []LinkChannel `json:"port_channels"`
	// Ports are the ports in no port-channel.
	Ports []LinkPort `json:"ports"`
}

// linkTarget is what a links query is about.
type linkTarget struct {
	sw      string // switch key ("" every switch)
	port    string // a physical port's model ID
	channel string // a port-channel's model ID
	// peers are the MLAG halves on other switches of the port-channel or
	// of the switch's port-channels: their members belong to the same
	// bundles, so their traffic is shown with them.
	peers map[string]bool
}

// withPeers returns t with the MLAG peers of its port-channel, or of every
// port-channel of its switch.
func (t linkTarget) withPeers(g *graph.Graph) linkTarget {
	var chans []string
	switch {
	case t.channel != "":
		chans = []string{t.channel}
	case t.port == "" && t.sw != "":
		for _, e := range g.Out(model.NewID(model.KindSwitch, t.sw), model.RelHasPort) {
			if e.To.Kind() == model.KindPortChannel {
				chans = append(chans, string(e.To))
			}
		}
	}
	for _, ch := range chans {
		sw, name := splitPort(ch)
		if n := g.Node(model.ID(ch)); n != nil && n.Name != "" {
			name = n.Name
		}
		if peer := g.MLAGPeer(sw, name); peer != "" {
			if t.peers == nil {
				t.peers = map[string]bool{}
			}
			t.peers[string(model.NewID(model.KindPortChannel, peer+"/"+name))] = true
		}
	}
	return t
}

// selects reports whether l is about t.
func (t linkTarget) selects(l flow.LinkMinute) bool {
	if t.peers[l.Channel] {
		return true
	}
	switch {
	case t.channel != "":
		return l.Channel == t.channel
	case t.port != "":
		return l.Port == t.port
	case t.sw != "":
		sw, _ := splitPort(l.Port)
		return sw == t.sw
	}
	return true
}

// LinkTraffic returns the traffic of target's links in [from, to) (zero
// to: now; zero from: PathFlowWindow before to), flows and interface
// counters: every exporting switch port without a target, or those of a switch (NAME), of a port-channel or
// of a port (SWITCH/IFNAME in any spelling; "switch:", "lag:" and "port:"
// prefixes as in impact are accepted). A port-channel member asked for
// alone is listed among Ports, without shares.
func (s *Service) LinkTraffic(ctx context.Context, target string, from, to time.Time) (*LinkAnswer, error) {
	from, to, err := window(from, to)
	if err != nil {
		return nil, err
	}
	g, err := s.graphOf(ctx, to)
	if err != nil {
		return nil, err
	}
	ls, err := s.Store.LinkTotals(ctx, from, to)
	if err != nil {
		return nil, err
	}
	cs, err := s.Store.PortCounterMinutes(ctx, from, to)
	if err != nil {
		return nil, err
	}
	counters := map[string][]flow.PortCounters{}
	known := slices.Clip(ls) // the ports a target may name beyond the map's
	for _, c := range cs {
		if counters[c.Port] == nil {
			known = append(known, flow.LinkMinute{Port: c.Port})
		}
		counters[c.Port] = append(counters[c.Port], c)
	}
	t, err := resolveLinkTarget(g, known, target)
	if err != nil {
		return nil, err
	}
	t = t.withPeers(g)
	ans := &LinkAnswer{Target: target, From: from, To: to, Channels: []LinkChannel{}, Ports: []LinkPort{}}
	ports := map[string]*LinkPort{}
	channels := map[string]map[string]*LinkPort{} // channel → member port → traffic
	// entry returns the traffic of l's port, where the answer lists it.
	entry := func(l flow.LinkMinute) *LinkPort {
		if model.ID(l.Port).Kind() == model.KindPortChannel && l.Channel == "" {
			l.Channel = l.Port // the port-channel's own ifIndex
		}
		byPort := ports
		// A port asked for alone is listed alone: shares of its channel
		// would need the other members' traffic.
		if l.Channel != "" && t.port == "" {
			if byPort = channels[l.Channel]; byPort == nil {
				byPort = map[string]*LinkPort{}
				channels[l.Channel] = byPort
			}
		}
		p := byPort[l.Port]
		if p == nil {
			p = linkPort(g, l.Port)
			byPort[l.Port] = p
		}
		return p
	}
	for _, l := range ls {
		if !t.selects(l) {
			continue
		}
		ans.Total.add(l)
		entry(l).add(l)
	}
	// Ports whose counters were sent, flows or not, as the map of the
	// window's end bundles them.
	for _, id := range slices.Sorted(maps.Keys(counters)) {
		l := flow.LinkMinute{Port: id}
		if model.ID(id).Kind() == model.KindPortChannel {
			l.Channel = id
		} else if in := g.Out(model.ID(id), model.RelInLAG); len(in) > 0 {
			l.Channel = string(in[0].To)
		}
		if t.selects(l) {
			entry(l)
		}
	}
	if t.channel != "" && channels[t.channel] == nil {
		channels[t.channel] = map[string]*LinkPort{}
	}
	for _, p := range ports {
		p.Counters = utilizationOf(counters, p.Port)
		ans.Ports = append(ans.Ports, *p)
	}
	slices.SortFunc(ans.Ports, func(a, b LinkPort) int {
		return cmp.Or(cmp.Compare(b.bytes(), a.bytes()), strings.Compare(a.Port, b.Port))
	})
	for _, b := range mlagBundles(g, channels) {
		members := map[string]*LinkPort{}
		for _, ch := range b {
			for id, p := range channels[ch] {
				members[id] = p
			}
			// Members the map knows that exported nothing are idle members.
			for _, e := range g.In(model.ID(ch), model.RelInLAG) {
				if members[string(e.From)] == nil {
					members[string(e.From)] = linkPort(g, string(e.From))
				}
			}
		}
		for _, p := range members {
			p.Counters = utilizationOf(counters, p.Port)
		}
		c := channelOf(g, b, members)
		if c.Counters = utilizationOf(counters, b...); c.Counters == nil {
			ids := make([]string, len(c.Members))
			for i, m := range c.Members {
				ids[i] = m.Port
			}
			c.Counters = utilizationOf(counters, ids...)
		}
		ans.Channels = append(ans.Channels, c)
	}
	slices.SortFunc(ans.Channels, func(a, b LinkChannel) int {
		return cmp.Or(cmp.Compare(b.bytes(), a.bytes()), strings.Compare(a.Channel, b.Channel))
	})
	return ans, nil
}

// mlagBundles groups the port-channels of channels into bundles: the two
// halves of an MLAG (vPC) pair, whose members are one host's LAG spread over
// two switches, form one bundle; any other port-channel is a bundle alone.
// Each bundle lists its port-channels in order; bundles come sorted.
func mlagBundles(g *graph.Graph, channels map[string]map[string]*LinkPort) [][]string {
	var out [][]string
	done := map[string]bool{}
	for _, ch := range slices.Sorted(maps.Keys(channels)) {
		if done[ch] {
			continue
		}
		done[ch] = true
		b := []string{ch}
		sw, name := splitPort(ch)
		if n := g.Node(model.ID(ch)); n != nil && n.Name != "" {
			name = n.Name
		}
		if peer := g.MLAGPeer(sw, name); peer != "" {
			pc := string(model.NewID(model.KindPortChannel, peer+"/"+name))
			if !done[pc] {
				done[pc] = true
				b = append(b, pc)
				if channels[pc] == nil {
					channels[pc] = map[string]*LinkPort{}
				}
			}
		}
		slices.Sort(b)
		out = append(out, b)
	}
	return out
}

// channelOf sums a bundle's members (a port-channel, or both halves of an
// MLAG pair: the first names it, the second is its MLAG peer) and computes
// their shares.
func channelOf(g *graph.Graph, bundle []string, members map[string]*LinkPort) LinkChannel {
	ch := bundle[0]
	sw, name := splitPort(ch)
	if n := g.Node(model.ID(ch)); n != nil && n.Name != "" {
		name = n.Name
	}
	c := LinkChannel{Channel: ch, Switch: sw, Name: name, Members: make([]LinkMember, 0, len(members))}
	if len(bundle) > 1 {
		c.Peer = string(bundle[1])
		c.PeerSwitch, _ = splitPort(bundle[1])
	}
	for _, pc := range bundle {
		if agg := members[pc]; agg != nil {
			c.Unsplit = sumLink(c.Unsplit, agg.LinkCounters)
			delete(members, pc)
		}
	}
	var split LinkCounters // the members' traffic
	for _, p := range members {
		split.InBytes, split.InPackets = satAdd(split.InBytes, p.InBytes), satAdd(split.InPackets, p.InPackets)
		split.OutBytes, split.OutPackets = satAdd(split.OutBytes, p.OutBytes), satAdd(split.OutPackets, p.OutPackets)
	}
	c.LinkCounters = split
	c.InBytes, c.InPackets = satAdd(c.InBytes, c.Unsplit.InBytes), satAdd(c.InPackets, c.Unsplit.InPackets)
	c.OutBytes, c.OutPackets = satAdd(c.OutBytes, c.Unsplit.OutBytes), satAdd(c.OutPackets, c.Unsplit.OutPackets)
	n := float64(len(members))
	for _, p := range members {
		m := LinkMember{LinkPort: *p, ShareIn: share(p.InBytes, split.InBytes), ShareOut: share(p.OutBytes, split.OutBytes)}
		if len(members) > 1 {
			off := func(s float64, packets uint64) bool {
				return packets >= imbalanceMinPackets && math.Abs(s-1/n) > imbalanceTolerance/n
			}
			m.Imbalanced = off(m.ShareIn, split.InPackets) || off(m.ShareOut, split.OutPackets)
		}
		c.Imbalanced = c.Imbalanced || m.Imbalanced
		c.Members = append(c.Members, m)
	}
	slices.SortFunc(c.Members, func(a, b LinkMember) int {
		return cmp.Or(strings.Compare(a.Switch, b.Switch), strings.Compare(a.Name, b.Name), strings.Compare(a.Port, b.Port))
	})
	return c
}

// utilizationOf sums the counter minutes of ports (one port, or a
// port-channel's members or halves, side by side): a rate is each port's
// counted differences over the time they cover, added across ports; the
// peak is the busiest minute's. Nil when none of the ports has a minute.
func utilizationOf(counters map[string][]flow.PortCounters, ports ...string) *PortUtilization {
	var u PortUtilization
	var found bool
	type rates struct{ in, out float64 }
	peaks := map[time.Time]*rates{}
	allUp := true
	for _, id := range ports {
		rows := counters[id]
		if len(rows) == 0 {
			continue
		}
		found = true
		var covered time.Duration
		var in, out, inPk, outPk, inErr, outErr, inDisc, outDisc, samples uint64
		latest := rows[0]
		for _, r := range rows {
			covered += r.Covered
			in, out = satAdd(in, r.InOctets), satAdd(out, r.OutOctets)
			inPk, outPk = satAdd(inPk, r.InPackets), satAdd(outPk, r.OutPackets)
			inErr, outErr = satAdd(inErr, r.InErrors), satAdd(outErr, r.OutErrors)
			inDisc, outDisc = satAdd(inDisc, r.InDiscards), satAdd(outDisc, r.OutDiscards)
			samples = satAdd(samples, r.Samples)
			if !r.Last.Before(latest.Last) {
				latest = r
			}
			if r.Covered > 0 {
				p := peaks[r.Start]
				if p == nil {
					p = &rates{}
					peaks[r.Start] = p
				}
				p.in += 8 * float64(r.InOctets) / r.Covered.Seconds()
				p.out += 8 * float64(r.OutOctets) / r.Covered.Seconds()
			}
		}
		u.Samples = satAdd(u.Samples, samples)
		u.InBytes, u.OutBytes = satAdd(u.InBytes, in), satAdd(u.OutBytes, out)
		u.InPackets, u.OutPackets = satAdd(u.InPackets, inPk), satAdd(u.OutPackets, outPk)
		u.InErrors, u.OutErrors = satAdd(u.InErrors, inErr), satAdd(u.OutErrors, outErr)
		u.InDiscards, u.OutDiscards = satAdd(u.InDiscards, inDisc), satAdd(u.OutDiscards, outDisc)
		if secs := covered.Seconds(); secs > 0 {
			u.CoveredSeconds = max(u.CoveredSeconds, secs)
			u.InBps += 8 * float64(in) / secs
			u.OutBps += 8 * float64(out) / secs
			u.InErrorsPerSec += float64(inErr) / secs
			u.OutErrorsPerSec += float64(outErr) / secs
			u.InDiscardsPerSec += float64(inDisc) / secs
			u.OutDiscardsPerSec += float64(outDisc) / secs
		}
		u.SpeedBps = satAdd(u.SpeedBps, latest.Speed)
		allUp = allUp && latest.OperUp
		if latest.Last.After(u.LastSample) {
			u.LastSample = latest.Last
		}
	}
	if !found {
		return nil
	}
	u.OperUp = allUp
	for _, p := range peaks {
		u.PeakInBps, u.PeakOutBps = max(u.PeakInBps, p.in), max(u.PeakOutBps, p.out)
	}
	if u.SpeedBps > 0 {
		u.InPercent = 100 * u.InBps / float64(u.SpeedBps)
		u.OutPercent = 100 * u.OutBps / float64(u.SpeedBps)
	}
	return &u
}

// share is part/whole, 0 when whole is 0.
func share(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// linkPort returns an empty LinkPort for the port (or port-channel) id,
// named as the map names it.
func linkPort(g *graph.Graph, id string) *LinkPort {
	sw, name := splitPort(id)
	if n := g.Node(model.ID(id)); n != nil && n.Name != "" {
		name = n.Name
	}
	return &LinkPort{Port: id, Switch: sw, Name: name}
}

// splitPort splits a port or port-channel ID into the switch key and the
// interface name ("port:leaf1/Ethernet1/2" → "leaf1", "Ethernet1/2").
func splitPort(id string) (string, string) {
	sw, name, _ := strings.Cut(model.ID(id).Key(), "/")
	return sw, name
}

// resolveLinkTarget reads a links target against the map of the window's
// end and the links stored in it (a switch or port gone since is found in
// those).
func resolveLinkTarget(g *graph.Graph, ls []flow.LinkMinute, target string) (linkTarget, error) {
	target = strings.TrimSpace(target)
	for _, p := range []string{"switch:", "lag:", "port:", "portchannel:"} {
		target = strings.TrimPrefix(target, p)
	}
	if target == "" {
		return linkTarget{}, nil
	}
	swName, ifName, hasIf := strings.Cut(target, "/")
	sw := ""
	if n := g.Node(model.NewID(model.KindSwitch, swName)); n != nil {
		sw = swName
	} else {
		for _, n := range g.Nodes(model.KindSwitch) {
			if strings.EqualFold(n.Name, swName) || strings.EqualFold(n.ID.Key(), swName) {
				sw = n.ID.Key()
				break
			}
		}
	}
	if sw == "" {
		for _, l := range ls {
			if s, _ := splitPort(l.Port); strings.EqualFold(s, swName) {
				sw = s
				break
			}
		}
	}
	if sw == "" {
		return linkTarget{}, &NotFoundError{What: "switch", Name: swName, Suggestions: suggest(swName, namesOf(g, model.KindSwitch))}
	}
	if !hasIf {
		return linkTarget{sw: sw}, nil
	}
	want := strings.ToLower(ifname.Normalize(ifName))
	matches := func(id string) bool {
		s, name := splitPort(id)
		return s == sw && strings.ToLower(ifname.Normalize(name)) == want
	}
	candidates := []string{}
	for _, e := range g.Out(model.NewID(model.KindSwitch, sw), model.RelHasPort) {
		candidates = append(candidates, string(e.To))
	}
	for _, l := range ls {
		candidates = append(candidates, l.Port, l.Channel)
	}
	for _, id := range candidates {
		if id == "" || !matches(id) {
			continue
		}
		if model.ID(id).Kind() == model.KindPortChannel {
			return linkTarget{sw: sw, channel: id}, nil
		}
		return linkTarget{sw: sw, port: id}, nil
	}
	return linkTarget{}, &NotFoundError{What: "port or port-channel on " + sw, Name: ifName, Suggestions: suggestPort(ifName, childNames(g, model.NewID(model.KindSwitch, sw), model.RelHasPort))}
}

// PathFlows is the traffic between the two ends of a path in the window
// before its moment (PathFlowWindow).
type PathFlows struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	AToB Traffic   `json:"a_to_b"`
	BToA Traffic   `json:"b_to_a"`
	// TopPorts are the protocols and destination ports that carried most
	// of it, both ways.
	TopPorts []PortTraffic `json:"top_ports"`
}

// withFlows sets ans.Flows to the traffic between a and b (VMs, or
// applications) in the PathFlowWindow before ans.At.
func (s *Service) withFlows(ctx context.Context, g *graph.Graph, a, b string, ans *PathAnswer) (*PathAnswer, error) {
	pf, err := s.pathFlows(ctx, g, a, b, ans.At)
	if err != nil {
		return nil, err
	}
	ans.Flows = pf
	return ans, nil
}

// pathFlows sums the traffic between a and b in the PathFlowWindow before to.
func (s *Service) pathFlows(ctx context.Context, g *graph.Graph, a, b string, to time.Time) (*PathFlows, error) {
	pf := &PathFlows{From: to.Add(-PathFlowWindow), To: to, TopPorts: []PortTraffic{}}
	sa, err := pathSide(g, a)
	if err != nil {
		return nil, err
	}
	sb, err := pathSide(g, b)
	if err != nil {
		return nil, err
	}
	ms, err := s.Store.FlowTotals(ctx, store.FlowFilter{From: pf.From, To: pf.To, VM: sa.vm, App: sa.app})
	if err != nil {
		return nil, err
	}
	ports := map[[2]uint16]*Traffic{}
	for i := range ms {
		m := &ms[i]
		switch {
		case sa.is(m.Src) && sb.is(m.Dst):
			pf.AToB.add(m)
		case sb.is(m.Src) && sa.is(m.Dst):
			pf.BToA.add(m)
		default:
			continue
		}
		pk := [2]uint16{uint16(m.Proto), m.DstPort}
		if ports[pk] == nil {
			ports[pk] = &Traffic{}
		}
		ports[pk].add(m)
	}
	for pk, t := range ports {
		pf.TopPorts = append(pf.TopPorts, PortTraffic{Proto: uint8(pk[0]), DstPort: pk[1], Traffic: *t})
	}
	pf.TopPorts = topPortsOf(pf.TopPorts)
	return pf, nil
}

// side is one end of a path's traffic: a VM or an application.
type side struct{ vm, app string }

// pathSide resolves a path end as Path does: an application, else a VM.
func pathSide(g *graph.Graph, q string) (side, error) {
	if g.IsApplication(q) {
		return side{app: q}, nil
	}
	vm, _, err := g.FindVM(q)
	if err != nil {
		return side{}, err
	}
	return side{vm: string(vm)}, nil
}

// is reports whether e is this side.
func (s side) is(e flow.Endpoint) bool {
	if e.Class != flow.ClassVM {
		return false
	}
	if s.app != "" {
		return slices.Contains(strings.Split(e.App, ","), s.app)
	}
	return e.VM == s.vm
}

// sumLink adds two counters, saturating.
func sumLink(a, b LinkCounters) LinkCounters {
	return LinkCounters{
		InBytes: satAdd(a.InBytes, b.InBytes), InPackets: satAdd(a.InPackets, b.InPackets),
		OutBytes: satAdd(a.OutBytes, b.OutBytes), OutPackets: satAdd(a.OutPackets, b.OutPackets),
	}
}
