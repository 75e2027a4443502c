package query

// The answers the web UI needs beyond the CLI's: search as you type, host,
// switch and application pages, and a grouped topology that stays small on
// a large estate. They are plain queries on the graph of a moment, served
// under /api/v1 like the others.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/ifname"
	"github.com/vnetmap/vnetmap/internal/model"
)

// view is the graph of a moment with its entities listed by kind, built in
// one pass: graph.Nodes scans every entity, and the UI's queries list
// several kinds per request.
type view struct {
	*graph.Graph
	byKind map[model.Kind][]*graph.Node

	macsOnce sync.Once
	macs     []macEntry
}

// macEntry is a MAC of a vNIC, pNIC or forwarding table with its bare hex
// digits, for searches by part of a MAC.
type macEntry struct {
	digits, mac string
	node        *graph.Node
}

// macIndex lists every MAC the view knows (vNICs, pNICs, then forwarding
// tables), built on the first search by MAC.
func (v *view) macIndex() []macEntry {
	v.macsOnce.Do(func() {
		for _, kind := range []model.Kind{model.KindVNIC, model.KindPNIC, model.KindMAC} {
			for _, n := range v.Nodes(kind) {
				mac := n.ID.Key()
				if kind != model.KindMAC {
					mac = model.NormalizeMAC(n.Attr("mac"))
				}
				if mac != "" {
					v.macs = append(v.macs, macEntry{digits: strings.ReplaceAll(mac, ":", ""), mac: mac, node: n})
				}
			}
		}
	})
	return v.macs
}

// Nodes returns the entities of kind k, sorted by ID.
func (v *view) Nodes(k model.Kind) []*graph.Node { return v.byKind[k] }

// lastView keeps the view of the latest graph of "now" (graphs are
// immutable, so a view stays right as long as its graph is the one asked
// for); views of past moments are built per request.
var lastView struct {
	sync.Mutex
	v *view
}

// view returns the view of the graph of moment at (zero: now).
func (s *Service) view(ctx context.Context, at time.Time) (*view, error) {
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		lastView.Lock()
		defer lastView.Unlock()
		if lastView.v != nil && lastView.v.Graph == g {
			return lastView.v, nil
		}
	}
	v := &view{Graph: g, byKind: map[model.Kind][]*graph.Node{}}
	for _, n := range g.Nodes("") {
		v.byKind[n.Kind] = append(v.byKind[n.Kind], n)
	}
	if at.IsZero() {
		lastView.v = v
	}
	return v, nil
}

// ErrBadRequest is returned for a query argument out of range (an unknown
// topology grouping, a search too long).
var ErrBadRequest = errors.New("query: bad request")

// Pages a match or a topology node leads to in the UI.
const (
	PageVM          = "vm"
	PageHost        = "host"
	PageSwitch      = "switch"
	PageApplication = "application"
	PageWhere       = "where"  // a MAC or IP of no VM: the where answer
	PageImpact      = "impact" // the impact of losing a target
	PageVLAN        = "vlan"
	PagePortgroup   = "portgroup"
	PageTopology    = "topology" // a cluster: the topology with it expanded (Key its ID)
)

// Search limits.
const (
	// MaxSearchLen is the longest search text accepted.
	MaxSearchLen = 200
	// DefaultSearchLimit is how many matches a search returns by default.
	DefaultSearchLimit = 20
	// MaxSearchLimit is the most matches a search may ask for.
	MaxSearchLimit = 100
)

// SearchAnswer lists what a text matches, best first.
type SearchAnswer struct {
	Query   string    `json:"query"`
	At      time.Time `json:"at"`
	Matches []Match   `json:"matches"`
	// Truncated says that more matches than the limit were found.
	Truncated bool `json:"truncated,omitempty"`
}

// Match is one thing a search text names.
type Match struct {
	Kind   model.Kind `json:"kind"`
	ID     model.ID   `json:"id"`
	Name   string     `json:"name"`
	Detail string     `json:"detail,omitempty"`
	// Page and Key say where the match is shown: the page of a VM, host,
	// switch, application or port group (Key is its name), the where
	// answer of a MAC or IP that is no VM's, the page of a VLAN (Key its
	// ID), or the topology with a cluster expanded (Key its ID).
	Page string `json:"page"`
	Key  string `json:"key"`
	// Port is the port of a switch page the match is about.
	Port string `json:"port,omitempty"`

	score int // 0 exact, 1 prefix, 2 contains
	// finish fills the fields that cost a lookup, for the matches kept.
	finish func(*Match)
}

// kindRank orders matches of the same score.
var kindRank = map[model.Kind]int{
	model.KindVM: 0, model.KindApplication: 1, model.KindHost: 2, model.KindSwitch: 3, model.KindVLAN: 4,
	model.KindPort: 5, model.KindPortChannel: 6, model.KindIP: 7, model.KindMAC: 8,
	model.KindPortgroup: 4, model.KindCluster: 2,
}

// Search finds the VMs, applications, hosts, clusters, switches, port groups, ports and
// port-channels, VLANs, IPs and MACs that text names, at moment at (zero:
// now): names containing it (exact and prefix matches first), interface
// names in any spelling (Eth1/7, leaf1 Ethernet1/7), MACs in any notation
// and IP prefixes. At most limit matches (0: DefaultSearchLimit).
func (s *Service) Search(ctx context.Context, text string, limit int, at time.Time) (*SearchAnswer, error) {
	if len(text) > MaxSearchLen {
		return nil, fmt.Errorf("%w: search text longer than %d bytes", ErrBadRequest, MaxSearchLen)
	}
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	if limit < 0 || limit > MaxSearchLimit {
		return nil, fmt.Errorf("%w: limit %d out of 1-%d", ErrBadRequest, limit, MaxSearchLimit)
	}
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	ans := &SearchAnswer{Query: text, At: moment(at), Matches: []Match{}}
	q := strings.ToLower(strings.TrimSpace(text))
	if q == "" {
		return ans, nil
	}
	var all []Match
	add := func(m Match) { all = append(all, m) }
	byName := func(name string) int {
		n := strings.ToLower(name)
		switch {
		case n == q:
			return 0
		case strings.HasPrefix(n, q):
			return 1
		case strings.Contains(n, q):
			return 2
		}
		return -1
	}

	for _, n := range g.Nodes(model.KindVM) {
		sc := byName(n.Name)
		if sc < 0 && len(q) >= 8 && (strings.HasPrefix(strings.ToLower(n.ID.Key()), q) || strings.HasPrefix(strings.ToLower(n.Attr("uuid")), q)) {
			sc = 1
		}
		if sc >= 0 {
			vm := n
			add(Match{Kind: model.KindVM, ID: n.ID, Name: n.Name, Page: PageVM, score: sc, finish: func(m *Match) {
				m.Detail, m.Key = vmDetail(g, vm.ID), vmKey(g, vm)
			}})
		}
	}
	for _, n := range g.Nodes(model.KindApplication) {
		if sc := byName(nameOf(n)); sc >= 0 {
			add(Match{Kind: model.KindApplication, ID: n.ID, Name: nameOf(n), Detail: fmt.Sprintf("%d VMs", len(g.Out(n.ID, model.RelContains))), Page: PageApplication, Key: nameOf(n), score: sc})
		}
	}
	for _, n := range g.Nodes(model.KindHost) {
		if sc := byName(nameOf(n)); sc >= 0 {
			add(Match{Kind: model.KindHost, ID: n.ID, Name: nameOf(n), Detail: hostDetail(g, n.ID), Page: PageHost, Key: n.ID.Key(), score: sc})
		}
	}
	for _, n := range g.Nodes(model.KindSwitch) {
		sc := byName(nameOf(n))
		if sc < 0 && n.Attr("address") == q {
			sc = 0
		}
		if sc >= 0 {
			add(Match{Kind: model.KindSwitch, ID: n.ID, Name: nameOf(n), Detail: switchSummary(n), Page: PageSwitch, Key: n.ID.Key(), score: sc})
		}
	}
	searchVLANs(g, q, add)
	searchPortgroups(g, q, byName, add)
	searchClusters(g, byName, add)
	searchPorts(g, q, add)
	searchAddresses(g, q, add)

	// The best limit matches, in order, without sorting them all (a MAC
	// prefix can match every vNIC): a sorted slice of at most limit+1,
	// each match inserted after the ones it does not beat (stable).
	less := func(a, b *Match) bool {
		if a.score != b.score {
			return a.score < b.score
		}
		if kindRank[a.Kind] != kindRank[b.Kind] {
			return kindRank[a.Kind] < kindRank[b.Kind]
		}
		return naturalLess(a.Name, b.Name)
	}
	best := make([]Match, 0, limit+1)
	for i := range all {
		m := &all[i]
		if len(best) == limit+1 && !less(m, &best[limit]) {
			continue
		}
		at := sort.Search(len(best), func(j int) bool { return less(m, &best[j]) })
		if len(best) < limit+1 {
			best = append(best, Match{})
		}
		copy(best[at+1:], best[at:len(best)-1])
		best[at] = *m
	}
	all = best
	if len(all) > limit {
		all, ans.Truncated = all[:limit], true
	}
	for i := range all {
		if all[i].finish != nil {
			all[i].finish(&all[i])
		}
	}
	ans.Matches = append(ans.Matches, all...)
	return ans, nil
}

