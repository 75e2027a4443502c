package graph

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

var (
	leaf1Port = model.NewID(model.KindPort, "leaf1/Ethernet1/7")
	leaf2PC   = model.NewID(model.KindPortChannel, "leaf2/Port-channel7")
	web01     = model.NewID(model.KindVM, "5001-aaaa")
)

// trunk is what SNMP says of a switch port's (or port-channel's) VLANs.
func trunk(port model.ID, allowed string) model.Fact {
	sw, name, _ := strings.Cut(port.Key(), "/")
	return model.Entity(model.NewID(model.KindSwitch, sw), port, name, model.Attrs{"mode": "trunk", "allowed_vlans": allowed})
}

// internalPortgroup puts web02 on esx01's vSwitch1, which has no uplink.
func internalPortgroup() []model.Fact {
	host := model.NewID(model.KindHost, "esx01")
	vs := model.NewID(model.KindVSwitch, "esx01/vSwitch1")
	pg := model.NewID(model.KindPortgroup, "esx01/Internal")
	vm := model.NewID(model.KindVM, "5005-eeee")
	nic := model.NewID(model.KindVNIC, "5005-eeee/4000")
	return []model.Fact{
		model.Entity(host, vs, "vSwitch1", nil),
		model.Entity(host, pg, "Internal", model.Attrs{"type": "standard", "vlan": "50"}),
		model.Relation(host, pg, model.RelMemberOf, vs, nil),
		model.Entity(vm, vm, "web02", nil),
		model.Relation(vm, vm, model.RelRunsOn, host, nil),
		model.Relation(vm, vm, model.RelHasVNIC, nic, nil),
		model.Entity(vm, nic, "", model.Attrs{"label": "Network adapter 1", "connected": "true"}),
		model.Relation(vm, nic, model.RelAttached, pg, nil),
	}
}

func TestWorkingPath(t *testing.T) {
	vmnic0Down := model.Entity(model.NewID(model.KindHost, "esx01"), model.NewID(model.KindPNIC, "esx01/vmnic0"), "vmnic0", model.Attrs{"device": "vmnic0", "link": "down"})
	tests := []struct {
		name   string
		vm     string
		extra  []model.Fact
		state  string
		reason string
		drops  int
	}{
		{"switches did not report VLANs", "web01", nil, PathUnknown, "did not report their VLANs", 0},
		{"active uplink carries", "web01", []model.Fact{trunk(leaf1Port, "1-200"), trunk(leaf2PC, "1-200")}, PathWorks, "", 0},
		{"active uplink drops, standby carries but does not take over", "web01", []model.Fact{trunk(leaf1Port, "1-100"), trunk(leaf2PC, "110")}, PathNone,
			"Network adapter 1: VLAN 110 of Prod-110 is not allowed on vmnic0 (active) → leaf1 Ethernet1/7; the standby vmnic1 does not take over while the active link is up", 1},
		{"active link down: the standby carries", "web01", []model.Fact{trunk(leaf1Port, "1-100"), trunk(leaf2PC, "110"), vmnic0Down}, PathWorks, "", 0},
		{"active link down: the standby drops (its port-channel's VLANs)", "web01", []model.Fact{trunk(leaf1Port, "110"), trunk(leaf2PC, "1-100"), vmnic0Down}, PathNone,
			"VLAN 110 of Prod-110 is not allowed on vmnic1 (standby) → leaf2 Ethernet1/7", 1},
		{"port group with no uplink on the host", "web02", internalPortgroup(), PathNone,
			"Network adapter 1: port group Internal has no uplink on esx01: its traffic cannot leave the host", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Build(t0, cabledFixture(tt.extra...))
			loc, err := g.Where(tt.vm)
			if err != nil {
				t.Fatal(err)
			}
			got := loc.WorkingPath
			if got.State != tt.state || !strings.Contains(got.Reason, tt.reason) || len(got.Drops) != tt.drops {
				t.Errorf("working path = %+v; want %s, reason with %q, %d drop(s)", got, tt.state, tt.reason, tt.drops)
			}
			if nic := loc.VNICs[0]; nic.WorkingPath == nil || nic.WorkingPath.State != tt.state {
				t.Errorf("%s working path = %+v; want %s", nic.Label, nic.WorkingPath, tt.state)
			}
			cut := g.CutOff(model.NewID(model.KindHost, "esx01"))
			if (tt.state == PathNone) != (len(cut) == 1 && cut[0].Name == tt.vm) || len(g.CutOff("")) != len(cut) {
				t.Errorf("CutOff = %+v; want %s listed: %v", cut, tt.vm, tt.state == PathNone)
			}
		})
	}
}

