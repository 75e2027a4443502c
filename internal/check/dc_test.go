package check_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// The scenario library's data center, as data that a scenario changes
// before it is rendered into the facts the vSphere and SNMP sources state
// (docs/facts.md). The clean one (newDC):
//
//   - cluster c1 with esx01 and esx02; on each, vSwitch0 (MTU 1500) with
//     vmnic0 cabled to leaf1 and vmnic1 to leaf2, port groups app-110 and
//     web-120 (vmnic0 active, vmnic1 standby);
//   - the distributed switch dvs-prod (MTU 9000) with LACP LAG lag1 on
//     vmnic2 (leaf1) and vmnic3 (leaf2), bundled on each leaf's
//     Port-channel10N of a vPC pair (the leaves' peer link is Ethernet1/49),
//     and the port group db-130 on lag1;
//   - VMs app1 (esx01, app-110), web1 (esx02, web-120), db1 (esx01) and
//     db2 (esx02) on db-130;
//   - both sides see each other: the leaves' LLDP tables name the hosts'
//     NICs, the hosts' CDP hints name the leaves' ports.
type dc struct {
	hosts    []*host
	switches []*sw
	vms      []*vm
	dvs      *dvs
	clusters map[string][]string
}

type host struct {
	name  string
	pnics []*pnic
	vsw   []*vswitch
	dvsUp []dvsUplink
}

type pnic struct {
	dev   string
	attrs model.Attrs
}

type vswitch struct {
	name    string
	attrs   model.Attrs
	uplinks []string
	pgs     []*pg
}

type pg struct {
	name  string
	key   string // distributed port group key
	attrs model.Attrs
}

type dvsUplink struct{ pnic, uplink, lag string }

type dvs struct {
	uuid, name string
	attrs      model.Attrs
	lags       map[string]model.Attrs
	pgs        []*pg
	hosts      []string
}

type sw struct {
	name  string
	attrs model.Attrs // the switch entity's, besides its vendor
	ports []*port
	vlans []int
}

type port struct {
	name  string
	pc    bool   // a port-channel
	in    string // the port-channel the port is a member of
	attrs model.Attrs
}

type vm struct {
	uuid, name, host string
	attrs            model.Attrs
	nics             []*vnic
}

type vnic struct {
	key   string
	pg    model.ID
	attrs model.Attrs
}