// searchVLANs matches "vlan 110", "vlan110" and a bare VLAN number against
// the VLANs the switches and port groups know.
func searchVLANs(g *view, q string, add func(Match)) {
	v := strings.TrimSpace(strings.TrimPrefix(q, "vlan"))
	vid, err := strconv.Atoi(v)
	if err != nil || vid < 1 || vid > 4094 || v != strconv.Itoa(vid) {
		return
	}
	var switches []string
	name := ""
	for _, n := range g.Nodes(model.KindVLAN) {
		if n.Attr("vid") == v || strings.HasSuffix(n.ID.Key(), "/"+v) {
			sw, _, _ := strings.Cut(n.ID.Key(), "/")
			switches = append(switches, sw)
			if name == "" {
				name = n.Attr("name")
			}
		}
	}
	pgs := 0
	for _, n := range g.Nodes(model.KindPortgroup) {
		if n.Attr("vlan") == v {
			pgs++
		}
	}
	if len(switches) == 0 && pgs == 0 {
		return
	}
	detail := fmt.Sprintf("on %d switches, %d port groups", len(switches), pgs)
	if name != "" {
		detail = name + " · " + detail
	}
	sc := 0
	if !strings.HasPrefix(q, "vlan") {
		sc = 1 // a bare number is more likely part of a name
	}
	add(Match{Kind: model.KindVLAN, ID: model.NewID(model.KindVLAN, v), Name: "VLAN " + v, Detail: detail, Page: PageVLAN, Key: v, score: sc})
}

// searchPorts matches switch ports and port-channels by their full key
// (leaf1/Ethernet1/7), by interface name in any spelling (Eth1/7 on every
// switch, "leaf1 eth1/7" on one) and by description.
func searchPorts(g *view, q string, add func(Match)) {
	sw, ifn := "", q
	if a, b, ok := strings.Cut(q, " "); ok {
		sw, ifn = a, strings.TrimSpace(b)
	} else if a, b, ok := strings.Cut(q, "/"); ok && g.Node(model.NewID(model.KindSwitch, a)) != nil {
		sw, ifn = a, b
	}
	hasDigit := strings.ContainsAny(ifn, "0123456789")
	norm := strings.ToLower(ifname.Normalize(ifn))
	for _, kind := range []model.Kind{model.KindPort, model.KindPortChannel} {
		for _, n := range g.Nodes(kind) {
			swName, port, _ := strings.Cut(n.ID.Key(), "/")
			key := strings.ToLower(n.ID.Key())
			lport := strings.ToLower(port)
			sc := -1
			switch {
			case key == q:
				sc = 0
			case hasDigit && lport == norm && (sw == "" || strings.EqualFold(sw, swName)):
				sc = 1
			case hasDigit && strings.HasPrefix(key, q):
				sc = 2
			case len(q) >= 3 && strings.Contains(strings.ToLower(n.Attr("alias")), q):
				sc = 2
			}
			if sc < 0 {
				continue
			}
			detail := portDetail(g, n)
			add(Match{Kind: kind, ID: n.ID, Name: swName + " " + port, Detail: detail, Page: PageSwitch, Key: swName, Port: port, score: sc})
		}
	}
}

// searchAddresses matches MACs (any notation, at least 4 hex digits) and
// IP addresses by prefix.
func searchAddresses(g *view, q string, add func(Match)) {
	if hex := macDigits(q); len(hex) >= 4 {
		seen := map[string]bool{}
		for _, e := range g.macIndex() {
			if !strings.Contains(e.digits, hex) {
				continue
			}
			n, mac := e.node, e.mac
			m := Match{Kind: model.KindMAC, ID: model.NewID(model.KindMAC, mac), Name: mac, score: macScore(mac, hex)}
			switch n.Kind {
			case model.KindVNIC:
				vms := g.In(n.ID, model.RelHasVNIC)
				if len(vms) == 0 {
					continue
				}
				vm := g.Node(vms[0].From)
				if vm == nil {
					continue
				}
				m.Page = PageVM
				m.finish = func(m *Match) {
					m.Detail = "vNIC " + n.Attr("label") + " of VM " + vm.Name
					m.Key = vmKey(g, vm)
				}
			case model.KindPNIC:
				host, dev, _ := strings.Cut(n.ID.Key(), "/")
				m.Detail = "pNIC " + dev + " of host " + host
				m.Page, m.Key = PageHost, host
			default: // a forwarding-table entry of a MAC no NIC has
				if seen[mac] {
					continue
				}
				m.ID, m.Page, m.Key = n.ID, PageWhere, mac
				m.finish = func(m *Match) {
					m.Detail = fmt.Sprintf("learned on %d ports", len(g.In(n.ID, model.RelLearned)))
				}
			}
			seen[mac] = true
			add(m)
		}
	}
	if !strings.ContainsAny(q, ".:") || strings.Trim(q, "0123456789abcdef.:") != "" {
		return
	}
	if loc := g.WhereIP(q); loc != nil && g.Node(model.NewID(model.KindIP, loc.IP)) == nil {
		// An address only the switches' ARP tables know (no entity states it).
		add(Match{Kind: model.KindIP, ID: model.NewID(model.KindIP, loc.IP), Name: loc.IP, Detail: fmt.Sprintf("in the ARP table of %d switches", len(loc.ARP)), Page: PageWhere, Key: loc.IP})
	}
	for _, n := range g.Nodes(model.KindIP) {
		ip := n.ID.Key()
		if !strings.HasPrefix(ip, q) {
			continue
		}
		sc := 1
		if ip == q {
			sc = 0
		}
		m := Match{Kind: model.KindIP, ID: n.ID, Name: ip, Page: PageWhere, Key: ip, score: sc}
		var vm *graph.Node
		for _, e := range g.In(n.ID, model.RelHasIP) {
			for _, v := range g.In(e.From, model.RelHasVNIC) {
				if x := g.Node(v.From); x != nil {
					vm = x
				}
			}
		}
		if vm != nil {
			m.Page = PageVM
			m.finish = func(m *Match) { m.Detail, m.Key = "IP of VM "+vm.Name, vmKey(g, vm) }
		} else {
			arp := g.In(n.ID, model.RelARP)
			if len(arp) == 0 {
				continue
			}
			m.Detail = fmt.Sprintf("in the ARP table of %d switches", len(arp))
		}
		add(m)
	}
}