// TestImpactAppliesCarries: a VM whose remaining uplink drops its VLAN is
// DOWN, not DEGRADED.
func TestImpactAppliesCarries(t *testing.T) {
	tests := []struct {
		name, target   string
		extra          []model.Fact
		down, degraded []string
	}{
		{"the standby left carries", "switch:leaf1", []model.Fact{trunk(leaf1Port, "110"), trunk(leaf2PC, "110")},
			nil, []string{"web01: Network adapter 1 on Prod-110: lost vmnic0 (active), left vmnic1 (standby)"}},
		{"the standby left drops the VLAN", "switch:leaf1", []model.Fact{trunk(leaf1Port, "110"), trunk(leaf2PC, "1-100")},
			[]string{"web01: Network adapter 1 on Prod-110: lost vmnic0 (active), left vmnic1 (standby), but VLAN 110 of Prod-110 is not allowed on vmnic1 (standby) → leaf2 Ethernet1/7"}, nil},
		{"the active left drops the VLAN", "switch:leaf2", []model.Fact{trunk(leaf1Port, "1-100"), trunk(leaf2PC, "110")},
			[]string{"web01: Network adapter 1 on Prod-110: lost vmnic1 (standby), left vmnic0 (active), but VLAN 110 of Prod-110 is not allowed on vmnic0 (active) → leaf1 Ethernet1/7 (no working path before the failure either)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(t0, cabledFixture(tt.extra...)).Impact(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(r.Down); !reflect.DeepEqual(got, tt.down) {
				t.Errorf("down = %q; want %q", got, tt.down)
			}
			if got := summary(r.Degraded); !reflect.DeepEqual(got, tt.degraded) {
				t.Errorf("degraded = %q; want %q", got, tt.degraded)
			}
		})
	}
}

func summary(l []VMImpact) []string {
	var s []string
	for _, v := range l {
		s = append(s, v.Name+": "+v.Reasons[0])
	}
	return s
}

// spines links leaf1 and leaf2 (Ethernet1/49, and Ethernet1/50 with two
// spines) to spine1 (and spine2), each leaf on the spine's Ethernet1/N.
func spines(n int) []model.Fact {
	var fs []model.Fact
	for s := 1; s <= n; s++ {
		sp := model.NewID(model.KindSwitch, "spine"+string(rune('0'+s)))
		fs = append(fs, model.Entity(sp, sp, sp.Key(), nil))
		for l := 1; l <= 2; l++ {
			leaf := model.NewID(model.KindSwitch, "leaf"+string(rune('0'+l)))
			up := model.NewID(model.KindPort, leaf.Key()+"/Ethernet1/"+string(rune('0'+s))+"9")
			down := model.NewID(model.KindPort, sp.Key()+"/Ethernet1/"+string(rune('0'+l)))
			fs = append(fs,
				model.Relation(sp, sp, model.RelHasPort, down, nil),
				model.Relation(leaf, leaf, model.RelHasPort, up, nil),
				model.Relation(leaf, up, model.RelLink, down, nil),
				model.Relation(sp, down, model.RelLink, up, nil),
			)
		}
	}
	return append(fs, trunk(leaf1Port, "110"), trunk(leaf2PC, "110"))
}

func TestImpactFabric(t *testing.T) {
	tests := []struct {
		name, target string
		spines       int
		fabric       []SwitchImpact
		down         []string
	}{
		{"one spine of two: the leaves lose an uplink", "switch:spine1", 2, []SwitchImpact{
			{Switch: "leaf1", State: FabricDegraded, Lost: []Hop{{FromSwitch: "leaf1", FromPort: "Ethernet1/19", ToSwitch: "spine1", ToPort: "Ethernet1/1"}}, Left: 1},
			{Switch: "leaf2", State: FabricDegraded, Lost: []Hop{{FromSwitch: "leaf2", FromPort: "Ethernet1/19", ToSwitch: "spine1", ToPort: "Ethernet1/2"}}, Left: 1},
		}, nil},
		{"the only spine: the leaves are isolated", "switch:spine1", 1, []SwitchImpact{
			{Switch: "leaf1", State: FabricIsolated, Lost: []Hop{{FromSwitch: "leaf1", FromPort: "Ethernet1/19", ToSwitch: "spine1", ToPort: "Ethernet1/1"}}, CutOff: []string{"leaf2"}},
			{Switch: "leaf2", State: FabricIsolated, Lost: []Hop{{FromSwitch: "leaf2", FromPort: "Ethernet1/19", ToSwitch: "spine1", ToPort: "Ethernet1/2"}}, CutOff: []string{"leaf1"}},
		}, []string{"web01: Network adapter 1 on Prod-110: its switch leaf1 is cut off from the rest of the fabric: traffic beyond it (other racks, routed) is lost"}},
		{"a leaf uplink port", "port:leaf1/Ethernet1/19", 2, []SwitchImpact{
			{Switch: "leaf1", State: FabricDegraded, Lost: []Hop{{FromSwitch: "leaf1", FromPort: "Ethernet1/19", ToSwitch: "spine1", ToPort: "Ethernet1/1"}}, Left: 1},
			{Switch: "spine1", State: FabricDegraded, Lost: []Hop{{FromSwitch: "spine1", FromPort: "Ethernet1/1", ToSwitch: "leaf1", ToPort: "Ethernet1/19"}}, Left: 1},
		}, nil},
		{"a host: no fabric", "host:esx01", 1, []SwitchImpact{}, []string{"web01: host esx01 down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(t0, cabledFixture(spines(tt.spines)...)).Impact(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Fabric, tt.fabric) {
				t.Errorf("fabric:\n got %+v\nwant %+v", r.Fabric, tt.fabric)
			}
			if got := summary(r.Down); !reflect.DeepEqual(got, tt.down) {
				t.Errorf("down = %q; want %q", got, tt.down)
			}
		})
	}
}
