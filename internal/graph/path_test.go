package graph

import (
	"reflect"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

// pathFixture: esx01 and esx02, each with vSwitch0 (vmnic0 active) and
// port groups VLAN 110 and 120; esx01's vmnic0 on leaf1, esx02's on leaf3,
// leaf1 and leaf3 joined through spine1. VMs a and c on esx01 (VLAN 110),
// b on esx02 (VLAN 110), d on esx02 (VLAN 120).
func pathFixture() []model.Version {
	var fs []model.Fact
	sw := func(name string) model.ID { return model.NewID(model.KindSwitch, name) }
	port := func(s, p string) model.ID { return model.NewID(model.KindPort, s+"/"+p) }
	for _, s := range []string{"leaf1", "leaf3", "spine1"} {
		fs = append(fs, model.Entity(sw(s), sw(s), s, nil))
	}
	addPort := func(s, p string) model.ID {
		id := port(s, p)
		fs = append(fs, model.Relation(sw(s), sw(s), model.RelHasPort, id, nil), model.Entity(sw(s), id, p, nil))
		return id
	}
	isl := func(a, ap, b, bp string) {
		x, y := addPort(a, ap), addPort(b, bp)
		fs = append(fs, model.Relation(x, x, model.RelLink, y, nil), model.Relation(y, y, model.RelLink, x, nil))
	}
	isl("leaf1", "Ethernet1/49", "spine1", "Ethernet1/1")
	isl("spine1", "Ethernet1/2", "leaf3", "Ethernet1/49")
	for h, leaf := range map[string]string{"esx01": "leaf1", "esx02": "leaf3"} {
		host := model.NewID(model.KindHost, h)
		vs := model.NewID(model.KindVSwitch, h+"/vSwitch0")
		nic := model.NewID(model.KindPNIC, h+"/vmnic0")
		fs = append(fs, model.Entity(host, host, h, nil), model.Entity(host, vs, "vSwitch0", nil),
			model.Entity(host, nic, "vmnic0", model.Attrs{"device": "vmnic0"}),
			model.Relation(host, vs, model.RelUplink, nic, model.Attrs{"uplink": "vmnic0"}),
			model.Relation(nic, nic, model.RelCabled, addPort(leaf, "Ethernet1/1"), model.Attrs{"confidence": "high"}))
		for _, vlan := range []string{"110", "120"} {
			pg := model.NewID(model.KindPortgroup, h+"/v"+vlan)
			fs = append(fs, model.Entity(host, pg, "v"+vlan, model.Attrs{"vlan": vlan}), model.Relation(host, pg, model.RelMemberOf, vs, nil))
		}
	}
	for name, where := range map[string][2]string{"a": {"esx01", "110"}, "b": {"esx02", "110"}, "c": {"esx01", "110"}, "d": {"esx02", "120"}} {
		vm := model.NewID(model.KindVM, "uuid-"+name)
		vnic := model.NewID(model.KindVNIC, "uuid-"+name+"/4000")
		fs = append(fs, model.Entity(vm, vm, name, nil),
			model.Relation(vm, vm, model.RelRunsOn, model.NewID(model.KindHost, where[0]), nil),
			model.Relation(vm, vm, model.RelHasVNIC, vnic, nil),
			model.Entity(vm, vnic, "", model.Attrs{"label": "Network adapter 1", "connected": "true"}),
			model.Relation(vm, vnic, model.RelAttached, model.NewID(model.KindPortgroup, where[0]+"/v"+where[1]), nil))
	}
	vs := make([]model.Version, len(fs))
	for i, f := range fs {
		vs[i] = open(f)
	}
	return vs
}

func TestPath(t *testing.T) {
	g := Build(t0, pathFixture())
	tests := []struct {
		name, a, b, kind string
		switches         []string
		hops             int
	}{
		{"across the fabric", "a", "b", PathL2, []string{"leaf1", "spine1", "leaf3"}, 2},
		{"the other way", "b", "a", PathL2, []string{"leaf3", "spine1", "leaf1"}, 2},
		{"same host", "a", "c", PathSameHost, nil, 0},
		{"different VLANs", "a", "d", PathRouted, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := g.Path(tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != tt.kind || !reflect.DeepEqual(r.Switches, tt.switches) || len(r.Hops) != tt.hops {
				t.Errorf("path %s→%s = %s via %v (%d hops, note %q); want %s via %v (%d hops)", tt.a, tt.b, r.Kind, r.Switches, len(r.Hops), r.Note, tt.kind, tt.switches, tt.hops)
			}
		})
	}
	r, _ := g.Path("a", "b")
	if want := (Hop{FromSwitch: "leaf1", FromPort: "Ethernet1/49", ToSwitch: "spine1", ToPort: "Ethernet1/1"}); r.Hops[0] != want {
		t.Errorf("first hop = %+v; want %+v", r.Hops[0], want)
	}
	if r.A.Host != "esx01" || r.A.VLAN != "110" || len(r.A.Uplinks) != 1 || r.A.Uplinks[0].Port != "Ethernet1/1" {
		t.Errorf("endpoint a = %+v", r.A)
	}
	if _, err := g.Path("a", "nosuch"); err == nil {
		t.Error("a path to an unknown VM succeeded")
	}
}

func TestAppPaths(t *testing.T) {
	vs := pathFixture()
	front, back := model.NewID(model.KindApplication, "front"), model.NewID(model.KindApplication, "back")
	for _, f := range []model.Fact{
		model.Entity(front, front, "front", nil),
		model.Relation(front, front, model.RelContains, model.NewID(model.KindVM, "uuid-a"), nil),
		model.Relation(front, front, model.RelContains, model.NewID(model.KindVM, "uuid-c"), nil),
		model.Entity(back, back, "back", nil),
		model.Relation(back, back, model.RelContains, model.NewID(model.KindVM, "uuid-b"), nil),
		model.Relation(back, back, model.RelContains, model.NewID(model.KindVM, "uuid-d"), nil),
	} {
		vs = append(vs, open(f))
	}
	g := Build(t0, vs)
	paths, truncated, err := g.AppPaths("front", "back")
	if err != nil || truncated {
		t.Fatalf("AppPaths: %v (truncated %v)", err, truncated)
	}
	var got []string
	for _, p := range paths {
		got = append(got, p.A.Name+"→"+p.B.Name+" "+p.Kind)
	}
	want := []string{"a→b l2", "a→d routed", "c→b l2", "c→d routed"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paths = %v; want %v", got, want)
	}
	if ps, _, err := g.AppPaths("front", "b"); err != nil || len(ps) != 2 {
		t.Errorf("application to VM: %d paths, %v; want 2", len(ps), err)
	}
	if _, _, err := g.AppPaths("front", "nosuch"); err == nil {
		t.Error("a path to nothing succeeded")
	}
}

// TestPathUnknownSides: the note names the side whose switches are
// unknown, or says both; a side with no working path says so.
func TestPathUnknownSides(t *testing.T) {
	drop := func(versions []model.Version, host string) []model.Version {
		var out []model.Version
		for _, v := range versions {
			if v.Fact.Rel == model.RelCabled && v.Fact.Subject == model.NewID(model.KindPNIC, host+"/vmnic0") {
				continue
			}
			out = append(out, v)
		}
		return out
	}
	tests := []struct {
		name     string
		versions []model.Version
		note     string
	}{
		{"b's side", drop(pathFixture(), "esx02"), "the switch side of b is unknown (no cabling found for its uplinks)"},
		{"both sides", drop(drop(pathFixture(), "esx02"), "esx01"), "the switch side of both VMs is unknown (no cabling found for their uplinks)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(t0, tt.versions).Path("a", "b")
			if err != nil {
				t.Fatal(err)
			}
			if r.Note != tt.note {
				t.Errorf("note = %q; want %q", r.Note, tt.note)
			}
		})
	}
	leaf1 := model.NewID(model.KindSwitch, "leaf1")
	p := model.NewID(model.KindPort, "leaf1/Ethernet1/1")
	r, err := Build(t0, append(pathFixture(), open(model.Entity(leaf1, p, "Ethernet1/1", model.Attrs{"mode": "access", "access_vlan": "120"})))).Path("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	if w := r.A.WorkingPath; w == nil || w.State != PathNone || w.Reason != "VLAN 110 of v110 is not allowed on vmnic0 (active) → leaf1 Ethernet1/1" {
		t.Errorf("a's working path = %+v; want none: VLAN 110 not allowed on leaf1 Ethernet1/1", w)
	}
}
