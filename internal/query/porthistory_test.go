package query

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/oui"
)

// TestPortHistory: leaf1 Ethernet1/5 learned the printer's MAC from t0 to
// t1; its LLDP neighbour never changed; Ethernet1/2's entries include its
// bundle's member list and db1's MAC named after the VM.
func TestPortHistory(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	a, err := q.PortHistory(ctx, "leaf1", "eth1/5", 0, 0, t1)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ kind, port, mac, vendor, vlan, from, to string }
	var got []row
	for _, e := range a.Entries {
		to := ""
		if !e.To.IsZero() {
			to = e.To.Format("15:04")
		}
		got = append(got, row{e.Kind, e.Port, e.MAC, e.Vendor, e.VLAN, e.From.Format("15:04"), to})
	}
	want := []row{{SightingLearned, "Ethernet1/5", "02:00:00:00:00:77", oui.LocallyAdministered, "110", "14:00", "16:00"}}
	if !reflect.DeepEqual(got, want) || a.Total != 1 || a.Port != "Ethernet1/5" {
		t.Errorf("PortHistory(leaf1 eth1/5) = %+v (total %d); want %+v", got, a.Total, want)
	}
	if len(a.Cabled) != 1 || a.Cabled[0].PNIC != "esx02/vmnic0" {
		t.Errorf("cabled = %+v; want esx02/vmnic0", a.Cabled)
	}

	b, err := q.PortHistory(ctx, "leaf1", "Ethernet1/2", 0, 0, t1)
	if err != nil {
		t.Fatal(err)
	}
	var vm, neighbor string
	for _, e := range b.Entries {
		if e.Kind == SightingLearned && e.VM != nil {
			vm = e.VM.Name
		}
		if e.Kind == SightingNeighbor {
			neighbor = e.Neighbor
			if !e.To.IsZero() {
				t.Errorf("neighbour %q ends at %v; want open since t0 (the two runs merged)", e.Neighbor, e.To)
			}
		}
	}
	if vm != "db1" || neighbor != "LLDP esx02.example.com vmnic2" || !reflect.DeepEqual(b.Related, []string{"Port-channel20"}) {
		t.Errorf("Ethernet1/2: VM %q, neighbour %q, related %v; want db1, LLDP esx02.example.com vmnic2, [Port-channel20]", vm, neighbor, b.Related)
	}
	// Paging: one entry a page.
	p1, _ := q.PortHistory(ctx, "leaf1", "Ethernet1/2", 1, 0, t1)
	if len(p1.Entries) != 1 || p1.NextOffset != 1 || p1.Total != len(b.Entries) {
		t.Errorf("page 1: %d entries, next %d, total %d; want 1, 1, %d", len(p1.Entries), p1.NextOffset, p1.Total, len(b.Entries))
	}
	p2, _ := q.PortHistory(ctx, "leaf1", "Ethernet1/2", 1, 1, t1)
	if len(p2.Entries) != 1 || reflect.DeepEqual(p1.Entries[0], p2.Entries[0]) {
		t.Errorf("page 2 = %+v; want the next entry", p2.Entries)
	}
	for _, bad := range []struct{ sw, port string }{{"nope", "Ethernet1/1"}, {"leaf1", "Ethernet9/9"}} {
		if _, err := q.PortHistory(ctx, bad.sw, bad.port, 0, 0, t1); !errors.Is(err, graph.ErrNotFound) {
			t.Errorf("PortHistory(%s %s): %v; want ErrNotFound", bad.sw, bad.port, err)
		}
	}
	if _, err := q.PortHistory(ctx, "leaf1", "Ethernet1/2", MaxHistoryLimit+1, 0, t1); !errors.Is(err, ErrBadRequest) {
		t.Errorf("limit past the bound: %v; want ErrBadRequest", err)
	}
}

// TestMACHistory: the printer's MAC, learned on leaf1 Ethernet1/5 from t0
// to t1, resolved by leaf1's ARP table to 10.0.110.250 over the same time;
// db1's MAC names its VM and vendor.
func TestMACHistory(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	a, err := q.MACHistory(ctx, "0200.0000.0077", 0, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Learned) != 1 || a.Learned[0].Switch != "leaf1" || a.Learned[0].Port != "Ethernet1/5" || !a.Learned[0].To.Equal(t1) || !a.Learned[0].Edge {
		t.Errorf("learned = %+v; want leaf1 Ethernet1/5 until t1, an edge port", a.Learned)
	}
	if len(a.ARP) != 1 || a.ARP[0].IP != "10.0.110.250" || !a.ARP[0].To.Equal(t1) || a.Vendor != oui.LocallyAdministered {
		t.Errorf("arp = %+v, vendor %q; want 10.0.110.250 until t1, locally administered", a.ARP, a.Vendor)
	}
	d, err := q.MACHistory(ctx, "00:50:56:00:00:02", 0, 0, t1)
	if err != nil {
		t.Fatal(err)
	}
	if d.VM == nil || d.VM.Name != "db1" || d.Vendor != "VMware" || len(d.Learned) != 1 || d.Learned[0].PortChannel != "Port-channel20" {
		t.Errorf("db1's MAC = %+v; want VM db1, VMware, learned on leaf1 Ethernet1/2 in Port-channel20", d)
	}
	if _, err := q.MACHistory(ctx, "00:00:00:00:00:99", 0, 0, t1); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("unknown MAC: %v; want ErrNotFound", err)
	}
	if _, err := q.MACHistory(ctx, "xyz", 0, 0, t1); !errors.Is(err, ErrBadRequest) {
		t.Errorf("not a MAC: %v; want ErrBadRequest", err)
	}
}
