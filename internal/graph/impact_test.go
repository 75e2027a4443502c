package graph

import (
	"errors"
	"reflect"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

// cabledFixture is fixture() with esx01's vmnic0 on leaf1 Ethernet1/7 and
// vmnic1 on leaf2 Ethernet1/7 (a member of leaf2's Port-channel7), so
// web01's "Prod-110" vNIC has its active and standby uplinks on two switches.
func cabledFixture(extra ...model.Fact) []model.Version {
	leaf1, leaf2 := model.NewID(model.KindSwitch, "leaf1"), model.NewID(model.KindSwitch, "leaf2")
	p1, p2 := model.NewID(model.KindPort, "leaf1/Ethernet1/7"), model.NewID(model.KindPort, "leaf2/Ethernet1/7")
	pc := model.NewID(model.KindPortChannel, "leaf2/Port-channel7")
	n0, n1 := model.NewID(model.KindPNIC, "esx01/vmnic0"), model.NewID(model.KindPNIC, "esx01/vmnic1")
	facts := append([]model.Fact{
		model.Entity(leaf1, leaf1, "leaf1", nil),
		model.Entity(leaf2, leaf2, "leaf2", nil),
		model.Relation(leaf1, leaf1, model.RelHasPort, p1, nil),
		model.Relation(leaf2, leaf2, model.RelHasPort, p2, nil),
		model.Relation(leaf2, leaf2, model.RelHasPort, pc, nil),
		model.Entity(leaf1, p1, "Ethernet1/7", nil),
		model.Entity(leaf2, p2, "Ethernet1/7", nil),
		model.Entity(leaf2, pc, "Port-channel7", nil),
		model.Relation(leaf2, p2, model.RelInLAG, pc, nil),
		model.Relation(n0, n0, model.RelCabled, p1, model.Attrs{"confidence": "high"}),
		model.Relation(n1, n1, model.RelCabled, p2, model.Attrs{"confidence": "high"}),
	}, extra...)
	vs := fixture()
	for _, f := range facts {
		vs = append(vs, open(f))
	}
	return vs
}

func TestImpact(t *testing.T) {
	tests := []struct {
		name           string
		target         string
		extra          []model.Fact
		down, degraded []string // VM name: first reason
		failed         int
	}{
		{"active uplink pNIC", "pnic:esx01/vmnic0", nil, nil, []string{"web01: Network adapter 1 on Prod-110: lost vmnic0 (active), left vmnic1 (standby)"}, 1},
		{"standby's switch", "switch:leaf2", nil, nil, []string{"web01: Network adapter 1 on Prod-110: lost vmnic1 (standby), left vmnic0 (active)"}, 4},
		{"port in a short spelling", "port:leaf1/Eth1/7", nil, nil, []string{"web01: Network adapter 1 on Prod-110: lost vmnic0 (active), left vmnic1 (standby)"}, 2},
		{"port-channel takes its members", "lag:leaf2/Po7", nil, nil, []string{"web01: Network adapter 1 on Prod-110: lost vmnic1 (standby), left vmnic0 (active)"}, 3},
		{"host", "host:esx01", nil, []string{"web01: host esx01 down"}, nil, 1},
		{"VLAN", "vlan:110", nil, []string{"web01: Network adapter 1: VLAN 110 down"}, nil, 0},
		{"VLAN nobody uses", "vlan:999", nil, nil, nil, 0},
		{"last uplink left, the other already down", "pnic:esx01/vmnic0",
			[]model.Fact{model.Entity(model.NewID(model.KindHost, "esx01"), model.NewID(model.KindPNIC, "esx01/vmnic1"), "vmnic1", model.Attrs{"link": "down"})},
			[]string{"web01: Network adapter 1 on Prod-110: lost vmnic0 (active), no uplink left"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(t0, cabledFixture(tt.extra...)).Impact(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			summary := func(l []VMImpact) []string {
				var s []string
				for _, v := range l {
					s = append(s, v.Name+": "+v.Reasons[0])
				}
				return s
			}
			if got := summary(r.Down); !reflect.DeepEqual(got, tt.down) {
				t.Errorf("down = %q; want %q", got, tt.down)
			}
			if got := summary(r.Degraded); !reflect.DeepEqual(got, tt.degraded) {
				t.Errorf("degraded = %q; want %q", got, tt.degraded)
			}
			if len(r.Failed) != tt.failed {
				t.Errorf("failed = %v; want %d entities", r.Failed, tt.failed)
			}
		})
	}
}

func TestImpactBadTargets(t *testing.T) {
	g := Build(t0, cabledFixture())
	for target, want := range map[string]error{
		"leaf1":             ErrBadTarget,
		"switch:":           ErrBadTarget,
		"rack:3":            ErrBadTarget,
		"vlan:5000":         ErrBadTarget,
		"switch:leaf9":      ErrNotFound,
		"port:leaf1":        ErrNotFound,
		"port:leaf1/Eth1/9": ErrNotFound,
		"host:esx99":        ErrNotFound,
		"pnic:esx01/vmnic9": ErrNotFound,
	} {
		if _, err := g.Impact(target); !errors.Is(err, want) {
			t.Errorf("Impact(%q) error = %v; want %v", target, err, want)
		}
	}
}

func TestImpactApplications(t *testing.T) {
	shop, solo := model.NewID(model.KindApplication, "shop"), model.NewID(model.KindApplication, "solo")
	web01, db01 := model.NewID(model.KindVM, "5001-aaaa"), model.NewID(model.KindVM, "5002-bbbb")
	g := Build(t0, cabledFixture(
		model.Entity(shop, shop, "shop", nil),
		model.Relation(shop, shop, model.RelContains, web01, nil),
		model.Relation(shop, shop, model.RelContains, db01, nil),
		model.Entity(solo, solo, "solo", nil),
		model.Relation(solo, solo, model.RelContains, web01, nil),
	))
	r, err := g.Impact("host:esx01")
	if err != nil {
		t.Fatal(err)
	}
	want := []AppImpact{
		{Name: "solo", State: "down", VMs: 1, Down: 1},
		{Name: "shop", State: "degraded", VMs: 2, Down: 1},
	}
	if !reflect.DeepEqual(r.Applications, want) {
		t.Errorf("applications = %+v; want %+v", r.Applications, want)
	}
	loc, err := g.Where("web01")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loc.VM.Applications, []string{"shop", "solo"}) {
		t.Errorf("where: applications = %v; want [shop solo]", loc.VM.Applications)
	}
}

func TestAttachment(t *testing.T) {
	got := Build(t0, cabledFixture()).Attachment(model.NewID(model.KindVM, "5001-aaaa"))
	want := []Attachment{
		{VNIC: "Network adapter 1", Portgroup: "Prod-110", VLAN: "110", PNIC: "vmnic0", Role: RoleActive, Switch: "leaf1", Port: "Ethernet1/7"},
		{VNIC: "Network adapter 1", Portgroup: "Prod-110", VLAN: "110", PNIC: "vmnic1", Role: RoleStandby, Switch: "leaf2", Port: "Ethernet1/7", PortChannel: "Port-channel7"},
		{VNIC: "Network adapter 2", Portgroup: "dv-trunk", VLAN: "100-199,300", PNIC: "vmnic2", Role: RoleActive},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("attachment:\n got %+v\nwant %+v", got, want)
	}
}

func TestWhereMAC(t *testing.T) {
	mac := model.NewID(model.KindMAC, "00:25:b5:00:00:01")
	p1, p2 := model.NewID(model.KindPort, "leaf1/Ethernet1/7"), model.NewID(model.KindPort, "leaf2/Ethernet1/7")
	isl := model.NewID(model.KindPort, "leaf2/Ethernet1/49")
	g := Build(t0, cabledFixture(
		model.Relation("switch:leaf1", p1, model.RelLearned, mac, model.Attrs{"vlan": "10"}),
		model.Relation("switch:leaf2", isl, model.RelLearned, mac, model.Attrs{"vlan": "10"}),
		model.Relation("switch:leaf2", isl, model.RelLink, model.NewID(model.KindPort, "leaf1/Ethernet1/49"), nil),
		model.Relation("switch:leaf2", p2, model.RelLearned, model.NewID(model.KindMAC, "02:00:00:00:00:99"), model.Attrs{"vlan": "20"}),
	))
	got := g.WhereMAC("0025.b500.0001")
	want := &MACLocation{MAC: "00:25:b5:00:00:01", PNIC: "pnic:esx01/vmnic0", Learned: []LearnedOn{
		{Switch: "leaf1", Port: "Ethernet1/7", VLAN: "10", Edge: true},
		{Switch: "leaf2", Port: "Ethernet1/49", VLAN: "10", Edge: false},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WhereMAC = %+v; want %+v", got, want)
	}
	if got := g.WhereMAC("02:00:00:00:00:99"); got == nil || got.PNIC != "" || got.Learned[0].PortChannel != "Port-channel7" {
		t.Errorf("unknown MAC behind a port-channel member = %+v", got)
	}
	if g.WhereMAC("02:00:00:00:00:98") != nil || g.WhereMAC("web01") != nil {
		t.Error("a MAC nobody has, or no MAC at all, was found")
	}
}