// macDigits returns the hex digits of q when q is written like (part of) a
// MAC address, else "".
func macDigits(q string) string {
	var b strings.Builder
	for _, c := range q {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
			b.WriteRune(c)
		case c == ':', c == '-', c == '.':
		default:
			return ""
		}
	}
	return b.String()
}

func macScore(mac, hex string) int {
	digits := strings.ReplaceAll(mac, ":", "")
	switch {
	case digits == hex:
		return 0
	case strings.HasPrefix(digits, hex):
		return 1
	}
	return 2
}

// naturalLess orders names with numbers by their value (web2 < web10).
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func nameOf(n *graph.Node) string {
	if n.Name != "" {
		return n.Name
	}
	return n.ID.Key()
}

// vmKey is what names the VM in the UI: its name, or its UUID when several
// VMs share the name.
func vmKey(g *view, n *graph.Node) string {
	if _, _, err := g.FindVM(n.Name); err != nil {
		return n.ID.Key()
	}
	return n.Name
}

func vmDetail(g *view, vm model.ID) string {
	var parts []string
	if es := g.Out(vm, model.RelRunsOn); len(es) > 0 {
		parts = append(parts, "on "+es[0].To.Key())
	}
	for _, e := range g.In(vm, model.RelContains) {
		if e.From.Kind() == model.KindApplication {
			parts = append(parts, e.From.Key())
		}
	}
	if n := g.Node(vm); n != nil && n.Attr("power") != "" && n.Attr("power") != "poweredOn" {
		parts = append(parts, n.Attr("power"))
	}
	return strings.Join(parts, " · ")
}

func hostDetail(g *view, host model.ID) string {
	d := fmt.Sprintf("%d VMs", len(g.In(host, model.RelRunsOn)))
	if c := clusterOf(g, host); c != "" {
		d = nameOf(g.Node(c)) + " · " + d
	}
	return d
}

func switchSummary(n *graph.Node) string {
	var parts []string
	for _, k := range []string{"vendor", "model", "address"} {
		if v := n.Attr(k); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " · ")
}

func portDetail(g *view, n *graph.Node) string {
	var parts []string
	if a := n.Attr("alias"); a != "" {
		parts = append(parts, a)
	}
	for _, c := range g.In(n.ID, model.RelCabled) {
		host, dev, _ := strings.Cut(c.From.Key(), "/")
		if !slices.Contains(parts, host+" "+dev) {
			parts = append(parts, host+" "+dev)
		}
	}
	if m := n.Attr("mode"); m != "" {
		parts = append(parts, m)
	}
	return strings.Join(parts, " · ")
}

// clusterOf returns the cluster that contains host, or "".
func clusterOf(g *view, host model.ID) model.ID {
	for _, e := range g.In(host, model.RelContains) {
		if e.From.Kind() == model.KindCluster {
			return e.From
		}
	}
	return ""
}

// VMRef is a VM as listed on a host, switch or application page.
type VMRef struct {
	ID           model.ID `json:"id"`
	Name         string   `json:"name"`
	Key          string   `json:"key"`
	Power        string   `json:"power,omitempty"`
	Host         string   `json:"host,omitempty"`
	Cluster      string   `json:"cluster,omitempty"`
	Applications []string `json:"applications,omitempty"`
}

func vmRef(g *view, vm model.ID) VMRef {
	r := VMRef{ID: vm, Name: vm.Key(), Key: vm.Key()}
	if n := g.Node(vm); n != nil {
		r.Name, r.Power, r.Key = nameOf(n), n.Attr("power"), vmKey(g, n)
	}
	if es := g.Out(vm, model.RelRunsOn); len(es) > 0 {
		r.Host = es[0].To.Key()
		if c := clusterOf(g, es[0].To); c != "" {
			r.Cluster = nameOf(g.Node(c))
		}
	}
	for _, e := range g.In(vm, model.RelContains) {
		if e.From.Kind() == model.KindApplication {
			r.Applications = append(r.Applications, e.From.Key())
		}
	}
	sort.Strings(r.Applications)
	return r
}

func sortVMs(vms []VMRef) {
	sort.Slice(vms, func(i, j int) bool { return naturalLess(vms[i].Name, vms[j].Name) })
}

// HostAnswer is the host page: its physical NICs and the switch ports they
// are cabled to, its virtual switches and port groups, and its VMs.
type HostAnswer struct {
	At   time.Time       `json:"at"`
	Host *graph.HostView `json:"host"`
	// Attrs are the host's inventory attributes (model, vendor, version…).
	Attrs     map[string]string `json:"attrs,omitempty"`
	PNICs     []HostPNIC        `json:"pnics"`
	VSwitches []HostVSwitch     `json:"vswitches"`
	VMs       []VMRef           `json:"vms"`
	// VLANs are the VLANs of the port groups the host's VMs use.
	VLANs []string `json:"vlans"`
	// CutOff are the host's VMs with no working path now, with the switch
	// ports that drop their VLANs (graph.CutOff).
	CutOff []graph.CutOffVM `json:"cut_off"`
}

// HostPNIC is one physical NIC of a host.
type HostPNIC struct {
	ID        model.ID `json:"id"`
	Device    string   `json:"device"`
	MAC       string   `json:"mac,omitempty"`
	Link      string   `json:"link,omitempty"`
	SpeedMbps string   `json:"speed_mbps,omitempty"`
	// VSwitches are the virtual switches with the NIC as an uplink, with
	// the uplink name ("dvs-prod uplink1 (lag1)").
	VSwitches []string `json:"vswitches,omitempty"`
	// Neighbors are the switch ports the host's CDP/LLDP hint reports.
	Neighbors []string     `json:"neighbors,omitempty"`
	Ports     []CabledPort `json:"ports"`
	// VMs are the VMs with a vNIC on a port group whose switch uses the NIC.
	VMs int `json:"vms"`
}

// CabledPort is the switch port correlation cabled a pNIC to.
type CabledPort struct {
	ID          model.ID `json:"id"`
	Switch      string   `json:"switch"`
	Port        string   `json:"port"`
	PortChannel string   `json:"port_channel,omitempty"`
	Mode        string   `json:"mode,omitempty"`
	VLANs       string   `json:"vlans,omitempty"`
	Oper        string   `json:"oper,omitempty"`
	Evidence    []string `json:"evidence"`
	Confidence  string   `json:"confidence"`
}

