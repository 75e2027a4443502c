package graph

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func open(f model.Fact) model.Version { return model.Version{Fact: f, Source: "vc1", From: t0} }

// fixture is one host with a standard vSwitch (vmnic0 active, vmnic1
// standby for "Prod-110") and a distributed switch with a LAG on a second
// host, and three VMs.
func fixture() []model.Version {
	host := model.NewID(model.KindHost, "esx01")
	host2 := model.NewID(model.KindHost, "esx02")
	cl := model.NewID(model.KindCluster, "vc1/DC1/Prod")
	dc := model.NewID(model.KindDatacenter, "vc1/DC1")
	n0, n1 := model.NewID(model.KindPNIC, "esx01/vmnic0"), model.NewID(model.KindPNIC, "esx01/vmnic1")
	n2, n3 := model.NewID(model.KindPNIC, "esx01/vmnic2"), model.NewID(model.KindPNIC, "esx02/vmnic2")
	vs := model.NewID(model.KindVSwitch, "esx01/vSwitch0")
	pg := model.NewID(model.KindPortgroup, "esx01/Prod-110")
	dvs := model.NewID(model.KindDVSwitch, "50 11")
	dpg := model.NewID(model.KindPortgroup, "50 11/dvportgroup-9")
	lag := model.NewID(model.KindHostLAG, "50 11/lag1")
	vm := model.NewID(model.KindVM, "5001-aaaa")
	nic1, nic2 := model.NewID(model.KindVNIC, "5001-aaaa/4000"), model.NewID(model.KindVNIC, "5001-aaaa/4001")
	other := model.NewID(model.KindVM, "5002-bbbb")
	onic := model.NewID(model.KindVNIC, "5002-bbbb/4000")
	dup1, dup2 := model.NewID(model.KindVM, "5003-cccc"), model.NewID(model.KindVM, "5004-dddd")
	facts := []model.Fact{
		model.Entity(dc, dc, "DC1", nil),
		model.Entity(cl, cl, "Prod", nil),
		model.Relation(dc, dc, model.RelContains, cl, nil),
		model.Relation(cl, cl, model.RelContains, host, nil),
		model.Entity(host, host, "esx01", model.Attrs{"connection": "connected"}),
		model.Entity(host, n0, "vmnic0", model.Attrs{"device": "vmnic0", "mac": "00-25-B5-00-00-01", "link": "up", "speed_mbps": "25000",
			"cdp_device": "leaf1", "cdp_port": "Ethernet1/7", "lldp_system": "leaf1", "lldp_port": "Ethernet1/7", "lldp_chassis": "aa:bb:cc:00:00:01"}),
		model.Entity(host, n1, "vmnic1", model.Attrs{"device": "vmnic1", "mac": "0025.b500.0002", "link": "up", "speed_mbps": "25000"}),
		model.Entity(host, n2, "vmnic2", model.Attrs{"device": "vmnic2", "mac": "00:25:b5:00:00:03", "link": "up"}),
		model.Entity(host2, n3, "vmnic2", model.Attrs{"device": "vmnic2", "mac": "00:25:b5:00:00:13", "link": "up"}),
		model.Relation(host, host, model.RelHasPNIC, n0, nil),
		model.Relation(host, host, model.RelHasPNIC, n1, nil),
		model.Entity(host, vs, "vSwitch0", model.Attrs{"mtu": "1500"}),
		model.Relation(host, vs, model.RelUplink, n0, model.Attrs{"uplink": "vmnic0"}),
		model.Relation(host, vs, model.RelUplink, n1, model.Attrs{"uplink": "vmnic1"}),
		model.Entity(host, pg, "Prod-110", model.Attrs{"type": "standard", "vlan": "110", "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1"}),
		model.Relation(host, pg, model.RelMemberOf, vs, nil),
		model.Entity(dvs, dvs, "dvs-prod", model.Attrs{"mtu": "9000"}),
		model.Entity(dvs, lag, "lag1", model.Attrs{"mode": "active"}),
		model.Relation(dvs, dvs, model.RelHasLAG, lag, nil),
		model.Relation(dvs, dvs, model.RelUplink, n2, model.Attrs{"host": "esx01", "uplink": "lag1-0", "lag": "lag1"}),
		model.Relation(dvs, dvs, model.RelUplink, n3, model.Attrs{"host": "esx02", "uplink": "lag1-0", "lag": "lag1"}),
		model.Entity(dvs, dpg, "dv-trunk", model.Attrs{"type": "distributed", "trunk": "100-199,300", "active": "lag1"}),
		model.Relation(dvs, dpg, model.RelMemberOf, dvs, nil),
		model.Entity(vm, vm, "web01", model.Attrs{"power": "poweredOn", "uuid": "4201-bios", "attr.app": "shop", "tags": "env/prod"}),
		model.Relation(vm, vm, model.RelRunsOn, host, nil),
		model.Relation(vm, vm, model.RelHasVNIC, nic2, nil),
		model.Relation(vm, vm, model.RelHasVNIC, nic1, nil),
		model.Entity(vm, nic1, "", model.Attrs{"label": "Network adapter 1", "mac": "00:50:56:01:02:03", "connected": "true"}),
		model.Entity(vm, nic2, "", model.Attrs{"label": "Network adapter 2", "mac": "00:50:56:01:02:04", "connected": "false"}),
		model.Relation(vm, nic1, model.RelAttached, pg, nil),
		model.Relation(vm, nic2, model.RelAttached, dpg, nil),
		model.Relation(vm, nic1, model.RelHasIP, model.NewID(model.KindIP, "10.1.10.5"), nil),
		model.Relation(vm, nic1, model.RelHasIP, model.NewID(model.KindIP, "fe80::1"), nil),
		model.Entity(other, other, "db01", nil),
		model.Relation(other, other, model.RelHasVNIC, onic, nil),
		model.Entity(other, onic, "", model.Attrs{"mac": "00:50:56:09:09:09"}),
		model.Relation(other, onic, model.RelHasIP, model.NewID(model.KindIP, "10.1.10.5"), nil),
		model.Entity(dup1, dup1, "clone", nil),
		model.Entity(dup2, dup2, "clone", nil),
	}
	vs2 := make([]model.Version, len(facts))
	for i, f := range facts {
		vs2[i] = open(f)
	}
	return vs2
}

