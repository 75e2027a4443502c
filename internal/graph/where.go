package graph

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// ErrNotFound is returned when a query names nothing the graph knows.
var ErrNotFound = errors.New("graph: not found")

// ErrAmbiguous is returned when a query names several entities.
var ErrAmbiguous = errors.New("graph: ambiguous")

// Location is the answer to "where is this VM": its host and, for each vNIC,
// the port group, VLAN, virtual switch and uplink pNICs with their roles and
// the neighbour switch ports the host reports.
type Location struct {
	MatchedBy string     `json:"matched_by"`
	VM        VMView     `json:"vm"`
	Host      *HostView  `json:"host,omitempty"`
	VNICs     []VNICView `json:"vnics"`
	// WorkingPath says whether the VM has a working path now (the worst of
	// its vNICs'), and why not.
	WorkingPath PathVerdict `json:"working_path"`
}

// VMView is a VM's identity and state.
type VMView struct {
	ID     model.ID          `json:"id"`
	Name   string            `json:"name"`
	Power  string            `json:"power,omitempty"`
	Folder string            `json:"folder,omitempty"`
	Tags   []string          `json:"tags,omitempty"`
	Attrs  map[string]string `json:"custom_attributes,omitempty"`
	// Applications are the applications the VM belongs to.
	Applications []string `json:"applications,omitempty"`
	Sources      []string `json:"sources"`
}

// HostView is the host a VM runs on.
type HostView struct {
	ID         model.ID `json:"id"`
	Name       string   `json:"name"`
	Connection string   `json:"connection,omitempty"`
	Cluster    string   `json:"cluster,omitempty"`
	Datacenter string   `json:"datacenter,omitempty"`
}

// VNICView is one virtual NIC and its path out of the host.
type VNICView struct {
	ID        model.ID       `json:"id"`
	Label     string         `json:"label,omitempty"`
	MAC       string         `json:"mac,omitempty"`
	Connected bool           `json:"connected"`
	IPs       []string       `json:"ips,omitempty"`
	Portgroup *PortgroupView `json:"portgroup,omitempty"`
	Switch    *SwitchView    `json:"switch,omitempty"`
	Uplinks   []UplinkView   `json:"uplinks,omitempty"`
	// Learned is where the switches' forwarding tables have the vNIC's MAC
	// on edge ports; Confirmed says whether one of them is a port behind
	// the vNIC's uplinks (the VM's location confirmed by the network).
	Learned   []LearnedOn `json:"learned,omitempty"`
	Confirmed bool        `json:"confirmed_by_fdb"`
	// WorkingPath is the vNIC's verdict, for a vNIC on a port group.
	WorkingPath *PathVerdict `json:"working_path,omitempty"`
}

// PortgroupView is a port group with its VLAN and effective teaming.
type PortgroupView struct {
	ID      model.ID `json:"id"`
	Name    string   `json:"name"`
	Type    string   `json:"type,omitempty"`
	VLAN    string   `json:"vlan,omitempty"`
	Trunk   string   `json:"trunk,omitempty"`
	PVLAN   string   `json:"pvlan,omitempty"`
	Policy  string   `json:"policy,omitempty"`
	Active  []string `json:"active,omitempty"`
	Standby []string `json:"standby,omitempty"`
}

// SwitchView is a standard or distributed virtual switch.
type SwitchView struct {
	ID   model.ID   `json:"id"`
	Kind model.Kind `json:"kind"`
	Name string     `json:"name"`
	MTU  string     `json:"mtu,omitempty"`
}

// UplinkView is one physical NIC behind a virtual switch, as used by one
// port group on one host.
type UplinkView struct {
	ID        model.ID   `json:"id"`
	Device    string     `json:"device"`
	MAC       string     `json:"mac,omitempty"`
	Link      string     `json:"link,omitempty"`
	SpeedMbps string     `json:"speed_mbps,omitempty"`
	Uplink    string     `json:"uplink,omitempty"`
	Role      string     `json:"role"`
	LAG       string     `json:"lag,omitempty"`
	LAGMode   string     `json:"lag_mode,omitempty"`
	Neighbors []Neighbor `json:"neighbors,omitempty"`
	// Ports are the switch ports correlation cabled the pNIC to: one, or
	// several when the evidence disagrees (each with confidence "conflict").
	Ports []PortView `json:"ports,omitempty"`
}