// HostVSwitch is a virtual switch as a host sees it.
type HostVSwitch struct {
	ID         model.ID        `json:"id"`
	Kind       model.Kind      `json:"kind"`
	Name       string          `json:"name"`
	MTU        string          `json:"mtu,omitempty"`
	Policy     string          `json:"policy,omitempty"`
	Uplinks    []string        `json:"uplinks"`
	Portgroups []HostPortgroup `json:"portgroups"`
}

// HostPortgroup is a port group of a virtual switch with the number of the
// host's VMs on it.
type HostPortgroup struct {
	ID    model.ID `json:"id"`
	Name  string   `json:"name"`
	VLAN  string   `json:"vlan,omitempty"`
	Trunk string   `json:"trunk,omitempty"`
	VMs   int      `json:"vms"`
}

// Host returns the host page of host name (its ID key or name) at moment
// at (zero: now).
func (s *Service) Host(ctx context.Context, name string, at time.Time) (*HostAnswer, error) {
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	id := findByName(g, model.KindHost, name)
	if id == "" {
		return nil, &NotFoundError{What: "host", Name: name, Suggestions: suggest(name, namesOf(g.Graph, model.KindHost))}
	}
	n := g.Node(id)
	hv := &graph.HostView{ID: id, Name: nameOf(n), Connection: n.Attr("connection")}
	if c := clusterOf(g, id); c != "" {
		hv.Cluster = nameOf(g.Node(c))
		for _, d := range g.In(c, model.RelContains) {
			if d.From.Kind() == model.KindDatacenter {
				hv.Datacenter = nameOf(g.Node(d.From))
			}
		}
	}
	a := &HostAnswer{At: moment(at), Host: hv, Attrs: pick(n.Attrs, "model", "vendor", "version", "power", "maintenance", "vcenter"),
		PNICs: []HostPNIC{}, VSwitches: []HostVSwitch{}, VMs: []VMRef{}, VLANs: []string{}, CutOff: g.CutOff(id)}

	uses := pnicUsers(g, id)
	for _, e := range g.Out(id, model.RelHasPNIC) {
		p := g.Node(e.To)
		if p == nil {
			continue
		}
		hp := HostPNIC{ID: p.ID, Device: p.Attr("device"), MAC: model.NormalizeMAC(p.Attr("mac")), Link: p.Attr("link"), SpeedMbps: p.Attr("speed_mbps"), Ports: cabledPorts(g, p.ID), VMs: len(uses.vms[p.ID])}
		if hp.Device == "" {
			hp.Device = nameOf(p)
		}
		hp.VSwitches = uses.switches[p.ID]
		if d, port := p.Attr("cdp_device"), p.Attr("cdp_port"); d != "" || port != "" {
			hp.Neighbors = append(hp.Neighbors, strings.TrimSpace("CDP "+d+" "+port))
		}
		if d, port := p.Attr("lldp_system"), p.Attr("lldp_port"); d != "" || port != "" {
			hp.Neighbors = append(hp.Neighbors, strings.TrimSpace("LLDP "+d+" "+port))
		}
		a.PNICs = append(a.PNICs, hp)
	}
	sort.Slice(a.PNICs, func(i, j int) bool { return naturalLess(a.PNICs[i].Device, a.PNICs[j].Device) })

	pgVMs := map[model.ID]int{}
	for _, e := range g.In(id, model.RelRunsOn) {
		a.VMs = append(a.VMs, vmRef(g, e.From))
		for _, v := range g.Out(e.From, model.RelHasVNIC) {
			for _, pg := range g.Out(v.To, model.RelAttached) {
				pgVMs[pg.To]++
			}
		}
	}
	sortVMs(a.VMs)
	vlans := map[string]bool{}
	var vswitches []model.ID // the host's own, and those using its pNICs
	for _, e := range g.Out(id, model.RelHasSwitch) {
		vswitches = append(vswitches, e.To)
	}
	for _, p := range g.Out(id, model.RelHasPNIC) {
		for _, up := range g.In(p.To, model.RelUplink) {
			if !slices.Contains(vswitches, up.From) {
				vswitches = append(vswitches, up.From)
			}
		}
	}
	for _, swID := range vswitches {
		sw := g.Node(swID)
		if sw == nil {
			continue
		}
		hs := HostVSwitch{ID: sw.ID, Kind: sw.Kind, Name: nameOf(sw), MTU: sw.Attr("mtu"), Policy: sw.Attr("policy"), Uplinks: []string{}, Portgroups: []HostPortgroup{}}
		for _, u := range g.Out(sw.ID, model.RelUplink) {
			if sw.Kind == model.KindDVSwitch && u.Attrs["host"] != id.Key() {
				continue
			}
			_, dev, _ := strings.Cut(u.To.Key(), "/")
			if !slices.Contains(hs.Uplinks, dev) {
				hs.Uplinks = append(hs.Uplinks, dev)
			}
		}
		sort.Slice(hs.Uplinks, func(i, j int) bool { return naturalLess(hs.Uplinks[i], hs.Uplinks[j]) })
		for _, m := range g.In(sw.ID, model.RelMemberOf) {
			// A distributed switch spans many hosts: list only the port
			// groups this host's VMs use.
			if sw.Kind == model.KindDVSwitch && pgVMs[m.From] == 0 {
				continue
			}
			pg := g.Node(m.From)
			if pg == nil {
				continue
			}
			hp := HostPortgroup{ID: pg.ID, Name: nameOf(pg), VLAN: pg.Attr("vlan"), Trunk: pg.Attr("trunk"), VMs: pgVMs[pg.ID]}
			hs.Portgroups = append(hs.Portgroups, hp)
			if pgVMs[pg.ID] > 0 {
				if hp.Trunk != "" {
					vlans[hp.Trunk] = true
				} else if hp.VLAN != "" {
					vlans[hp.VLAN] = true
				}
			}
		}
		sort.Slice(hs.Portgroups, func(i, j int) bool { return naturalLess(hs.Portgroups[i].Name, hs.Portgroups[j].Name) })
		a.VSwitches = append(a.VSwitches, hs)
	}
	sort.Slice(a.VSwitches, func(i, j int) bool { return a.VSwitches[i].Name < a.VSwitches[j].Name })
	for v := range vlans {
		a.VLANs = append(a.VLANs, v)
	}
	sort.Slice(a.VLANs, func(i, j int) bool { return naturalLess(a.VLANs[i], a.VLANs[j]) })
	return a, nil
}

// findByName resolves an entity of kind by ID key, else by name, case
// insensitively.
func findByName(g *view, kind model.Kind, name string) model.ID {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if id := model.NewID(kind, name); g.Node(id) != nil {
		return id
	}
	for _, n := range g.Nodes(kind) {
		if strings.EqualFold(n.Name, name) || strings.EqualFold(n.ID.Key(), name) {
			return n.ID
		}
	}
	return ""
}

func pick(attrs model.Attrs, keys ...string) map[string]string {
	r := map[string]string{}
	for _, k := range keys {
		if v := attrs[k]; v != "" {
			r[k] = v
		}
	}
	return r
}