var (
	t0 = time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

// trunkHost is what the leaves allow on the ports of the hosts' vSwitch0.
const trunkHost = "1,10,110,120"

func newDC() *dc {
	d := &dc{clusters: map[string][]string{"vc1/dc1/c1": {"esx01", "esx02"}}}
	d.dvs = &dvs{uuid: "dvs-1", name: "dvs-prod", attrs: model.Attrs{"mtu": "9000", "policy": "loadbalance_srcid"},
		lags: map[string]model.Attrs{"lag1": {"mode": "active", "load_balance": "srcDestIpTcpUdpPortVlan"}},
		pgs:  []*pg{{name: "db-130", key: "dvportgroup-30", attrs: model.Attrs{"type": "distributed", "vlan": "130", "active": "lag1", "policy": "loadbalance_srcid"}}}}
	leaves := []*sw{{name: "leaf1", vlans: []int{1, 10, 110, 120, 130}}, {name: "leaf2", vlans: []int{1, 10, 110, 120, 130}}}
	d.switches = leaves
	for i, hn := range []string{"esx01", "esx02"} {
		n := i + 1
		h := &host{name: hn}
		for j := range 4 {
			leaf := leaves[j%2]
			p := fmt.Sprintf("Ethernet1/%d", n+10*(j/2))
			h.pnics = append(h.pnics, &pnic{dev: fmt.Sprintf("vmnic%d", j), attrs: model.Attrs{
				"mac": fmt.Sprintf("00:25:b5:%02x:00:%02x", n, j), "link": "up", "speed_mbps": "25000",
				"cdp_device": leaf.name, "cdp_port": p}})
			pt := &port{name: p, attrs: model.Attrs{"oper": "up", "admin": "up", "mtu": "9216", "lldp_system": hn, "lldp_port": fmt.Sprintf("vmnic%d", j)}}
			if j < 2 {
				pt.attrs["mode"], pt.attrs["allowed_vlans"], pt.attrs["native_vlan"] = "trunk", trunkHost, "1"
			} else {
				pt.in = fmt.Sprintf("Port-channel%d", 100+n)
				if j == 2 {
					for _, l := range leaves {
						l.ports = append(l.ports, &port{name: pt.in, pc: true, attrs: model.Attrs{"oper": "up", "mtu": "9216", "mode": "trunk", "allowed_vlans": "1,130", "native_vlan": "1"}})
					}
				}
			}
			leaf.ports = append(leaf.ports, pt)
		}
		h.vsw = []*vswitch{{name: "vSwitch0", attrs: model.Attrs{"mtu": "1500", "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1"},
			uplinks: []string{"vmnic0", "vmnic1"},
			pgs: []*pg{
				{name: "app-110", attrs: model.Attrs{"type": "standard", "vlan": "110", "active": "vmnic0", "standby": "vmnic1", "policy": "loadbalance_srcid", "mtu": "1500"}},
				{name: "web-120", attrs: model.Attrs{"type": "standard", "vlan": "120", "active": "vmnic0", "standby": "vmnic1", "policy": "loadbalance_srcid", "mtu": "1500"}},
			}}}
		h.dvsUp = []dvsUplink{{"vmnic2", "lag1-0", "lag1"}, {"vmnic3", "lag1-1", "lag1"}}
		d.dvs.hosts = append(d.dvs.hosts, hn)
		d.hosts = append(d.hosts, h)
	}
	for i, l := range leaves {
		peer := leaves[1-i].name
		l.ports = append(l.ports, &port{name: "Ethernet1/49", attrs: model.Attrs{"oper": "up", "mtu": "9216", "mode": "trunk",
			"allowed_vlans": "1,10,110,120,130", "native_vlan": "1", "lldp_system": peer, "lldp_port": "Ethernet1/49"}})
	}
	d.vm("app1", "esx01", d.stdPG("esx01", "app-110"))
	d.vm("web1", "esx02", d.stdPG("esx02", "web-120"))
	d.vm("db1", "esx01", d.dvPG("db-130"))
	d.vm("db2", "esx02", d.dvPG("db-130"))
	return d
}

// vm adds a powered-on VM with one connected vNIC on the port group.
func (d *dc) vm(name, hostName string, pgID model.ID) *vm {
	n := len(d.vms) + 1
	v := &vm{uuid: fmt.Sprintf("u-%02d", n), name: name, host: hostName, attrs: model.Attrs{"power": "poweredOn"},
		nics: []*vnic{{key: "4000", pg: pgID, attrs: model.Attrs{"label": "Network adapter 1", "connected": "true", "start_connected": "true",
			"mac": fmt.Sprintf("00:50:56:00:00:%02x", n)}}}}
	d.vms = append(d.vms, v)
	return v
}

func (d *dc) host(name string) *host {
	for _, h := range d.hosts {
		if h.name == name {
			return h
		}
	}
	panic("no host " + name)
}

func (h *host) pnic(dev string) *pnic {
	for _, p := range h.pnics {
		if p.dev == dev {
			return p
		}
	}
	panic("no pnic " + dev)
}

func (h *host) pg(name string) *pg {
	for _, vs := range h.vsw {
		for _, p := range vs.pgs {
			if p.name == name {
				return p
			}
		}
	}
	panic("no port group " + name)
}

func (d *dc) sw(name string) *sw {
	for _, s := range d.switches {
		if s.name == name {
			return s
		}
	}
	panic("no switch " + name)
}

func (s *sw) port(name string) *port {
	for _, p := range s.ports {
		if p.name == name {
			return p
		}
	}
	panic("no port " + name + " on " + s.name)
}

func (d *dc) vmNamed(name string) *vm {
	for _, v := range d.vms {
		if v.name == name {
			return v
		}
	}
	panic("no VM " + name)
}

// IDs of the scenario's entities.
func (d *dc) stdPG(hostName, pgName string) model.ID {
	return model.NewID(model.KindPortgroup, hostName+"/"+pgName)
}
func (d *dc) dvPG(name string) model.ID {
	for _, p := range d.dvs.pgs {
		if p.name == name {
			return model.NewID(model.KindPortgroup, d.dvs.uuid+"/"+p.key)
		}
	}
	panic("no distributed port group " + name)
}
func hostID(name string) model.ID       { return model.NewID(model.KindHost, name) }
func pnicID(h, dev string) model.ID     { return model.NewID(model.KindPNIC, h+"/"+dev) }
func portID(sw, p string) model.ID      { return model.NewID(model.KindPort, sw+"/"+p) }
func pcID(sw, p string) model.ID        { return model.NewID(model.KindPortChannel, sw+"/"+p) }
func switchID(name string) model.ID     { return model.NewID(model.KindSwitch, name) }
func vswitchID(h, name string) model.ID { return model.NewID(model.KindVSwitch, h+"/"+name) }
func (d *dc) vmID(name string) model.ID {
	return model.NewID(model.KindVM, d.vmNamed(name).uuid)
}
func (d *dc) vnicID(name string) model.ID {
	v := d.vmNamed(name)
	return model.NewID(model.KindVNIC, v.uuid+"/"+v.nics[0].key)
}

// vcenter renders the vSphere source's facts.
func (d *dc) vcenter() []model.Fact {
	var f []model.Fact
	ent := func(owner, id model.ID, name string, a model.Attrs) {
		f = append(f, model.Entity(owner, id, name, maps(a)))
	}
	rel := func(owner, from model.ID, r model.RelKind, to model.ID, a model.Attrs) {
		f = append(f, model.Relation(owner, from, r, to, maps(a)))
	}
	for name, hosts := range d.clusters {
		c := model.NewID(model.KindCluster, name)
		ent(c, c, name[len(name)-2:], model.Attrs{"drs": "true"})
		for _, h := range hosts {
			rel(c, c, model.RelContains, hostID(h), nil)
		}
	}
	dvsID := model.NewID(model.KindDVSwitch, d.dvs.uuid)
	ent(dvsID, dvsID, d.dvs.name, d.dvs.attrs)
	for lag, a := range d.dvs.lags {
		id := model.NewID(model.KindHostLAG, d.dvs.uuid+"/"+lag)
		ent(dvsID, id, lag, a)
		rel(dvsID, dvsID, model.RelHasLAG, id, nil)
	}
	for _, p := range d.dvs.pgs {
		id := model.NewID(model.KindPortgroup, d.dvs.uuid+"/"+p.key)
		ent(dvsID, id, p.name, p.attrs)
		rel(dvsID, id, model.RelMemberOf, dvsID, nil)
	}
	for _, h := range d.hosts {
		hid := hostID(h.name)
		ent(hid, hid, h.name, model.Attrs{"connection": "connected"})
		for _, p := range h.pnics {
			a := maps(p.attrs)
			a["host"], a["device"] = h.name, p.dev
			ent(hid, pnicID(h.name, p.dev), p.dev, a)
			rel(hid, hid, model.RelHasPNIC, pnicID(h.name, p.dev), nil)
		}
		for _, vs := range h.vsw {
			id := vswitchID(h.name, vs.name)
			a := maps(vs.attrs)
			a["host"] = h.name
			ent(hid, id, vs.name, a)
			rel(hid, hid, model.RelHasSwitch, id, nil)
			for _, u := range vs.uplinks {
				rel(hid, id, model.RelUplink, pnicID(h.name, u), model.Attrs{"uplink": u})
			}
			for _, p := range vs.pgs {
				pid := d.stdPG(h.name, p.name)
				ent(hid, pid, p.name, p.attrs)
				rel(hid, pid, model.RelMemberOf, id, nil)
			}
		}
		if slices.Contains(d.dvs.hosts, h.name) {
			rel(hid, hid, model.RelHasSwitch, dvsID, nil)
		}
		for _, u := range h.dvsUp {
			a := model.Attrs{"host": h.name, "uplink": u.uplink}
			if u.lag != "" {
				a["lag"] = u.lag
			}
			rel(dvsID, dvsID, model.RelUplink, pnicID(h.name, u.pnic), a)
		}
	}
	for _, v := range d.vms {
		id := model.NewID(model.KindVM, v.uuid)
		ent(id, id, v.name, v.attrs)
		rel(id, id, model.RelRunsOn, hostID(v.host), nil)
		for _, n := range v.nics {
			nid := model.NewID(model.KindVNIC, v.uuid+"/"+n.key)
			ent(id, nid, n.attrs["label"], n.attrs)
			rel(id, id, model.RelHasVNIC, nid, nil)
			rel(id, nid, model.RelAttached, n.pg, nil)
		}
	}
	return f
}

// fabric renders the SNMP source's facts.
func (d *dc) fabric() []model.Fact {
	var f []model.Fact
	for _, s := range d.switches {
		sid := switchID(s.name)
		a := maps(s.attrs)
		a["vendor"] = "Cisco"
		f = append(f, model.Entity(sid, sid, s.name, a))
		owner := model.ID(string(sid) + "#if")
		for _, p := range s.ports {
			id := portID(s.name, p.name)
			if p.pc {
				id = pcID(s.name, p.name)
			}
			f = append(f, model.Entity(owner, id, p.name, maps(p.attrs)), model.Relation(owner, sid, model.RelHasPort, id, nil))
			if p.in != "" {
				f = append(f, model.Relation(model.ID(string(sid)+"#lag"), id, model.RelInLAG, pcID(s.name, p.in), model.Attrs{"source": "lag-mib"}))
			}
		}
		for _, v := range s.vlans {
			id := model.NewID(model.KindVLAN, s.name+"/"+strconv.Itoa(v))
			f = append(f, model.Entity(model.ID(string(sid)+"#vlan"), id, "VLAN"+strconv.Itoa(v), model.Attrs{"vid": strconv.Itoa(v)}))
		}
	}
	return f
}

func maps(a model.Attrs) model.Attrs {
	out := model.Attrs{}
	for k, v := range a {
		out[k] = v
	}
	return out
}

// apply stores the data center's facts as both sources' snapshots taken at
// at (a full snapshot replaces the previous one).
func (d *dc) apply(t *testing.T, st store.Store, at time.Time, fabric bool) {
	t.Helper()
	snaps := []model.Snapshot{{Source: "vc1", Taken: at, Facts: d.vcenter()}}
	if fabric {
		snaps = append(snaps, model.Snapshot{Source: "fabric", Taken: at, Facts: d.fabric()})
	}
	for _, s := range snaps {
		if _, err := st.Apply(context.Background(), s); err != nil {
			t.Fatalf("apply %s snapshot: %v", s.Source, err)
		}
	}
}

// openStore opens a fresh SQLite store.
func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+t.TempDir()+"/check.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// graphAt builds the map of a moment as the query service does (facts,
// correlation, graph).
func graphAt(t *testing.T, st store.Store, at time.Time) *graph.Graph {
	t.Helper()
	g, err := query.New(st, nil).Cache.At(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