func TestFindVM(t *testing.T) {
	g := Build(t0, fixture())
	tests := []struct {
		name, q, wantVM, wantHow string
		wantErr                  error
	}{
		{"name", "web01", "vm:5001-aaaa", "name", nil},
		{"name case-insensitive", "WEB01", "vm:5001-aaaa", "name", nil},
		{"instance uuid", "5001-AAAA", "vm:5001-aaaa", "uuid", nil},
		{"instance uuid as id", "vm:5001-aaaa", "vm:5001-aaaa", "uuid", nil},
		{"bios uuid", "4201-bios", "vm:5001-aaaa", "uuid", nil},
		{"mac colon", "00:50:56:01:02:04", "vm:5001-aaaa", "mac", nil},
		{"mac cisco", "0050.5601.0203", "vm:5001-aaaa", "mac", nil},
		{"mac bare upper", "005056010203", "vm:5001-aaaa", "mac", nil},
		{"ipv6", "FE80::1", "vm:5001-aaaa", "ip", nil},
		{"ip shared by two VMs", "10.1.10.5", "", "", ErrAmbiguous},
		{"pnic mac is no VM", "00:25:b5:00:00:01", "", "", ErrNotFound},
		{"unknown name", "nope", "", "", ErrNotFound},
		{"empty", "  ", "", "", ErrNotFound},
		{"duplicate name", "clone", "", "", ErrAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, how, err := g.FindVM(tt.q)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("FindVM(%q) error = %v; want %v", tt.q, err, tt.wantErr)
			}
			if string(id) != tt.wantVM || how != tt.wantHow {
				t.Errorf("FindVM(%q) = %s by %s; want %s by %s", tt.q, id, how, tt.wantVM, tt.wantHow)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	loc, err := Build(t0, fixture()).Where("web01")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *loc.Host, (HostView{ID: "host:esx01", Name: "esx01", Connection: "connected", Cluster: "Prod", Datacenter: "DC1"}); got != want {
		t.Errorf("host = %+v; want %+v", got, want)
	}
	if got, want := loc.VM.Attrs, map[string]string{"app": "shop"}; !reflect.DeepEqual(got, want) {
		t.Errorf("custom attributes = %v; want %v", got, want)
	}
	if len(loc.VNICs) != 2 {
		t.Fatalf("got %d vNICs; want 2", len(loc.VNICs))
	}
	n1, n2 := loc.VNICs[0], loc.VNICs[1]
	if n1.Label != "Network adapter 1" || n1.MAC != "00:50:56:01:02:03" || !n1.Connected || !reflect.DeepEqual(n1.IPs, []string{"10.1.10.5", "fe80::1"}) {
		t.Errorf("vnic 1 = %+v", n1)
	}
	if n1.Portgroup.VLAN != "110" || n1.Portgroup.Name != "Prod-110" || n1.Switch.Name != "vSwitch0" || n1.Switch.Kind != model.KindVSwitch {
		t.Errorf("vnic 1 portgroup/switch = %+v %+v", n1.Portgroup, n1.Switch)
	}
	type up struct{ dev, role, mac string }
	var got []up
	for _, u := range n1.Uplinks {
		got = append(got, up{u.Device, u.Role, u.MAC})
	}
	want := []up{{"vmnic0", RoleActive, "00:25:b5:00:00:01"}, {"vmnic1", RoleStandby, "00:25:b5:00:00:02"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("vnic 1 uplinks = %v; want %v", got, want)
	}
	wantNb := []Neighbor{{Protocol: "cdp", Device: "leaf1", Port: "Ethernet1/7"}, {Protocol: "lldp", Device: "leaf1", Port: "Ethernet1/7", Chassis: "aa:bb:cc:00:00:01"}}
	if !reflect.DeepEqual(n1.Uplinks[0].Neighbors, wantNb) {
		t.Errorf("vmnic0 neighbours = %+v; want %+v", n1.Uplinks[0].Neighbors, wantNb)
	}
	if n2.Connected || n2.Portgroup.Trunk != "100-199,300" || n2.Switch.Kind != model.KindDVSwitch {
		t.Errorf("vnic 2 = %+v pg %+v sw %+v", n2, n2.Portgroup, n2.Switch)
	}
	if len(n2.Uplinks) != 1 {
		t.Fatalf("vnic 2 uplinks = %+v; want only esx01's LAG port", n2.Uplinks)
	}
	if u := n2.Uplinks[0]; u.ID != "pnic:esx01/vmnic2" || u.Role != RoleActive || u.LAG != "lag1" || u.LAGMode != "active" {
		t.Errorf("vnic 2 uplink = %+v; want esx01/vmnic2 active in lag1 (active)", u)
	}
}

func TestBuildIgnoresVersionsNotValid(t *testing.T) {
	vs := fixture()
	for i := range vs {
		if vs[i].Rel == model.RelRunsOn {
			vs[i].To = t0.Add(time.Hour)
		}
	}
	later := Build(t0.Add(2*time.Hour), vs)
	loc, err := later.Where("web01")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Host != nil {
		t.Errorf("host = %+v after the placement ended; want none", loc.Host)
	}
	if Build(t0.Add(-time.Second), vs).Len() != 0 {
		t.Error("graph before every fact is not empty")
	}
}

func TestHistory(t *testing.T) {
	vm := model.NewID(model.KindVM, "u1")
	h1, h2 := model.NewID(model.KindHost, "esx01"), model.NewID(model.KindHost, "esx02")
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	runs := func(h model.ID, from, to int) model.Version {
		v := model.Version{Fact: model.Relation(vm, vm, model.RelRunsOn, h, nil), Source: "vc1", From: at(from)}
		if to >= 0 {
			v.To = at(to)
		}
		return v
	}
	versions := []model.Version{
		runs(h2, 10, 20),
		runs(h1, 0, 10),
		runs(h1, 20, 30),
		runs(h1, 30, -1), // restated (attributes changed): same stay
		{Fact: model.Entity(vm, vm, "old-name", nil), From: at(0), To: at(15)},
		{Fact: model.Entity(vm, vm, "web01", nil), From: at(15)},
	}
	events := []model.Event{
		{Type: "DrsVmMigratedEvent", Time: at(10).Add(-20 * time.Second), Key: "1", Message: "DRS moved"},
		{Type: "VmMigratedEvent", Time: at(20).Add(5 * time.Second), Key: "2", User: "admin"},
		{Type: "VmPoweredOnEvent", Time: at(20), Key: "3"},
	}
	tl := History(vm, versions, events)
	if tl.Name != "web01" {
		t.Errorf("name = %q; want the latest, web01", tl.Name)
	}
	type stay struct {
		host     string
		from, to time.Time
		move     string
	}
	var got []stay
	for _, p := range tl.Placements {
		s := stay{host: p.HostName, from: p.From, to: p.To}
		if p.Move != nil {
			s.move = p.Move.Key
		}
		got = append(got, s)
	}
	want := []stay{{"esx01", at(0), at(10), ""}, {"esx02", at(10), at(20), "1"}, {"esx01", at(20), time.Time{}, "2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("placements:\n got %+v\nwant %+v", got, want)
	}
}

func FuzzFindVM(f *testing.F) {
	for _, s := range []string{"web01", "00:50:56:01:02:03", "0050.5601.0203", "10.1.10.5", "fe80::1", "vm:5001-aaaa", ""} {
		f.Add(s)
	}
	g := Build(t0, fixture())
	f.Fuzz(func(t *testing.T, q string) {
		id, _, err := g.FindVM(q)
		switch {
		case err == nil && id == "":
			t.Fatalf("FindVM(%q) found nothing without an error", q)
		case err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrAmbiguous):
			t.Fatalf("FindVM(%q) error %v is neither not-found nor ambiguous", q, err)
		}
		if m := model.NormalizeMAC(q); m != "" && model.NormalizeMAC(m) != m {
			t.Fatalf("NormalizeMAC is not idempotent on %q: %q then %q", q, m, model.NormalizeMAC(m))
		}
	})
}

func TestWherePorts(t *testing.T) {
	leaf1, leaf2 := model.NewID(model.KindSwitch, "leaf1"), model.NewID(model.KindSwitch, "leaf2")
	p7, p9 := model.NewID(model.KindPort, "leaf1/Ethernet1/7"), model.NewID(model.KindPort, "leaf2/Ethernet1/7")
	pc := model.NewID(model.KindPortChannel, "leaf2/Port-channel7")
	n0, n1 := model.NewID(model.KindPNIC, "esx01/vmnic0"), model.NewID(model.KindPNIC, "esx01/vmnic1")
	extra := []model.Fact{
		model.Entity(leaf1, leaf1, "leaf1", nil),
		model.Entity(leaf2, leaf2, "leaf2", nil),
		model.Relation(leaf1, leaf1, model.RelHasPort, p7, nil),
		model.Relation(leaf2, leaf2, model.RelHasPort, p9, nil),
		model.Entity(leaf1, p7, "Ethernet1/7", model.Attrs{"mode": "trunk", "allowed_vlans": "1-109,111-199"}),
		model.Entity(leaf2, p9, "Ethernet1/7", nil),
		model.Entity(leaf2, pc, "Port-channel7", model.Attrs{"mode": "trunk", "allowed_vlans": "100-199"}),
		model.Relation(leaf2, p9, model.RelInLAG, pc, nil),
		model.Relation(n0, n0, model.RelCabled, p7, model.Attrs{"evidence": "host-cdp,switch-lldp", "confidence": "high"}),
		model.Relation(n1, n1, model.RelCabled, p9, model.Attrs{"evidence": "switch-cdp", "confidence": "medium"}),
	}
	vs := fixture()
	for _, f := range extra {
		vs = append(vs, open(f))
	}
	loc, err := Build(t0, vs).Where("web01")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]PortView{}
	for _, u := range loc.VNICs[0].Uplinks {
		if len(u.Ports) != 1 {
			t.Fatalf("%s: %d ports; want 1", u.Device, len(u.Ports))
		}
		got[u.Device] = u.Ports[0]
	}
	want := map[string]PortView{
		"vmnic0": {ID: p7, Switch: "leaf1", Port: "Ethernet1/7", Mode: "trunk", Evidence: []string{"host-cdp", "switch-lldp"}, Confidence: "high", Carries: "no"},
		"vmnic1": {ID: p9, Switch: "leaf2", Port: "Ethernet1/7", PortChannel: "Port-channel7", Mode: "trunk", Evidence: []string{"switch-cdp"}, Confidence: "medium", Carries: "yes"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ports:\n got %+v\nwant %+v", got, want)
	}
}

func TestCarries(t *testing.T) {
	node := func(attrs model.Attrs) *Node { return &Node{Attrs: attrs} }
	tests := []struct {
		name string
		port *Node
		pg   PortgroupView
		want string
	}{
		{"no port", nil, PortgroupView{VLAN: "110"}, "unknown"},
		{"no mode", node(model.Attrs{}), PortgroupView{VLAN: "110"}, "unknown"},
		{"access on the VLAN", node(model.Attrs{"mode": "access", "access_vlan": "110"}), PortgroupView{VLAN: "110"}, "yes"},
		{"access on another VLAN", node(model.Attrs{"mode": "access", "access_vlan": "120"}), PortgroupView{VLAN: "110"}, "no"},
		{"trunk allowing it", node(model.Attrs{"mode": "trunk", "allowed_vlans": "1-4094"}), PortgroupView{VLAN: "110"}, "yes"},
		{"trunk not allowing it", node(model.Attrs{"mode": "trunk", "allowed_vlans": "1-100, 200"}), PortgroupView{VLAN: "110"}, "no"},
		{"trunk port group fully allowed", node(model.Attrs{"mode": "trunk", "allowed_vlans": "100-199,300"}), PortgroupView{Trunk: "100-199,300"}, "yes"},
		{"trunk port group partly allowed", node(model.Attrs{"mode": "trunk", "allowed_vlans": "100-150"}), PortgroupView{Trunk: "100-199"}, "no"},
		{"untagged port group on the native VLAN", node(model.Attrs{"mode": "trunk", "native_vlan": "10", "allowed_vlans": "10,20"}), PortgroupView{VLAN: "0"}, "yes"},
		{"garbage allowed list", node(model.Attrs{"mode": "trunk", "allowed_vlans": "all"}), PortgroupView{VLAN: "110"}, "unknown"},
	}
	for _, tt := range tests {
		if got := carries(tt.port, &tt.pg); got != tt.want {
			t.Errorf("%s: carries = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzVLANSubset(f *testing.F) {
	f.Add("110", "1-109,111-4094")
	f.Add("100-199,300", " 100-300 ")
	f.Fuzz(func(t *testing.T, want, have string) {
		if len(want) > 64 || len(have) > 64 {
			return
		}
		if _, err := vlanSubset(want, have); err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}