// cabledPorts returns the switch ports pnic is cabled to, with evidence.
func cabledPorts(g *view, pnic model.ID) []CabledPort {
	r := []CabledPort{}
	for _, c := range g.Out(pnic, model.RelCabled) {
		sw, port, _ := strings.Cut(c.To.Key(), "/")
		cp := CabledPort{ID: c.To, Switch: sw, Port: port, Evidence: model.SplitList(c.Attrs["evidence"]), Confidence: c.Attrs["confidence"]}
		if cp.Evidence == nil {
			cp.Evidence = []string{}
		}
		vlans := g.Node(c.To)
		if vlans != nil {
			cp.Oper = vlans.Attr("oper")
		}
		for _, l := range g.Out(c.To, model.RelInLAG) {
			_, cp.PortChannel, _ = strings.Cut(l.To.Key(), "/")
			if pc := g.Node(l.To); pc != nil && pc.Attr("mode") != "" {
				vlans = pc
			}
		}
		if vlans != nil {
			cp.Mode, cp.VLANs = vlans.Attr("mode"), portVLANs(vlans)
		}
		r = append(r, cp)
	}
	return r
}

// portVLANs is the VLANs a port lets through: its access VLAN, or a trunk's
// allowed VLANs (with the native one).
func portVLANs(n *graph.Node) string {
	switch n.Attr("mode") {
	case "access":
		return n.Attr("access_vlan")
	case "trunk":
		v := n.Attr("allowed_vlans")
		if nv := n.Attr("native_vlan"); nv != "" {
			v += " (native " + nv + ")"
		}
		return v
	}
	return ""
}

// pnicUse says which virtual switches use each pNIC of a host and which of
// the host's VMs sit behind it.
type pnicUse struct {
	switches map[model.ID][]string
	vms      map[model.ID]map[model.ID]bool
}

// pnicUsers maps each pNIC of host to the virtual switches that use it as
// an uplink and to the host's VMs whose vNICs are on those switches.
func pnicUsers(g *view, host model.ID) pnicUse {
	u := pnicUse{switches: map[model.ID][]string{}, vms: map[model.ID]map[model.ID]bool{}}
	uplinks := map[model.ID][]model.ID{} // virtual switch → this host's pNICs
	for _, p := range g.Out(host, model.RelHasPNIC) {
		for _, up := range g.In(p.To, model.RelUplink) {
			uplinks[up.From] = append(uplinks[up.From], p.To)
			label := up.From.Key()
			if sw := g.Node(up.From); sw != nil {
				label = nameOf(sw)
			}
			if name := up.Attrs["uplink"]; name != "" && up.From.Kind() == model.KindDVSwitch {
				label += " " + name
			}
			if lag := up.Attrs["lag"]; lag != "" {
				label += " (" + lag + ")"
			}
			u.switches[p.To] = append(u.switches[p.To], label)
		}
	}
	for _, e := range g.In(host, model.RelRunsOn) {
		for _, v := range g.Out(e.From, model.RelHasVNIC) {
			for _, pg := range g.Out(v.To, model.RelAttached) {
				for _, m := range g.Out(pg.To, model.RelMemberOf) {
					for _, p := range uplinks[m.To] {
						if u.vms[p] == nil {
							u.vms[p] = map[model.ID]bool{}
						}
						u.vms[p][e.From] = true
					}
				}
			}
		}
	}
	return u
}

// SwitchAnswer is the switch page: its ports and port-channels with what is
// attached behind each (host NICs and the VMs behind them), inter-switch
// links, and the VLANs it knows.
type SwitchAnswer struct {
	At    time.Time         `json:"at"`
	ID    model.ID          `json:"id"`
	Name  string            `json:"name"`
	Attrs map[string]string `json:"attrs,omitempty"`
	Ports []SwitchPort      `json:"ports"`
	VLANs []SwitchVLAN      `json:"vlans"`
	// Neighbors are the switches with an inter-switch link to this one.
	Neighbors []string `json:"neighbors"`
	// Hosts and VMs count what is cabled behind the switch's ports.
	Hosts int `json:"hosts"`
	VMs   int `json:"vms"`
	// Health is what the latest run of each source that read the switch
	// answered, table group by table group (not as of At: the latest).
	Health []SwitchHealth `json:"health"`
	// CutOff are the VMs with no working path now because one of the
	// switch's ports drops their VLAN (graph.CutOff), with those drops.
	CutOff []graph.CutOffVM `json:"cut_off"`
}

// SwitchPort is one port or port-channel of a switch.
type SwitchPort struct {
	ID           model.ID   `json:"id"`
	Kind         model.Kind `json:"kind"`
	Name         string     `json:"name"`
	Alias        string     `json:"alias,omitempty"`
	Admin        string     `json:"admin,omitempty"`
	Oper         string     `json:"oper,omitempty"`
	SpeedMbps    string     `json:"speed_mbps,omitempty"`
	MTU          string     `json:"mtu,omitempty"`
	Mode         string     `json:"mode,omitempty"`
	AccessVLAN   string     `json:"access_vlan,omitempty"`
	NativeVLAN   string     `json:"native_vlan,omitempty"`
	AllowedVLANs string     `json:"allowed_vlans,omitempty"`
	// PortChannel is the bundle the port is a member of; Members are the
	// member ports of a port-channel.
	PortChannel string   `json:"port_channel,omitempty"`
	Members     []string `json:"members,omitempty"`
	// Peer is the far end of an inter-switch link ("spine1 Ethernet1/1").
	Peer string `json:"peer,omitempty"`
	// Neighbor is what the switch's LLDP/CDP table reports on the port.
	Neighbor string `json:"neighbor,omitempty"`
	// Attached are the host NICs cabled to the port (for a port-channel,
	// to its members).
	Attached []PortAttachment `json:"attached,omitempty"`
	// MACs is how many MACs the forwarding table has on the port.
	MACs int `json:"macs"`
}

// PortAttachment is a host NIC cabled to a switch port and the VMs behind it.
type PortAttachment struct {
	PNIC       model.ID `json:"pnic"`
	Host       string   `json:"host"`
	Device     string   `json:"device"`
	Evidence   []string `json:"evidence"`
	Confidence string   `json:"confidence"`
	// VMs are the VMs whose traffic can use the NIC (at most
	// MaxPortVMs names; VMCount counts them all).
	VMs     []string `json:"vms"`
	VMCount int      `json:"vm_count"`
}

// MaxPortVMs bounds the VM names listed per attachment on a switch page.
const MaxPortVMs = 50

// SwitchVLAN is a VLAN a switch knows, with how many of its ports carry it.
type SwitchVLAN struct {
	VID   string `json:"vid"`
	Name  string `json:"name,omitempty"`
	Ports int    `json:"ports"`
}