// PortView is the switch port behind a pNIC, with the evidence for the
// link and whether the port carries the port group's VLAN.
type PortView struct {
	ID          model.ID `json:"id"`
	Switch      string   `json:"switch"`
	Port        string   `json:"port"`
	PortChannel string   `json:"port_channel,omitempty"`
	// MLAGPeer is the switch that holds the other half of the port-channel
	// (a port-channel of the same name on a switch this one has an
	// inter-switch link to: an MLAG/vPC pair).
	MLAGPeer   string   `json:"mlag_peer,omitempty"`
	Mode       string   `json:"mode,omitempty"`
	Evidence   []string `json:"evidence"`
	Confidence string   `json:"confidence"`
	// Carries says whether the port lets the port group's VLAN through:
	// "yes", "no", or "unknown" when the switch did not report its VLANs.
	Carries string `json:"carries_vlan"`
}

// Neighbor is a switch port the host's network hint reports behind a pNIC.
type Neighbor struct {
	Protocol string `json:"protocol"`
	Device   string `json:"device,omitempty"`
	Port     string `json:"port,omitempty"`
	Address  string `json:"address,omitempty"`
	Platform string `json:"platform,omitempty"`
	Chassis  string `json:"chassis,omitempty"`
}

// Roles of an uplink for a port group.
const (
	RoleActive  = "active"
	RoleStandby = "standby"
	RoleUnused  = "unused"
)

// Where finds the VM named by q — a VM name, instance or BIOS UUID, a MAC of
// one of its vNICs or one of its IP addresses — and returns its location.
func (g *Graph) Where(q string) (*Location, error) {
	vm, how, err := g.FindVM(q)
	if err != nil {
		return nil, err
	}
	return g.locate(vm, how), nil
}

// FindVM resolves q to one VM and says what matched ("name", "uuid", "mac", "ip").
func (g *Graph) FindVM(q string) (model.ID, string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", "", fmt.Errorf("%w: empty query", ErrNotFound)
	}
	if ids := g.byName[strings.ToLower(q)]; len(ids) == 1 {
		return ids[0], "name", nil
	} else if len(ids) > 1 {
		return "", "", fmt.Errorf("%w: %d VMs are named %q: %s", ErrAmbiguous, len(ids), q, joinIDs(ids))
	}
	if id, ok := g.byUUID[strings.ToLower(strings.TrimPrefix(q, "vm:"))]; ok {
		return id, "uuid", nil
	}
	if mac := model.NormalizeMAC(q); mac != "" {
		var vms []model.ID
		for _, nic := range g.byMAC[mac] {
			for _, e := range g.In(nic, model.RelHasVNIC) {
				vms = appendUnique(vms, e.From)
			}
		}
		return one(vms, "mac", "MAC "+mac)
	}
	if addr, err := netip.ParseAddr(q); err == nil {
		var vms []model.ID
		for _, e := range g.In(model.NewID(model.KindIP, addr.String()), model.RelHasIP) {
			for _, v := range g.In(e.From, model.RelHasVNIC) {
				vms = appendUnique(vms, v.From)
			}
		}
		return one(vms, "ip", "IP "+addr.String())
	}
	return "", "", fmt.Errorf("%w: no VM named %q (give a VM name, UUID, MAC or IP)", ErrNotFound, q)
}

func one(ids []model.ID, how, what string) (model.ID, string, error) {
	switch len(ids) {
	case 0:
		return "", "", fmt.Errorf("%w: no VM has %s", ErrNotFound, what)
	case 1:
		return ids[0], how, nil
	}
	return "", "", fmt.Errorf("%w: %d VMs have %s: %s", ErrAmbiguous, len(ids), what, joinIDs(ids))
}

