package migrate

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

var t0 = time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)

// site builds the facts of a known-truth data center: datacenter dc1 with
// clusters, hosts whose standard vSwitch0 has vmnic0 (active) and vmnic1
// (standby) for the port groups app-110 (VLAN 110) and flat (untagged),
// a distributed switch dvs1 whose LACP LAG lag1 (vmnic2, vmnic3) carries
// db-120 (VLAN 120), and the leaf pair leaf1/leaf2 (an MLAG pair: an
// inter-switch link on Ethernet1/49) the hosts are cabled to. Every host
// is correct unless its hostSpec says otherwise.
type site struct {
	facts []model.Fact
	hosts int
}

var (
	dc   = model.NewID(model.KindDatacenter, "vc1/dc1")
	dvs1 = model.NewID(model.KindDVSwitch, "dvs-1")
	lag1 = model.NewID(model.KindHostLAG, "dvs-1/lag1")
	dbPG = model.NewID(model.KindPortgroup, "dvs-1/dvportgroup-12")
	// dvPGs are the other distributed port groups, on lag1: trunk (VLANs
	// 110 and 120), pvlan (private VLAN 501 of primary 500) and guest-all
	// (guest tagging of every VLAN).
	dvPGs = map[string]model.ID{
		"trunk":     model.NewID(model.KindPortgroup, "dvs-1/dvportgroup-13"),
		"pvlan":     model.NewID(model.KindPortgroup, "dvs-1/dvportgroup-14"),
		"guest-all": model.NewID(model.KindPortgroup, "dvs-1/dvportgroup-15"),
	}
)

// hostSpec is how one host departs from a correct one.
type hostSpec struct {
	name, cluster string
	// appVLAN is the VLAN of app-110 there: "" for the correct 110, "-"
	// for no such port group.
	appVLAN string
	vsMTU   string // vSwitch0 MTU, default 9000
	policy  string // app-110 load balancing, default loadbalance_srcid
	// port overrides attributes of the switch port of vmnic0..vmnic3.
	port [4]model.Attrs
	// pc puts the switch port of vmnic0..vmnic3 in that port-channel of
	// its leaf; LAG members (vmnic2, 3) default to Port-channel<10+n>
	// (n: the host's number), "-" puts them in none.
	pc [4]string
	// noHint leaves the pNIC without a CDP hint (no known switch port).
	noHint [4]bool
	link   [4]string // pNIC link, default up
	// leaf cables vmnic0..vmnic3 to that leaf instead of the default
	// (leaf1, leaf2, leaf1, leaf2), on a port of its own.
	leaf  [4]string
	noDVS bool // not a member of dvs1
}

func newSite() *site {
	s := &site{}
	s.entity(dc, dc, "dc1", nil)
	s.entity(dvs1, dvs1, "dvs1", model.Attrs{"mtu": "9000"})
	s.entity(dvs1, lag1, "lag1", model.Attrs{"mode": "active"})
	s.rel(dvs1, dvs1, model.RelHasLAG, lag1)
	s.entity(dvs1, dbPG, "db-120", model.Attrs{"type": "distributed", "vlan": "120", "policy": "loadbalance_srcid", "active": "lag1"})
	s.rel(dvs1, dbPG, model.RelMemberOf, dvs1)
	for name, a := range map[string]model.Attrs{
		"trunk":     {"trunk": "110,120"},
		"pvlan":     {"vlan": "500", "pvlan": "501"},
		"guest-all": {"trunk": "0-4094"},
	} {
		id := dvPGs[name]
		a["type"], a["active"] = "distributed", "lag1"
		s.entity(dvs1, id, name, a)
		s.rel(dvs1, id, model.RelMemberOf, dvs1)
	}
	for _, leaf := range []string{"leaf1", "leaf2"} {
		sw := model.NewID(model.KindSwitch, leaf)
		s.entity(sw, sw, leaf, nil)
		peer := map[string]string{"leaf1": "leaf2", "leaf2": "leaf1"}[leaf]
		s.port(leaf, "Ethernet1/49", model.Attrs{"mode": "trunk", "allowed_vlans": "1-4094", "mtu": "9216", "lldp_system": peer, "lldp_port": "Ethernet1/49"})
	}
	return s
}

func (s *site) entity(owner, id model.ID, name string, a model.Attrs) {
	s.facts = append(s.facts, model.Entity(owner, id, name, a))
}

func (s *site) rel(owner, from model.ID, rel model.RelKind, to model.ID, a ...model.Attrs) {
	var attrs model.Attrs
	if len(a) > 0 {
		attrs = a[0]
	}
	s.facts = append(s.facts, model.Relation(owner, from, rel, to, attrs))
}

func (s *site) port(leaf, name string, a model.Attrs) model.ID {
	sw := model.NewID(model.KindSwitch, leaf)
	id := model.NewID(model.KindPort, leaf+"/"+name)
	s.entity(sw, id, name, a)
	s.rel(sw, sw, model.RelHasPort, id)
	return id
}

func (s *site) portChannel(leaf, name string, member model.ID, a model.Attrs) {
	sw := model.NewID(model.KindSwitch, leaf)
	id := model.NewID(model.KindPortChannel, leaf+"/"+name)
	s.entity(sw, id, name, a)
	s.rel(sw, sw, model.RelHasPort, id)
	s.rel(sw, member, model.RelInLAG, id)
}

// defaultVLANs are what a correct host's switch ports allow.
const defaultVLANs = "1,110,120,500,501"

func trunk(vlans string) model.Attrs {
	return model.Attrs{"mode": "trunk", "allowed_vlans": vlans, "native_vlan": "1", "mtu": "9216"}
}