// Switch returns the switch page of switch name (its ID key or name) at
// moment at (zero: now).
func (s *Service) Switch(ctx context.Context, name string, at time.Time) (*SwitchAnswer, error) {
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	id := findByName(g, model.KindSwitch, name)
	if id == "" {
		return nil, &NotFoundError{What: "switch", Name: name, Suggestions: suggest(name, namesOf(g.Graph, model.KindSwitch))}
	}
	n := g.Node(id)
	a := &SwitchAnswer{At: moment(at), ID: id, Name: nameOf(n), Ports: []SwitchPort{}, VLANs: []SwitchVLAN{}, Neighbors: []string{}, CutOff: cutOffOn(g.Graph, id),
		Attrs: pick(n.Attrs, "address", "vendor", "model", "serial", "version", "sysdescr", "chassis_id", "discovered_from")}
	users := map[model.ID]pnicUse{} // per host, computed once
	hosts, vms := map[model.ID]bool{}, map[model.ID]bool{}
	peers := map[string]bool{}
	byName := map[string]int{}
	for _, e := range g.Out(id, model.RelHasPort) {
		p := g.Node(e.To)
		if p == nil {
			continue
		}
		_, pname, _ := strings.Cut(p.ID.Key(), "/")
		sp := SwitchPort{ID: p.ID, Kind: p.Kind, Name: pname, Alias: p.Attr("alias"), Admin: p.Attr("admin"), Oper: p.Attr("oper"),
			SpeedMbps: p.Attr("speed_mbps"), MTU: p.Attr("mtu"), Mode: p.Attr("mode"), AccessVLAN: p.Attr("access_vlan"),
			NativeVLAN: p.Attr("native_vlan"), AllowedVLANs: p.Attr("allowed_vlans"), MACs: len(g.Out(p.ID, model.RelLearned))}
		for _, l := range g.Out(p.ID, model.RelInLAG) {
			_, sp.PortChannel, _ = strings.Cut(l.To.Key(), "/")
		}
		for _, l := range g.Out(p.ID, model.RelLink) {
			psw, pport, _ := strings.Cut(l.To.Key(), "/")
			sp.Peer = psw + " " + pport
			peers[psw] = true
		}
		for _, l := range g.In(p.ID, model.RelLink) {
			psw, pport, _ := strings.Cut(l.From.Key(), "/")
			if sp.Peer == "" {
				sp.Peer = psw + " " + pport
			}
			peers[psw] = true
		}
		if sys, port := p.Attr("lldp_system"), p.Attr("lldp_port"); sys != "" || port != "" {
			sp.Neighbor = strings.TrimSpace(sys + " " + port)
		} else if dev, port := p.Attr("cdp_device"), p.Attr("cdp_port"); dev != "" || port != "" {
			sp.Neighbor = strings.TrimSpace(dev + " " + port)
		}
		for _, c := range g.In(p.ID, model.RelCabled) {
			host := model.NewID(model.KindHost, strings.SplitN(c.From.Key(), "/", 2)[0])
			u, ok := users[host]
			if !ok {
				u = pnicUsers(g, host)
				users[host] = u
			}
			_, dev, _ := strings.Cut(c.From.Key(), "/")
			pa := PortAttachment{PNIC: c.From, Host: host.Key(), Device: dev, Evidence: model.SplitList(c.Attrs["evidence"]), Confidence: c.Attrs["confidence"], VMs: []string{}}
			if pa.Evidence == nil {
				pa.Evidence = []string{}
			}
			names := make([]string, 0, len(u.vms[c.From]))
			for vm := range u.vms[c.From] {
				vms[vm] = true
				if vn := g.Node(vm); vn != nil {
					names = append(names, nameOf(vn))
				}
			}
			sort.Slice(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
			pa.VMCount = len(names)
			if len(names) > MaxPortVMs {
				names = names[:MaxPortVMs]
			}
			pa.VMs = append(pa.VMs, names...)
			hosts[host] = true
			sp.Attached = append(sp.Attached, pa)
		}
		byName[sp.Name] = len(a.Ports)
		a.Ports = append(a.Ports, sp)
	}
	// A port-channel's members and what is attached behind them.
	for i := range a.Ports {
		pc := a.Ports[i].PortChannel
		j, ok := byName[pc]
		if pc == "" || !ok {
			continue
		}
		a.Ports[j].Members = append(a.Ports[j].Members, a.Ports[i].Name)
		a.Ports[j].Attached = append(a.Ports[j].Attached, a.Ports[i].Attached...)
	}
	sort.Slice(a.Ports, func(i, j int) bool {
		if a.Ports[i].Kind != a.Ports[j].Kind {
			return a.Ports[i].Kind == model.KindPort
		}
		return naturalLess(a.Ports[i].Name, a.Ports[j].Name)
	})
	for _, v := range g.Nodes(model.KindVLAN) {
		sw, vid, _ := strings.Cut(v.ID.Key(), "/")
		if sw != id.Key() {
			continue
		}
		if x := v.Attr("vid"); x != "" {
			vid = x
		}
		a.VLANs = append(a.VLANs, SwitchVLAN{VID: vid, Name: v.Attr("name"), Ports: len(g.In(v.ID, model.RelCarries))})
	}
	sort.Slice(a.VLANs, func(i, j int) bool { return naturalLess(a.VLANs[i].VID, a.VLANs[j].VID) })
	delete(peers, id.Key())
	for p := range peers {
		a.Neighbors = append(a.Neighbors, p)
	}
	sort.Slice(a.Neighbors, func(i, j int) bool { return naturalLess(a.Neighbors[i], a.Neighbors[j]) })
	a.Hosts, a.VMs = len(hosts), len(vms)
	if a.Health, err = s.switchHealth(ctx, id); err != nil {
		return nil, err
	}
	return a, nil
}

// Placements returns the placement timeline of the VM named by q (looked up
// as of at; zero: now): History without the physical attachment of each
// placement, which costs the map of each placement's first moment. The VM
// page shows it on every visit, so it must stay cheap on a large estate.
func (s *Service) Placements(ctx context.Context, q string, at time.Time) (*HistoryAnswer, error) {
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	vm, _, err := g.FindVM(q)
	if err != nil {
		return nil, err
	}
	versions, err := s.Store.History(ctx, vm)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.Events(ctx, vm)
	if err != nil {
		return nil, err
	}
	return &HistoryAnswer{Query: q, Timeline: graph.History(vm, versions, events)}, nil
}

// ApplicationAnswer is the application page: its VMs, where they run.
type ApplicationAnswer struct {
	At       time.Time `json:"at"`
	ID       model.ID  `json:"id"`
	Name     string    `json:"name"`
	VMs      []VMRef   `json:"vms"`
	Hosts    []string  `json:"hosts"`
	Clusters []string  `json:"clusters"`
}

// Application returns the application page of name at moment at (zero:
// now).
func (s *Service) Application(ctx context.Context, name string, at time.Time) (*ApplicationAnswer, error) {
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	id := findByName(g, model.KindApplication, name)
	if id == "" {
		return nil, &NotFoundError{What: "application", Name: name, Suggestions: suggest(name, namesOf(g.Graph, model.KindApplication))}
	}
	a := &ApplicationAnswer{At: moment(at), ID: id, Name: nameOf(g.Node(id)), VMs: []VMRef{}, Hosts: []string{}, Clusters: []string{}}
	hosts, clusters := map[string]bool{}, map[string]bool{}
	for _, e := range g.Out(id, model.RelContains) {
		if e.To.Kind() != model.KindVM {
			continue
		}
		r := vmRef(g, e.To)
		a.VMs = append(a.VMs, r)
		if r.Host != "" {
			hosts[r.Host] = true
		}
		if r.Cluster != "" {
			clusters[r.Cluster] = true
		}
	}
	sortVMs(a.VMs)
	a.Hosts, a.Clusters = sortedKeys(hosts), sortedKeys(clusters)
	return a, nil
}

func sortedKeys(m map[string]bool) []string {
	r := make([]string, 0, len(m))
	for k := range m {
		r = append(r, k)
	}
	sort.Slice(r, func(i, j int) bool { return naturalLess(r[i], r[j]) })
	return r
}

// Topology groupings.
const (
	GroupCluster     = "cluster"     // hosts by cluster, VMs by host
	GroupApplication = "application" // VMs by application and cluster, hosts by cluster
	GroupSwitch      = "switch"      // hosts by the switches they are cabled to (a rack), VMs by host
)

// Topology limits.
const (
	// MaxTopologyNodes bounds the nodes of a topology answer: expansions
	// that would exceed it are left collapsed (Truncated).
	MaxTopologyNodes = 3000
	// MaxTopologyExpand bounds the groups one request may expand.
	MaxTopologyExpand = 500
)

// topologyNodeLimit is MaxTopologyNodes, lowered by tests.
var topologyNodeLimit = MaxTopologyNodes

// TopologyAnswer is the map drawn as a graph whose nodes are switches and
// groups (clusters, racks, applications), any of which the caller expanded
// into their members (hosts, VMs). Edges join what is visible: cabling
// between hosts (or their groups) and switches, inter-switch links, and
// placements of VMs (or their groups) on hosts (or theirs).
type TopologyAnswer struct {
	At    time.Time `json:"at"`
	Group string    `json:"group"`
	// Expanded are the groups shown expanded (those asked for that exist,
	// whose parents are expanded, and that fit in MaxTopologyNodes).
	Expanded []string   `json:"expanded"`
	Nodes    []TopoNode `json:"nodes"`
	Edges    []TopoEdge `json:"edges"`
	// Totals count the whole map: vms, hosts, switches.
	Totals map[string]int `json:"totals"`
	// Truncated says that expansions were dropped to stay within
	// MaxTopologyNodes.
	Truncated bool `json:"truncated,omitempty"`
}

// TopoNode is a switch, host or VM, or a group of them.
type TopoNode struct {
	ID string `json:"id"`
	// Kind is switch, host or vm, or a group: cluster, datacenter, rack,
	// application, appcluster (an application's VMs in one cluster), or
	// group (VMs on no host). An expanded group gives way to its members;
	// an expanded host stays, with its VMs around it.
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Parent string `json:"parent,omitempty"`
	// Role is "leaf" for a switch with hosts cabled to it, else "fabric".
	Role string `json:"role,omitempty"`
	// State is a VM's power state or a host's connection state.
	State      string `json:"state,omitempty"`
	VMs        int    `json:"vms"`
	Hosts      int    `json:"hosts"`
	Expandable bool   `json:"expandable"`
	// Page and Key say which UI page shows the node, when one does.
	Page string `json:"page,omitempty"`
	Key  string `json:"key,omitempty"`
}

// TopoEdge joins two visible nodes; Links counts the relations it stands
// for (cabled NICs, inter-switch links, VMs placed).
type TopoEdge struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Kind   string `json:"kind"` // cabling, isl, placement
	Links  int    `json:"links"`
}