func appendUnique(ids []model.ID, id model.ID) []model.ID {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

func joinIDs(ids []model.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

func (g *Graph) locate(vm model.ID, how string) *Location {
	n := g.Node(vm)
	loc := &Location{MatchedBy: how, VM: VMView{ID: vm}}
	if n != nil {
		loc.VM.Name, loc.VM.Power, loc.VM.Folder = n.Name, n.Attr("power"), n.Attr("folder")
		loc.VM.Tags = model.SplitList(n.Attr("tags"))
		loc.VM.Sources = n.Sources
		for k, v := range n.Attrs {
			if name, ok := strings.CutPrefix(k, "attr."); ok {
				if loc.VM.Attrs == nil {
					loc.VM.Attrs = map[string]string{}
				}
				loc.VM.Attrs[name] = v
			}
		}
	}
	loc.VM.Applications = g.applicationsOf(vm)
	var host model.ID
	if es := g.Out(vm, model.RelRunsOn); len(es) > 0 {
		host = es[0].To
		loc.Host = g.hostView(host)
	}
	for _, e := range g.Out(vm, model.RelHasVNIC) {
		loc.VNICs = append(loc.VNICs, g.vnicView(e.To, host))
	}
	sort.Slice(loc.VNICs, func(i, j int) bool { return vnicOrder(loc.VNICs[i]) < vnicOrder(loc.VNICs[j]) })
	loc.WorkingPath = g.WorkingPath(vm)
	return loc
}

func vnicOrder(v VNICView) string {
	if v.Label != "" {
		return fmt.Sprintf("%s%08d", strings.TrimRight(v.Label, "0123456789"), trailingNumber(v.Label))
	}
	return string(v.ID)
}

func trailingNumber(s string) int {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(s[i:])
	return n
}

func (g *Graph) hostView(id model.ID) *HostView {
	h := &HostView{ID: id, Name: id.Key()}
	if n := g.Node(id); n != nil {
		h.Name, h.Connection = n.Name, n.Attr("connection")
	}
	for _, e := range g.In(id, model.RelContains) {
		c := g.Node(e.From)
		switch e.From.Kind() {
		case model.KindCluster:
			h.Cluster = nameOf(c, e.From)
			for _, d := range g.In(e.From, model.RelContains) {
				if d.From.Kind() == model.KindDatacenter {
					h.Datacenter = nameOf(g.Node(d.From), d.From)
				}
			}
		case model.KindDatacenter:
			h.Datacenter = nameOf(c, e.From)
		}
	}
	return h
}

func nameOf(n *Node, id model.ID) string {
	if n != nil && n.Name != "" {
		return n.Name
	}
	return id.Key()
}

func (g *Graph) vnicView(id model.ID, host model.ID) VNICView {
	v := VNICView{ID: id}
	if n := g.Node(id); n != nil {
		v.Label, v.MAC, v.Connected = n.Attr("label"), model.NormalizeMAC(n.Attr("mac")), n.Attr("connected") == "true"
	}
	for _, e := range g.Out(id, model.RelHasIP) {
		v.IPs = append(v.IPs, e.To.Key())
	}
	pgs := g.Out(id, model.RelAttached)
	if len(pgs) == 0 {
		return v
	}
	pgID := pgs[0].To
	pg := &PortgroupView{ID: pgID, Name: pgID.Key()}
	if n := g.Node(pgID); n != nil {
		pg.Name, pg.Type, pg.VLAN, pg.Trunk, pg.PVLAN, pg.Policy = n.Name, n.Attr("type"), n.Attr("vlan"), n.Attr("trunk"), n.Attr("pvlan"), n.Attr("policy")
		pg.Active, pg.Standby = model.SplitList(n.Attr("active")), model.SplitList(n.Attr("standby"))
	}
	v.Portgroup = pg
	if p, ok := g.VNICPath(id, host); ok && host != "" {
		v.WorkingPath = &p
	}
	sws := g.Out(pgID, model.RelMemberOf)
	if len(sws) == 0 {
		return v
	}
	swID := sws[0].To
	sw := &SwitchView{ID: swID, Kind: swID.Kind(), Name: swID.Key()}
	if n := g.Node(swID); n != nil {
		sw.Name, sw.MTU = n.Name, n.Attr("mtu")
	}
	v.Switch = sw
	for _, e := range g.switchUplinks(swID, host) {
		v.Uplinks = append(v.Uplinks, g.uplinkView(e, swID, pg))
	}
	if v.MAC != "" {
		if m := g.WhereMAC(v.MAC); m != nil {
			uplinkPorts := map[string]bool{}
			for _, u := range v.Uplinks {
				for _, p := range u.Ports {
					uplinkPorts[p.Switch+"/"+p.Port] = true
					if p.PortChannel != "" {
						uplinkPorts[p.Switch+"/"+p.PortChannel] = true
					}
				}
			}
			for _, l := range m.Learned {
				if !l.Edge {
					continue
				}
				v.Learned = append(v.Learned, l)
				v.Confirmed = v.Confirmed || uplinkPorts[l.Switch+"/"+l.Port] || (l.PortChannel != "" && uplinkPorts[l.Switch+"/"+l.PortChannel])
			}
		}
	}
	sort.SliceStable(v.Uplinks, func(i, j int) bool {
		ri, rj := roleRank(v.Uplinks[i].Role), roleRank(v.Uplinks[j].Role)
		if ri != rj {
			return ri < rj
		}
		return v.Uplinks[i].Device < v.Uplinks[j].Device
	})
	return v
}

func roleRank(r string) int {
	switch r {
	case RoleActive:
		return 0
	case RoleStandby:
		return 1
	}
	return 2
}

func (g *Graph) uplinkView(e Edge, sw model.ID, pg *PortgroupView) UplinkView {
	u := UplinkView{ID: e.To, Device: e.To.Key(), Uplink: e.Attrs["uplink"], LAG: e.Attrs["lag"]}
	if n := g.Node(e.To); n != nil {
		u.Device = n.Attr("device")
		if u.Device == "" {
			u.Device = n.Name
		}
		u.MAC, u.Link, u.SpeedMbps = model.NormalizeMAC(n.Attr("mac")), n.Attr("link"), n.Attr("speed_mbps")
		u.Neighbors = neighbors(n)
	}
	if u.LAG != "" {
		for _, l := range g.Out(sw, model.RelHasLAG) {
			if ln := g.Node(l.To); ln != nil && ln.Name == u.LAG {
				u.LAGMode = ln.Attr("mode")
			}
		}
	}
	u.Role = role(pg, u.Uplink, u.LAG)
	for _, c := range g.Out(e.To, model.RelCabled) {
		u.Ports = append(u.Ports, g.portView(c, pg))
	}
	return u
}

func (g *Graph) portView(c Edge, pg *PortgroupView) PortView {
	sw, name, _ := strings.Cut(c.To.Key(), "/")
	p := PortView{ID: c.To, Switch: sw, Port: name, Evidence: model.SplitList(c.Attrs["evidence"]), Confidence: c.Attrs["confidence"]}
	for _, h := range g.In(c.To, model.RelHasPort) {
		if n := g.Node(h.From); n != nil && n.Name != "" {
			p.Switch = n.Name
		}
	}
	for _, l := range g.Out(c.To, model.RelInLAG) {
		var sw string
		sw, p.PortChannel, _ = strings.Cut(l.To.Key(), "/")
		p.MLAGPeer = g.mlagPeer(sw, p.PortChannel)
	}
	var vlans *Node
	p.Carries, vlans = g.portCarries(c.To, pg)
	if vlans != nil {
		p.Mode = vlans.Attr("mode")
	}
	return p
}

// carries says whether a switch port (or its bundle) lets the port group's
// VLAN through: an access port on that VLAN, or a trunk allowing it; for a
// trunk port group, a trunk allowing every VLAN of its ranges.
func carries(port *Node, pg *PortgroupView) string {
	if port == nil || port.Attr("mode") == "" {
		return "unknown"
	}
	want := pg.Trunk
	if want == "" {
		want = pg.VLAN
	}
	if want == "" || want == "0" {
		want = port.Attr("native_vlan")
		if port.Attr("mode") == "access" {
			want = port.Attr("access_vlan")
		}
	}
	var have string
	switch port.Attr("mode") {
	case "access":
		have = port.Attr("access_vlan")
	case "trunk":
		have = port.Attr("allowed_vlans")
	default:
		return "unknown"
	}
	ok, err := vlanSubset(want, have)
	switch {
	case err != nil:
		return "unknown"
	case ok:
		return "yes"
	}
	return "no"
}

// role says how a port group uses an uplink: a named uplink (or the LAG it
// belongs to) in the active list is active, in the standby list standby;
// with no teaming order at all every uplink is active.
func role(pg *PortgroupView, uplink, lag string) string {
	return roleIn(strings.Join(pg.Active, ","), strings.Join(pg.Standby, ","), uplink, lag)
}

// roleIn is role on the comma-separated active and standby attributes.
func roleIn(active, standby, uplink, lag string) string {
	if active == "" && standby == "" {
		return RoleActive
	}
	for _, name := range []string{uplink, lag} {
		if name == "" {
			continue
		}
		if listHas(active, name) {
			return RoleActive
		}
		if listHas(standby, name) {
			return RoleStandby
		}
	}
	return RoleUnused
}

// listHas reports whether the comma-separated list holds s, without
// splitting it.
func listHas(list, s string) bool {
	for list != "" {
		var item string
		item, list, _ = strings.Cut(list, ",")
		if strings.TrimSpace(item) == s {
			return true
		}
	}
	return false
}

func neighbors(n *Node) []Neighbor {
	var r []Neighbor
	if n.Attr("cdp_device") != "" || n.Attr("cdp_port") != "" {
		r = append(r, Neighbor{Protocol: "cdp", Device: n.Attr("cdp_device"), Port: n.Attr("cdp_port"),
			Address: n.Attr("cdp_address"), Platform: n.Attr("cdp_platform")})
	}
	if n.Attr("lldp_chassis") != "" || n.Attr("lldp_port") != "" || n.Attr("lldp_system") != "" {
		r = append(r, Neighbor{Protocol: "lldp", Device: n.Attr("lldp_system"), Port: n.Attr("lldp_port"),
			Chassis: n.Attr("lldp_chassis")})
	}
	return r
}

// applicationsOf returns the names of the applications vm belongs to, sorted.
func (g *Graph) applicationsOf(vm model.ID) []string {
	var apps []string
	for _, e := range g.In(vm, model.RelContains) {
		if e.From.Kind() == model.KindApplication {
			apps = append(apps, nameOf(g.Node(e.From), e.From))
		}
	}
	sort.Strings(apps)
	return apps
}

// MACLocation is where the switches learned a MAC that is no VM's.
type MACLocation struct {
	MAC string `json:"mac"`
	// PNIC is the host NIC the MAC belongs to, when it is one.
	PNIC    model.ID    `json:"pnic,omitempty"`
	Learned []LearnedOn `json:"learned"`
	// Until is set when no switch has the MAC at the moment asked: Learned
	// is then where it was last learned, up to this moment.
	Until time.Time `json:"until,omitzero"`
}

// LearnedOn is one forwarding-table entry for a MAC.
type LearnedOn struct {
	Switch      string `json:"switch"`
	Port        string `json:"port"`
	PortChannel string `json:"port_channel,omitempty"`
	VLAN        string `json:"vlan,omitempty"`
	// Edge is false for an inter-switch link: the MAC is only seen through it.
	Edge bool `json:"edge"`
}

// WhereMAC returns where the switches learned mac, or nil when no
// forwarding table has it and no pNIC has it.
func (g *Graph) WhereMAC(mac string) *MACLocation {
	m := model.NormalizeMAC(mac)
	if m == "" {
		return nil
	}
	loc := &MACLocation{MAC: m, Learned: []LearnedOn{}}
	for _, id := range g.byMAC[m] {
		if id.Kind() == model.KindPNIC {
			loc.PNIC = id
		}
	}
	for _, e := range g.in[model.NewID(model.KindMAC, m)] {
		if e.Rel != model.RelLearned {
			continue
		}
		sw, port, _ := strings.Cut(e.From.Key(), "/")
		l := LearnedOn{Switch: sw, Port: port, VLAN: e.Attrs["vlan"], Edge: true}
		for _, x := range g.out[e.From] {
			switch x.Rel {
			case model.RelInLAG:
				_, l.PortChannel, _ = strings.Cut(x.To.Key(), "/")
			case model.RelLink:
				l.Edge = false
			}
		}
		loc.Learned = append(loc.Learned, l)
	}
	if loc.PNIC == "" && len(loc.Learned) == 0 {
		return nil
	}
	sort.Slice(loc.Learned, func(i, j int) bool {
		a, b := loc.Learned[i], loc.Learned[j]
		if a.Edge != b.Edge {
			return a.Edge
		}
		return a.Switch+"/"+a.Port < b.Switch+"/"+b.Port
	})
	return loc
}

// IPLocation is what the switches know of an IP address that is no VM's:
// the ARP/ND entries that resolve it, and where its MAC is learned.
type IPLocation struct {
	IP  string     `json:"ip"`
	ARP []ARPEntry `json:"arp"`
	// MACs are where the switches learned each MAC the IP resolves to.
	MACs []*MACLocation `json:"macs,omitempty"`
}

// ARPEntry is one switch's ARP/ND entry for an IP.
type ARPEntry struct {
	Switch    string `json:"switch"`
	Interface string `json:"interface,omitempty"`
	VLAN      string `json:"vlan,omitempty"`
	MAC       string `json:"mac"`
}

// WhereIP returns what the switches' ARP/ND tables say of addr, or nil
// when no switch resolves it.
func (g *Graph) WhereIP(addr string) *IPLocation {
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return nil
	}
	loc := &IPLocation{IP: a.String()}
	seen := map[string]bool{}
	for _, e := range g.in[model.NewID(model.KindIP, a.String())] {
		if e.Rel != model.RelARP {
			continue
		}
		mac := model.NormalizeMAC(e.Attrs["mac"])
		loc.ARP = append(loc.ARP, ARPEntry{Switch: nameOf(g.Node(e.From), e.From), Interface: e.Attrs["interface"], VLAN: e.Attrs["vlan"], MAC: mac})
		if mac != "" && !seen[mac] {
			seen[mac] = true
			if m := g.WhereMAC(mac); m != nil {
				loc.MACs = append(loc.MACs, m)
			}
		}
	}
	if len(loc.ARP) == 0 {
		return nil
	}
	sort.Slice(loc.ARP, func(i, j int) bool { return loc.ARP[i].Switch < loc.ARP[j].Switch })
	return loc
}

// MLAGPeer returns the switch that forms an MLAG (vPC) pair with sw for its
// port-channel named pc: a switch linked to sw that has a port-channel of
// that name too; "" when there is none.
func (g *Graph) MLAGPeer(sw, pc string) string { return g.mlagPeer(sw, pc) }

// mlagPeer returns the switch linked to sw that has a port-channel named
// pc too, or "".
func (g *Graph) mlagPeer(sw, pc string) string {
	for _, hp := range g.out[model.NewID(model.KindSwitch, sw)] {
		if hp.Rel != model.RelHasPort {
			continue
		}
		for _, l := range g.out[hp.To] {
			if l.Rel != model.RelLink {
				continue
			}
			peer, _, _ := strings.Cut(l.To.Key(), "/")
			if peer != sw && g.Node(model.NewID(model.KindPortChannel, peer+"/"+pc)) != nil {
				return peer
			}
		}
	}
	return ""
}
