package snmp

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// testdata/cause-ifx.snmprec: ifXTable answers ifName with no index first;
// ifIndex 3 and 4 are both Lo0, 5 and 6 Vl10 and vlan10; ifIndex 2's
// ifDescr is a Counter64.
func TestIfXTableOddAgent(t *testing.T) {
	cfg, _ := serveFixtures(t, map[string]string{"127.0.0.33": "cause-ifx.snmprec"})
	snap, _, err := collect(t, cfg)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
		t.Fatalf("got keep %v failures %q; want no table lost", snap.Keep, snap.Failures)
	}
	var ports []string
	for _, f := range snap.Facts {
		if f.Kind == model.KindPort {
			ports = append(ports, f.Name+"="+f.Attrs["ifindex"])
		}
	}
	slices.Sort(ports)

	t.Run("cause 2: a variable with no index", func(t *testing.T) {
		if len(ports) != 6 {
			t.Errorf("got ports %v; want all 6", ports)
		}
		h := tableHealth(t, snap, "switch:sw-ifx", "ifXTable")
		if h.Rows != 6 || h.Kept != 6 || h.Reasons["no index"] != 1 || h.Example != "1.3.6.1.2.1.31.1.1.1.1: no index" {
			t.Errorf("got %+v; want 6 rows kept and the variable with no index skipped", h)
		}
	})
	t.Run("a value of the wrong type", func(t *testing.T) {
		f := byKey(snap)["port:sw-ifx/Ethernet2"]
		if f.Attrs["ifname"] != "Et2" || f.Attrs["ifdescr"] != "" {
			t.Errorf("got %v; want ifName kept, the Counter64 ifDescr left out", f.Attrs)
		}
		h := tableHealth(t, snap, "switch:sw-ifx", "ifTable")
		if h.Reasons["column 2 is Counter64, column left out"] != 1 || h.Kept != 6 {
			t.Errorf("got %+v; want ifIndex 2's ifDescr skipped, 6 rows kept", h)
		}
	})
	t.Run("cause 5: interfaces that share a name", func(t *testing.T) {
		want := []string{"Ethernet1=1", "Ethernet2=2", "Loopback0 (ifIndex 4)=4", "Loopback0=3", "Vlan10 (ifIndex 6)=6", "Vlan10=5"}
		if !slices.Equal(ports, want) {
			t.Errorf("got ports %v; want %v", ports, want)
		}
		st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "v.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx := context.Background()
		if _, err := st.Apply(ctx, snap); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		again, _, err := collect(t, cfg)
		if err != nil {
			t.Fatalf("second Collect: %v", err)
		}
		again.Taken = snap.Taken.Add(time.Minute)
		stats, err := st.Apply(ctx, again)
		if err != nil {
			t.Fatalf("second Apply: %v", err)
		}
		if stats.Opened != 0 || stats.Closed != 0 {
			t.Errorf("second run: got %+v; want the same port IDs (nothing opened or closed)", stats)
		}
		vs, err := st.FactsAt(ctx, again.Taken)
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		for _, v := range vs {
			if v.Kind == model.KindPort && strings.HasPrefix(string(v.Subject), "port:sw-ifx/Loopback0") {
				stored = append(stored, string(v.Subject))
			}
		}
		slices.Sort(stored)
		if want := []string{"port:sw-ifx/Loopback0", "port:sw-ifx/Loopback0 (ifIndex 4)"}; !slices.Equal(stored, want) {
			t.Errorf("stored %v; want %v", stored, want)
		}
	})
}

func TestNameUniquely(t *testing.T) {
	d := &device{ports: map[int]*port{
		1: {name: "Loopback0"}, 2: {name: "loopback0"}, 3: {name: "Loopback0 (ifIndex 2)"}, 4: {name: ""},
		5: {name: "Loopback0"}, 6: {name: "ifindex-4"},
	}}
	d.nameUniquely([]int{1, 2, 3, 4, 5, 6})
	got := map[int]string{}
	seen := map[string]bool{}
	for i, p := range d.ports {
		got[i] = p.name
		if seen[strings.ToLower(p.name)] {
			t.Errorf("name %q given twice", p.name)
		}
		seen[strings.ToLower(p.name)] = true
	}
	want := map[int]string{
		1: "Loopback0", 2: "loopback0 (ifIndex 2) #2", 3: "Loopback0 (ifIndex 2)", 4: "ifindex-4",
		5: "Loopback0 (ifIndex 5)", 6: "ifindex-4 (ifIndex 6)",
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("ifIndex %d: got %q; want %q", i, got[i], w)
		}
	}
}