// topoTree is the grouping hierarchy of one topology answer.
type topoTree struct {
	parent   map[string]string
	children map[string][]string
	nodes    map[string]*TopoNode
}

func (t *topoTree) add(n TopoNode) {
	if _, ok := t.nodes[n.ID]; ok {
		return
	}
	t.nodes[n.ID] = &n
	t.parent[n.ID] = n.Parent
	t.children[n.Parent] = append(t.children[n.Parent], n.ID)
}

// stays reports whether id is still shown when expanded: a host stays,
// with its VMs around it; a group gives way to its members.
func (t *topoTree) stays(id string) bool {
	return t.nodes[id].Kind == string(model.KindHost) && !strings.HasPrefix(id, "grp:")
}

// Topology returns the map grouped by group (cluster, application or
// switch; "" is cluster) with the groups in expand opened, at moment at
// (zero: now).
func (s *Service) Topology(ctx context.Context, group string, expand []string, at time.Time) (*TopologyAnswer, error) {
	if group == "" {
		group = GroupCluster
	}
	if group != GroupCluster && group != GroupApplication && group != GroupSwitch {
		return nil, fmt.Errorf("%w: group %q: want cluster, application or switch", ErrBadRequest, group)
	}
	if len(expand) > MaxTopologyExpand {
		return nil, fmt.Errorf("%w: %d groups to expand; at most %d", ErrBadRequest, len(expand), MaxTopologyExpand)
	}
	g, err := s.view(ctx, at)
	if err != nil {
		return nil, err
	}
	size := len(g.Nodes(model.KindVM)) + len(g.Nodes(model.KindHost)) + len(g.Nodes(model.KindSwitch)) + 64
	t := &topoTree{parent: make(map[string]string, size), children: make(map[string][]string, size/8), nodes: make(map[string]*TopoNode, size)}
	a := &TopologyAnswer{At: moment(at), Group: group, Expanded: []string{}, Nodes: []TopoNode{}, Edges: []TopoEdge{}, Totals: map[string]int{}}

	type base struct{ a, b, kind string }
	var edges []base

	// Switches, at the top level, and the inter-switch links between them.
	leaf := map[model.ID]bool{}
	switches := g.Nodes(model.KindSwitch)
	isl := map[[2]string]bool{}
	for _, sw := range switches {
		for _, hp := range g.Out(sw.ID, model.RelHasPort) {
			if len(g.In(hp.To, model.RelCabled)) > 0 {
				leaf[sw.ID] = true
			}
			for _, l := range g.Out(hp.To, model.RelLink) {
				pa, pb := string(hp.To), string(l.To)
				if pb < pa {
					pa, pb = pb, pa
				}
				if isl[[2]string{pa, pb}] {
					continue
				}
				isl[[2]string{pa, pb}] = true
				other := model.NewID(model.KindSwitch, strings.SplitN(l.To.Key(), "/", 2)[0])
				if other != sw.ID {
					edges = append(edges, base{string(sw.ID), string(other), "isl"})
				}
			}
		}
	}
	for _, sw := range switches {
		role := "fabric"
		if leaf[sw.ID] {
			role = "leaf"
		}
		t.add(TopoNode{ID: string(sw.ID), Kind: string(model.KindSwitch), Label: nameOf(sw), Role: role, Page: PageSwitch, Key: sw.ID.Key()})
	}

	// Hosts under their cluster (or rack), with their cabling.
	for _, h := range g.Nodes(model.KindHost) {
		var parent string
		var switchesOf []string
		for _, p := range g.Out(h.ID, model.RelHasPNIC) {
			for _, c := range g.Out(p.To, model.RelCabled) {
				sw := model.NewID(model.KindSwitch, strings.SplitN(c.To.Key(), "/", 2)[0])
				edges = append(edges, base{string(h.ID), string(sw), "cabling"})
				if !slices.Contains(switchesOf, sw.Key()) {
					switchesOf = append(switchesOf, sw.Key())
				}
			}
		}
		if group == GroupSwitch {
			sort.Slice(switchesOf, func(i, j int) bool { return naturalLess(switchesOf[i], switchesOf[j]) })
			parent = "grp:rack/" + strings.Join(switchesOf, "+")
			label := strings.Join(switchesOf, " + ")
			if label == "" {
				label = "not cabled"
			}
			t.add(TopoNode{ID: parent, Kind: "rack", Label: label})
		} else {
			parent = hostGroup(g, h.ID, t)
		}
		t.add(TopoNode{ID: string(h.ID), Kind: string(model.KindHost), Label: nameOf(h), Parent: parent, State: h.Attr("connection"), Page: PageHost, Key: h.ID.Key()})
	}

	// VMs under their host, or their application in its cluster.
	for _, vm := range g.Nodes(model.KindVM) {
		var host model.ID
		if es := g.Out(vm.ID, model.RelRunsOn); len(es) > 0 {
			host = es[0].To
			edges = append(edges, base{string(vm.ID), string(host), "placement"})
		}
		parent := string(host)
		switch {
		case group == GroupApplication:
			parent = vmAppGroup(g, vm.ID, host, t)
		case host == "" || t.nodes[parent] == nil:
			parent = "grp:no-host"
			t.add(TopoNode{ID: parent, Kind: "group", Label: "no host"})
		}
		t.add(TopoNode{ID: string(vm.ID), Kind: string(model.KindVM), Label: nameOf(vm), Parent: parent, State: vm.Attr("power"), Page: PageVM, Key: vmKey(g, vm)})
	}

	// Counts, bottom up.
	for id, n := range t.nodes {
		var vms, hosts int
		switch n.Kind {
		case string(model.KindVM):
			vms = 1
		case string(model.KindHost):
			hosts = 1
		default:
			continue
		}
		for p := id; p != ""; p = t.parent[p] {
			t.nodes[p].VMs += vms
			t.nodes[p].Hosts += hosts
		}
	}
	a.Totals["switches"], a.Totals["hosts"], a.Totals["vms"] = len(switches), 0, 0
	for _, n := range t.nodes {
		switch n.Kind {
		case string(model.KindHost):
			a.Totals["hosts"]++
		case string(model.KindVM):
			a.Totals["vms"]++
		}
		n.Expandable = len(t.children[n.ID]) > 0
	}

	// Expansions, parents first, within the node budget.
	depth := func(id string) int {
		d := 0
		for p := t.parent[id]; p != ""; p = t.parent[p] {
			d++
		}
		return d
	}
	var want []string
	for _, id := range expand {
		if n := t.nodes[id]; n != nil && n.Expandable && !slices.Contains(want, id) {
			want = append(want, id)
		}
	}
	sort.SliceStable(want, func(i, j int) bool { return depth(want[i]) < depth(want[j]) })
	expanded := map[string]bool{}
	count := len(t.children[""])
	for _, id := range want {
		if p := t.parent[id]; p != "" && !expanded[p] {
			continue
		}
		c := count + len(t.children[id])
		if !t.stays(id) {
			c-- // the group gives way to its members
		}
		if c > topologyNodeLimit {
			a.Truncated = true
			continue
		}
		count = c
		expanded[id] = true
		a.Expanded = append(a.Expanded, id)
	}

	// The visible node that stands for each entity: its highest collapsed
	// ancestor, or itself.
	rep := make(map[string]string, size)
	var visible func(id string) string
	visible = func(id string) string {
		if r, ok := rep[id]; ok {
			return r
		}
		r := id
		if p := t.parent[id]; p != "" {
			if pr := visible(p); pr != p || !expanded[p] {
				r = pr
			}
		}
		rep[id] = r
		return r
	}
	shown := map[string]bool{}
	for id := range t.nodes {
		if r := visible(id); !expanded[r] || t.stays(r) {
			shown[r] = true
		}
	}
	for id := range shown {
		a.Nodes = append(a.Nodes, *t.nodes[id])
	}
	sort.Slice(a.Nodes, func(i, j int) bool {
		if a.Nodes[i].Kind != a.Nodes[j].Kind {
			return a.Nodes[i].Kind < a.Nodes[j].Kind
		}
		return naturalLess(a.Nodes[i].Label, a.Nodes[j].Label)
	})
	agg := map[base]int{}
	for _, e := range edges {
		x, y := visible(e.a), visible(e.b)
		if x == y {
			continue
		}
		agg[base{x, y, e.kind}]++
	}
	for e, n := range agg {
		a.Edges = append(a.Edges, TopoEdge{Source: e.a, Target: e.b, Kind: e.kind, Links: n})
	}
	sort.Slice(a.Edges, func(i, j int) bool {
		x, y := a.Edges[i], a.Edges[j]
		if x.Source != y.Source {
			return x.Source < y.Source
		}
		if x.Target != y.Target {
			return x.Target < y.Target
		}
		return x.Kind < y.Kind
	})
	return a, nil
}

