package doc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/doc"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// The known-truth data center the documentation tests read, stated as the
// vSphere and SNMP sources state it (docs/facts.md) into a SQLite store:
//
//   - cluster c1 (datacenter dc1) with esx01 and esx02: vSwitch0 with
//     vmnic0 (leaf1) active and vmnic1 (leaf2) standby for the port groups
//     app-110 and web-120; the distributed switch dvs-prod with LACP group
//     lag1 on vmnic2 (leaf1) and vmnic3 (leaf2), bundled on each leaf's
//     Port-channel10N of a vPC pair (peer link Ethernet1/49), and the port
//     group db-130 on lag1;
//   - cluster "../../etc" (a hostile name) with esx03, whose vSwitch0 teams
//     vmnic0 (leaf1 Ethernet1/5) and vmnic1 (leaf2 Ethernet1/5) by IP hash
//     on ports that are in no port-channel, with the port group dmz-140 on
//     VLAN 140, which no switch defines;
//   - esx04, standalone, with one NIC no switch knows;
//   - VMs app1 and web1 (application shop), db1 and db2 (db), and on esx03
//     a VM named "../../etc/passwd" (application "../../etc/passwd") and one
//     named "<b>x</b>|y" (application "Zahlung/Ünï");
//   - at t1: web1 migrated from esx02 to esx01, and leaf1 Ethernet1/1
//     (esx01 vmnic0, active for app-110) lost VLAN 110;
//   - traffic in the hour before t1: shop → db (tcp/5432), external → shop
//     (tcp/443), shop → "../../etc/passwd" (udp/53), and the members of
//     leaf1 Port-channel101.
var (
	t0 = time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

type facts []model.Fact

func (f *facts) ent(owner, id model.ID, name string, a model.Attrs) {
	*f = append(*f, model.Entity(owner, id, name, a))
}

func (f *facts) rel(owner, from model.ID, r model.RelKind, to model.ID, a model.Attrs) {
	*f = append(*f, model.Relation(owner, from, r, to, a))
}

func hostID(h string) model.ID     { return model.NewID(model.KindHost, h) }
func pnicID(h, d string) model.ID  { return model.NewID(model.KindPNIC, h+"/"+d) }
func portID(s, p string) model.ID  { return model.NewID(model.KindPort, s+"/"+p) }
func pcID(s, p string) model.ID    { return model.NewID(model.KindPortChannel, s+"/"+p) }
func vmID(uuid string) model.ID    { return model.NewID(model.KindVM, uuid) }
func pgID(h, name string) model.ID { return model.NewID(model.KindPortgroup, h+"/"+name) }

var dvsID = model.NewID(model.KindDVSwitch, "dvs-1")

// vcenter states the vSphere side; later is the state at t1.
func vcenter(later bool) facts {
	var f facts
	dc := model.NewID(model.KindDatacenter, "vc1/dc1")
	f.ent(dc, dc, "dc1", model.Attrs{"vcenter": "vc1"})
	for _, cl := range []struct {
		name  string
		hosts []string
	}{{"c1", []string{"esx01", "esx02"}}, {"../../etc", []string{"esx03"}}} {
		id := model.NewID(model.KindCluster, "vc1/dc1/"+cl.name)
		f.ent(id, id, cl.name, model.Attrs{"drs": "true", "ha": "true"})
		f.rel(dc, dc, model.RelContains, id, nil)
		for _, h := range cl.hosts {
			f.rel(id, id, model.RelContains, hostID(h), nil)
		}
	}
	f.rel(dc, dc, model.RelContains, hostID("esx04"), nil)
	pnic := func(h, dev, mac string, a model.Attrs) {
		x := model.Attrs{"host": h, "device": dev, "mac": mac, "link": "up", "speed_mbps": "25000"}
		for k, v := range a {
			x[k] = v
		}
		f.ent(hostID(h), pnicID(h, dev), dev, x)
		f.rel(hostID(h), hostID(h), model.RelHasPNIC, pnicID(h, dev), nil)
	}
	vswitch := func(h string, a model.Attrs, uplinks []string, pgs map[string]model.Attrs) {
		vs := model.NewID(model.KindVSwitch, h+"/vSwitch0")
		a["host"] = h
		f.ent(hostID(h), vs, "vSwitch0", a)
		f.rel(hostID(h), hostID(h), model.RelHasSwitch, vs, nil)
		for _, u := range uplinks {
			f.rel(hostID(h), vs, model.RelUplink, pnicID(h, u), model.Attrs{"uplink": u})
		}
		for name, pa := range pgs {
			f.ent(hostID(h), pgID(h, name), name, pa)
			f.rel(hostID(h), pgID(h, name), model.RelMemberOf, vs, nil)
		}
	}
	f.ent(dvsID, dvsID, "dvs-prod", model.Attrs{"mtu": "9000", "policy": "loadbalance_srcid", "lacp_api": "multipleLag"})
	lag := model.NewID(model.KindHostLAG, "dvs-1/lag1")
	f.ent(dvsID, lag, "lag1", model.Attrs{"mode": "active", "load_balance": "srcDestIpTcpUdpPortVlan"})
	f.rel(dvsID, dvsID, model.RelHasLAG, lag, nil)
	dbpg := model.NewID(model.KindPortgroup, "dvs-1/dvportgroup-30")
	f.ent(dvsID, dbpg, "db-130", model.Attrs{"type": "distributed", "vlan": "130", "active": "lag1", "policy": "loadbalance_srcid"})
	f.rel(dvsID, dbpg, model.RelMemberOf, dvsID, nil)
	for i, h := range []string{"esx01", "esx02"} {
		n := i + 1
		for j, leaf := range []string{"leaf1", "leaf2", "leaf1", "leaf2"} {
			pnic(h, fmt.Sprintf("vmnic%d", j), fmt.Sprintf("00:25:b5:%02x:00:%02x", n, j),
				model.Attrs{"cdp_device": leaf, "cdp_port": fmt.Sprintf("Ethernet1/%d", n+10*(j/2))})
		}
		pg := model.Attrs{"type": "standard", "active": "vmnic0", "standby": "vmnic1", "policy": "loadbalance_srcid", "mtu": "1500"}
		with := func(v string) model.Attrs {
			a := model.Attrs{"vlan": v}
			for k, x := range pg {
				a[k] = x
			}
			return a
		}
		vswitch(h, model.Attrs{"mtu": "1500", "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1"},
			[]string{"vmnic0", "vmnic1"}, map[string]model.Attrs{"app-110": with("110"), "web-120": with("120")})
		f.rel(hostID(h), hostID(h), model.RelHasSwitch, dvsID, nil)
		f.rel(dvsID, dvsID, model.RelUplink, pnicID(h, "vmnic2"), model.Attrs{"host": h, "uplink": "lag1-0", "lag": "lag1"})
		f.rel(dvsID, dvsID, model.RelUplink, pnicID(h, "vmnic3"), model.Attrs{"host": h, "uplink": "lag1-1", "lag": "lag1"})
	}
	pnic("esx03", "vmnic0", "00:25:b5:03:00:00", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Ethernet1/5"})
	pnic("esx03", "vmnic1", "00:25:b5:03:00:01", model.Attrs{"cdp_device": "leaf2", "cdp_port": "Ethernet1/5"})
	vswitch("esx03", model.Attrs{"mtu": "1500", "policy": "loadbalance_ip", "active": "vmnic0,vmnic1"}, []string{"vmnic0", "vmnic1"},
		map[string]model.Attrs{"dmz-140": {"type": "standard", "vlan": "140", "policy": "loadbalance_ip", "active": "vmnic0,vmnic1"}})
	pnic("esx04", "vmnic0", "00:25:b5:04:00:00", nil)
	for _, h := range []string{"esx01", "esx02", "esx03", "esx04"} {
		f.ent(hostID(h), hostID(h), h, model.Attrs{"connection": "connected", "vendor": "Dell Inc.", "model": "PowerEdge R650", "version": "8.0.2"})
	}
	webHost := "esx02"
	if later {
		webHost = "esx01"
	}
	vm := func(uuid, name, host, app string, pg model.ID, ip string) {
		id := vmID(uuid)
		f.ent(id, id, name, model.Attrs{"power": "poweredOn", "attr.app": app})
		f.rel(id, id, model.RelRunsOn, hostID(host), nil)
		nic := model.NewID(model.KindVNIC, uuid+"/4000")
		f.ent(id, nic, "Network adapter 1", model.Attrs{"label": "Network adapter 1", "connected": "true", "mac": "00:50:56:00:00:" + uuid[len(uuid)-2:]})
		f.rel(id, id, model.RelHasVNIC, nic, nil)
		f.rel(id, nic, model.RelAttached, pg, nil)
		f.rel(id, nic, model.RelHasIP, model.NewID(model.KindIP, ip), nil)
		f.ent(id, model.NewID(model.KindIP, ip), ip, model.Attrs{"family": "4"})
	}
	vm("u-01", "app1", "esx01", "shop", pgID("esx01", "app-110"), "10.0.110.11")
	vm("u-02", "web1", webHost, "shop", pgID(webHost, "web-120"), "10.0.120.12")
	vm("u-03", "db1", "esx01", "db", dbpg, "10.0.130.13")
	vm("u-04", "db2", "esx02", "db", dbpg, "10.0.130.14")
	vm("u-05", "../../etc/passwd", "esx03", "../../etc/passwd", pgID("esx03", "dmz-140"), "10.0.140.15")
	vm("u-06", "<b>x</b>|y", "esx03", "Zahlung/Ünï", pgID("esx03", "dmz-140"), "10.0.140.16")
	return f
}

// fabric states the switches; later is the state at t1.
func fabric(later bool) facts {
	var f facts
	trunk := func(allowed string) model.Attrs {
		return model.Attrs{"oper": "up", "admin": "up", "mtu": "9216", "speed_mbps": "25000", "mode": "trunk", "native_vlan": "1", "allowed_vlans": allowed}
	}
	for k, leaf := range []string{"leaf1", "leaf2"} {
		sw := model.NewID(model.KindSwitch, leaf)
		f.ent(sw, sw, leaf, model.Attrs{"vendor": "Cisco", "model": "N9K-C93180YC-FX", "version": "10.2(5)", "address": fmt.Sprintf("127.0.0.%d", 11+k)})
		owner := model.ID(string(sw) + "#if")
		port := func(id model.ID, name string, a model.Attrs) {
			f.ent(owner, id, name, a)
			f.rel(owner, sw, model.RelHasPort, id, nil)
		}
		for i, h := range []string{"esx01", "esx02"} {
			n := i + 1
			a := trunk("1,10,110,120")
			if later && leaf == "leaf1" && h == "esx01" {
				a["allowed_vlans"] = "1,10,120"
			}
			a["lldp_system"], a["lldp_port"] = h, fmt.Sprintf("vmnic%d", k)
			port(portID(leaf, fmt.Sprintf("Ethernet1/%d", n)), fmt.Sprintf("Ethernet1/%d", n), a)
			pc := fmt.Sprintf("Port-channel%d", 100+n)
			port(pcID(leaf, pc), pc, trunk("1,130"))
			m := model.Attrs{"oper": "up", "speed_mbps": "25000", "mtu": "9216", "lldp_system": h, "lldp_port": fmt.Sprintf("vmnic%d", 2+k)}
			port(portID(leaf, fmt.Sprintf("Ethernet1/%d", 10+n)), fmt.Sprintf("Ethernet1/%d", 10+n), m)
			f.rel(model.ID(string(sw)+"#lag"), portID(leaf, fmt.Sprintf("Ethernet1/%d", 10+n)), model.RelInLAG, pcID(leaf, pc), model.Attrs{"source": "lag-mib"})
		}
		a := trunk("1,10,140")
		a["lldp_system"], a["lldp_port"] = "esx03", fmt.Sprintf("vmnic%d", k)
		port(portID(leaf, "Ethernet1/5"), "Ethernet1/5", a)
		peer := []string{"leaf2", "leaf1"}[k]
		isl := trunk("1-4094")
		isl["lldp_system"], isl["lldp_port"] = peer, "Ethernet1/49"
		port(portID(leaf, "Ethernet1/49"), "Ethernet1/49", isl)
		port(portID(leaf, "Ethernet1/48"), "Ethernet1/48", model.Attrs{"oper": "down", "admin": "up", "mode": "access", "access_vlan": "10"})
		for _, v := range []int{1, 10, 110, 120, 130} {
			f.ent(model.ID(string(sw)+"#vlan"), model.NewID(model.KindVLAN, fmt.Sprintf("%s/%d", leaf, v)), fmt.Sprintf("VLAN%04d", v),
				model.Attrs{"vid": fmt.Sprint(v), "name": fmt.Sprintf("VLAN%04d", v)})
		}
	}
	return f
}

// apps is the configuration's applications rule: one application per
// value of the custom attribute app.
var apps = []correlate.AppRule{{FromAttribute: "app"}}

// scenario stores the data center at t0 and t1 and its traffic, and
// returns a query service over it.
func scenario(t testing.TB) *query.Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/doc.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, s := range []model.Snapshot{
		{Source: "fabric", Taken: t0, Facts: fabric(false)},
		{Source: "vc1", Taken: t0, Facts: vcenter(false)},
		{Source: "fabric", Taken: t1, Facts: fabric(true)},
		{Source: "vc1", Taken: t1, Facts: vcenter(true)},
	} {
		if _, err := st.Apply(ctx, s); err != nil {
			t.Fatalf("apply %s: %v", s.Source, err)
		}
	}
	vmEnd := func(uuid, app, ip string) flow.Endpoint {
		return flow.Endpoint{Class: flow.ClassVM, VM: string(vmID(uuid)), App: app, Addr: ip}
	}
	at := t1.Add(-30 * time.Minute)
	minutes := []flow.Minute{
		{Start: at, Src: vmEnd("u-01", "shop", "10.0.110.11"), Dst: vmEnd("u-03", "db", "10.0.130.13"), Proto: 6, DstPort: 5432, Bytes: 12_500_000, Packets: 9000, Flows: 40},
		{Start: at, Src: flow.Endpoint{Class: flow.ClassExternal, Addr: "198.51.100.7"}, Dst: vmEnd("u-02", "shop", "10.0.120.12"), Proto: 6, DstPort: 443, Bytes: 3_400_000, Packets: 2600, Flows: 120},
		{Start: at, Src: vmEnd("u-02", "shop", "10.0.120.12"), Dst: vmEnd("u-05", "../../etc/passwd", "10.0.140.15"), Proto: 17, DstPort: 53, Bytes: 48_000, Packets: 400, Flows: 200},
	}
	links := []flow.LinkMinute{
		{Start: at, Port: string(portID("leaf1", "Ethernet1/11")), Channel: string(pcID("leaf1", "Port-channel101")), Direction: flow.LinkIn, Bytes: 9_000_000, Packets: 7000},
		{Start: at, Port: string(portID("leaf1", "Ethernet1/11")), Channel: string(pcID("leaf1", "Port-channel101")), Direction: flow.LinkOut, Bytes: 4_000_000, Packets: 3000},
	}
	if err := st.WriteFlows(ctx, minutes, links); err != nil {
		t.Fatal(err)
	}
	return query.New(st, apps)
}

// site gathers and builds the documentation of the scenario at its latest
// change, with the change log since t0.
func site(t testing.TB, svc *query.Service) *doc.Site {
	t.Helper()
	in, err := doc.Gather(context.Background(), svc.Store, apps, doc.Options{Since: t0})
	if err != nil {
		t.Fatal(err)
	}
	return doc.Build(in)
}
