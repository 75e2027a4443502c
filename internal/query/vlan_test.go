package query

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// t2 is after the scenario's last snapshot: leaf2 Ethernet1/1 (esx01's
// standby uplink for app-110) then allows VLAN 120 only, and leaf1 defines
// VLAN 110 "apps".
var t2 = t1.Add(time.Hour)

func scenarioWithGap(t *testing.T) *Service {
	t.Helper()
	q := scenario(t)
	f := fabric()
	for i := range f {
		if f[i].Subject == model.NewID(model.KindPort, "leaf2/Ethernet1/1") && !f[i].IsRelation() {
			f[i].Attrs = model.Attrs{"mode": "trunk", "allowed_vlans": "120"}
		}
	}
	v := model.NewID(model.KindVLAN, "leaf1/110")
	f.entity(model.NewID(model.KindSwitch, "leaf1"), v, "110", model.Attrs{"vid": "110", "name": "apps"})
	if _, err := q.Store.Apply(context.Background(), model.Snapshot{Source: "fabric", Taken: t2, Facts: f}); err != nil {
		t.Fatal(err)
	}
	return q
}

func TestVLANPage(t *testing.T) {
	q := scenarioWithGap(t)
	ctx := context.Background()
	a, err := q.VLAN(ctx, "vlan 110", t2)
	if err != nil {
		t.Fatal(err)
	}
	if a.VID != 110 || !reflect.DeepEqual(a.Names, []string{"apps"}) {
		t.Errorf("VLAN 110: vid %d names %v; want 110 [apps]", a.VID, a.Names)
	}
	carried := map[string][]string{}
	defined := map[string]bool{}
	for _, s := range a.Switches {
		defined[s.Name] = s.Defined
		for _, p := range s.Ports {
			carried[s.Name] = append(carried[s.Name], p.Name)
		}
	}
	wantCarried := map[string][]string{
		"leaf1": {"Ethernet1/1", "Ethernet1/2", "Ethernet1/3", "Ethernet1/4", "Ethernet1/5", "Port-channel20"},
		"leaf2": {"Ethernet1/2", "Port-channel20"},
	}
	if !reflect.DeepEqual(carried, wantCarried) {
		t.Errorf("carried = %v; want %v", carried, wantCarried)
	}
	if !defined["leaf1"] || defined["leaf2"] {
		t.Errorf("defined = %v; want leaf1 only", defined)
	}
	wantGaps := []VLANGap{{Host: "esx01", Portgroup: "app-110", VLAN: "110", PNIC: "vmnic1", Role: graph.RoleStandby, Switch: "leaf2", Port: "Ethernet1/1"}}
	if !reflect.DeepEqual(a.Gaps, wantGaps) {
		t.Errorf("gaps = %+v; want %+v", a.Gaps, wantGaps)
	}
	states := map[string]string{}
	for _, h := range a.Hosts {
		states[h.Host] = h.State
	}
	if want := map[string]string{"esx01": VLANStateGap, "esx02": VLANStateOK}; !reflect.DeepEqual(states, want) {
		t.Errorf("host states = %v; want %v", states, want)
	}
	if a.VMCount != 1 || a.VMs[0].Name != "app1" {
		t.Errorf("VMs = %+v (%d); want app1", a.VMs, a.VMCount)
	}
	if len(a.Portgroups) != 2 || a.Portgroups[0].Name != "app-110" {
		t.Errorf("port groups = %+v; want app-110 on esx01 and esx02", a.Portgroups)
	}
	// VLAN 120: on the leaf pair's bundle, db1's port group, defined nowhere
	// while leaf1 reports its VLANs.
	b, err := q.VLAN(ctx, "120", t2)
	if err != nil {
		t.Fatal(err)
	}
	if !b.OnNoSwitch || len(b.Gaps) != 0 || b.VMCount != 1 || b.VMs[0].Name != "db1" {
		t.Errorf("VLAN 120: on_no_switch %v, gaps %v, VMs %+v; want true, none, db1", b.OnNoSwitch, b.Gaps, b.VMs)
	}
	if _, err := q.VLAN(ctx, "999", t2); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("VLAN 999: %v; want ErrNotFound", err)
	}
	if _, err := q.VLAN(ctx, "5000", t2); !errors.Is(err, ErrBadRequest) {
		t.Errorf("VLAN 5000: %v; want ErrBadRequest", err)
	}
}

func TestPortgroupPage(t *testing.T) {
	q := scenarioWithGap(t)
	ctx := context.Background()
	a, err := q.Portgroup(ctx, "APP-110", t2)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Portgroups) != 2 || !reflect.DeepEqual(a.VLANs, []string{"110"}) {
		t.Fatalf("app-110: %d port groups, VLANs %v; want 2, [110]", len(a.Portgroups), a.VLANs)
	}
	type up struct{ host, state, dev, role, port, carries string }
	var got []up
	for _, pg := range a.Portgroups {
		for _, h := range pg.Hosts {
			for _, u := range h.Uplinks {
				for _, p := range u.Ports {
					got = append(got, up{h.Host, h.State, u.Device, u.Role, p.Switch + " " + p.Port, p.Carries})
				}
			}
		}
	}
	want := []up{
		{"esx01", VLANStateGap, "vmnic0", graph.RoleActive, "leaf1 Ethernet1/1", "yes"},
		{"esx01", VLANStateGap, "vmnic1", graph.RoleStandby, "leaf2 Ethernet1/1", "no"},
		{"esx02", VLANStateOK, "vmnic0", graph.RoleActive, "leaf1 Ethernet1/5", "yes"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("uplinks = %+v; want %+v", got, want)
	}
	if len(a.Gaps) != 1 || a.VMCount != 1 {
		t.Errorf("gaps %v, %d VMs; want 1 gap, 1 VM", a.Gaps, a.VMCount)
	}
	d, err := q.Portgroup(ctx, "db-120", t2)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Portgroups) != 1 || d.Portgroups[0].Switch != "dvs-prod" || d.Portgroups[0].HostCount != 1 || d.Portgroups[0].Hosts[0].State != VLANStateOK {
		t.Errorf("db-120 = %+v; want one on dvs-prod, esx02 ok", d.Portgroups)
	}
	if _, err := q.Portgroup(ctx, "nope", t2); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("Portgroup(nope): %v; want ErrNotFound", err)
	}
}

// TestSearchPortgroupsClustersVLANs: port groups and clusters are found,
// and a VLAN opens its page.
func TestSearchPortgroupsClustersVLANs(t *testing.T) {
	q := scenarioWithGap(t)
	a, err := q.Search(context.Background(), "app-1", 0, t2)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Matches) == 0 || a.Matches[0].Kind != model.KindPortgroup || a.Matches[0].Page != PagePortgroup || a.Matches[0].Key != "app-110" {
		t.Errorf("Search(app-1) = %+v; want the port group app-110 first, once", a.Matches)
	}
	n := 0
	for _, m := range a.Matches {
		if m.Kind == model.KindPortgroup {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Search(app-1): %d port-group matches; want 1 (one per name)", n)
	}
	v, _ := q.Search(context.Background(), "vlan 110", 0, t2)
	if len(v.Matches) != 1 || v.Matches[0].Page != PageVLAN || v.Matches[0].Key != "110" {
		t.Errorf("Search(vlan 110) = %+v; want the VLAN page of 110", v.Matches)
	}
}