// hostGroup returns (adding it to t) the group of a host: its cluster, its
// datacenter when standalone, else a group of hosts in neither.
func hostGroup(g *view, host model.ID, t *topoTree) string {
	for _, e := range g.In(host, model.RelContains) {
		switch e.From.Kind() {
		case model.KindCluster, model.KindDatacenter:
			if n := g.Node(e.From); n != nil {
				t.add(TopoNode{ID: string(e.From), Kind: string(e.From.Kind()), Label: nameOf(n)})
			} else {
				t.add(TopoNode{ID: string(e.From), Kind: string(e.From.Kind()), Label: e.From.Key()})
			}
			return string(e.From)
		}
	}
	t.add(TopoNode{ID: "grp:no-cluster", Kind: string(model.KindCluster), Label: "no cluster"})
	return "grp:no-cluster"
}

// vmAppGroup returns (adding them to t) the group of a VM in the
// application grouping: its application's VMs in the cluster of its host,
// under the application.
func vmAppGroup(g *view, vm, host model.ID, t *topoTree) string {
	app, appLabel := "grp:no-app", "no application"
	var appIDs []model.ID
	for _, e := range g.In(vm, model.RelContains) {
		if e.From.Kind() == model.KindApplication {
			appIDs = append(appIDs, e.From)
		}
	}
	if len(appIDs) > 0 {
		slices.Sort(appIDs)
		app, appLabel = string(appIDs[0]), appIDs[0].Key()
		if n := g.Node(appIDs[0]); n != nil {
			appLabel = nameOf(n)
		}
		t.add(TopoNode{ID: app, Kind: string(model.KindApplication), Label: appLabel, Page: PageApplication, Key: appLabel})
	} else {
		t.add(TopoNode{ID: app, Kind: string(model.KindApplication), Label: appLabel})
	}
	where, whereLabel := "none", "no host"
	if host != "" {
		where = t.parent[string(host)]
		if n := t.nodes[where]; n != nil {
			whereLabel = n.Label
		}
	}
	id := "grp:app/" + app + "@" + where
	t.add(TopoNode{ID: id, Kind: "appcluster", Label: appLabel + " on " + whereLabel, Parent: app})
	return id
}

// cutOffOn returns the VMs cut off now by a port of switch sw, with only
// the drops on sw.
func cutOffOn(g *graph.Graph, sw model.ID) []graph.CutOffVM {
	out := []graph.CutOffVM{}
	for _, c := range g.CutOff("") {
		var drops []graph.VLANDrop
		for _, d := range c.Drops {
			if k, _, _ := strings.Cut(d.Port.Key(), "/"); k == sw.Key() {
				drops = append(drops, d)
			}
		}
		if len(drops) > 0 {
			c.Drops = drops
			out = append(out, c)
		}
	}
	return out
}