// cluster adds a cluster of dc1 with the hosts.
func (s *site) cluster(name string, hosts ...hostSpec) {
	cl := model.NewID(model.KindCluster, "vc1/dc1/"+name)
	s.entity(cl, cl, name, model.Attrs{"drs": "true"})
	s.rel(dc, dc, model.RelContains, cl)
	for _, h := range hosts {
		h.cluster = name
		s.host(cl, h)
	}
}

func (s *site) host(parent model.ID, h hostSpec) {
	s.hosts++
	host := model.NewID(model.KindHost, h.name)
	s.entity(host, host, h.name, model.Attrs{"connection": "connected"})
	s.rel(parent, parent, model.RelContains, host)
	leaves := []string{"leaf1", "leaf2", "leaf1", "leaf2"}
	var nics [4]model.ID
	for n := range 4 {
		dev := fmt.Sprintf("vmnic%d", n)
		portName := fmt.Sprintf("Ethernet1/%d", 10*s.hosts+n/2)
		leaf := leaves[n]
		if h.leaf[n] != "" {
			leaf, portName = h.leaf[n], fmt.Sprintf("Ethernet1/%d", 10*s.hosts+5+n)
		}
		attrs := model.Attrs{"device": dev, "mac": fmt.Sprintf("00:25:b5:%02x:00:%02x", s.hosts, n), "link": "up"}
		if h.link[n] != "" {
			attrs["link"] = h.link[n]
		}
		if !h.noHint[n] {
			attrs["cdp_device"], attrs["cdp_port"] = leaf, portName
		}
		nics[n] = model.NewID(model.KindPNIC, h.name+"/"+dev)
		s.entity(host, nics[n], dev, attrs)
		s.rel(host, host, model.RelHasPNIC, nics[n])
		pa := trunk(defaultVLANs)
		maps.Copy(pa, h.port[n])
		p := s.port(leaf, portName, pa)
		pc := h.pc[n]
		if pc == "" && n >= 2 {
			pc = fmt.Sprintf("Port-channel%d", 10+s.hosts)
		}
		if pc != "" && pc != "-" {
			s.portChannel(leaf, pc, p, trunk(defaultVLANs))
		}
	}
	vs := model.NewID(model.KindVSwitch, h.name+"/vSwitch0")
	mtu := h.vsMTU
	if mtu == "" {
		mtu = "9000"
	}
	s.entity(host, vs, "vSwitch0", model.Attrs{"mtu": mtu, "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1"})
	s.rel(host, host, model.RelHasSwitch, vs)
	for n := range 2 {
		s.rel(host, vs, model.RelUplink, nics[n], model.Attrs{"uplink": fmt.Sprintf("vmnic%d", n)})
	}
	policy := h.policy
	if policy == "" {
		policy = "loadbalance_srcid"
	}
	if h.appVLAN != "-" {
		vlan := h.appVLAN
		if vlan == "" {
			vlan = "110"
		}
		pg := model.NewID(model.KindPortgroup, h.name+"/app-110")
		s.entity(host, pg, "app-110", model.Attrs{"type": "standard", "vlan": vlan, "policy": policy, "active": "vmnic0", "standby": "vmnic1"})
		s.rel(host, pg, model.RelMemberOf, vs)
	}
	flat := model.NewID(model.KindPortgroup, h.name+"/flat")
	s.entity(host, flat, "flat", model.Attrs{"type": "standard", "vlan": "0", "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1"})
	s.rel(host, flat, model.RelMemberOf, vs)
	if !h.noDVS {
		s.rel(host, host, model.RelHasSwitch, dvs1)
		for n := 2; n < 4; n++ {
			s.rel(dvs1, dvs1, model.RelUplink, nics[n], model.Attrs{"host": h.name, "uplink": fmt.Sprintf("lag1-%d", n-2), "lag": "lag1"})
		}
	}
}

// vm adds a VM on host with one vNIC per port group (a standard port group
// by name, or a distributed one: "db-120" or a key of dvPGs).
func (s *site) vm(name, host string, pgs ...string) model.ID {
	id := model.NewID(model.KindVM, "uuid-"+name)
	s.entity(id, id, name, model.Attrs{"power": "poweredOn"})
	s.rel(id, id, model.RelRunsOn, model.NewID(model.KindHost, host))
	for i, pg := range pgs {
		nic := model.NewID(model.KindVNIC, fmt.Sprintf("uuid-%s/%d", name, 4000+i))
		s.rel(id, id, model.RelHasVNIC, nic)
		s.entity(id, nic, "", model.Attrs{"label": fmt.Sprintf("Network adapter %d", i+1), "connected": "true", "mac": fmt.Sprintf("00:50:56:00:%02x:%02x", len(s.facts)%256, i)})
		to := model.NewID(model.KindPortgroup, host+"/"+pg)
		if pg == "db-120" {
			to = dbPG
		} else if id, ok := dvPGs[pg]; ok {
			to = id
		}
		s.rel(id, nic, model.RelAttached, to)
	}
	return id
}

// graph correlates the facts and builds the graph, as the query service does.
func (s *site) graph(t testing.TB) *graph.Graph {
	t.Helper()
	vs := make([]model.Version, len(s.facts))
	for i, f := range s.facts {
		src := "vc1"
		if f.Owner.Kind() == model.KindSwitch {
			src = "fabric"
		}
		vs[i] = model.Version{Fact: f, Source: src, From: t0}
	}
	r := correlate.Run(t0, vs)
	g := graph.Build(t0, append(vs, r.Links...))
	g.Conflicts = r.Conflicts
	return g
}
