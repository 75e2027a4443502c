package snmp

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// Cause 10: two switches answer sysName "<private>" (anonymised recordings,
// factory defaults) with different LLDP chassis IDs; the first is also read
// at a second address. Both are kept under distinct IDs that do not depend
// on the order of the seeds, the one read twice is one switch, and each
// says which others share its sysName.
func TestDuplicateSysName(t *testing.T) {
	const a, b, a2 = "127.0.0.41", "127.0.0.42", "127.0.0.43"
	cfg, _ := serveFixtures(t, map[string]string{a: "cause-sysname-a.snmprec", b: "cause-sysname-b.snmprec", a2: "cause-sysname-a.snmprec"})
	type sw struct{ id, addr, sysname, dupOf string }
	var first []sw
	for _, seeds := range [][]string{{a, b, a2}, {a2, b, a}, {b, a2, a}} {
		cfg.Seeds = seeds
		snap, _, err := collect(t, cfg)
		if err != nil {
			t.Fatalf("seeds %v: Collect: %v", seeds, err)
		}
		var got []sw
		for _, f := range snap.Facts {
			if f.Kind == model.KindSwitch {
				got = append(got, sw{string(f.Subject), f.Attrs["address"], f.Attrs["sysname"], f.Attrs["duplicate_sysname_of"]})
			}
		}
		slices.SortFunc(got, func(x, y sw) int { return compareAddr(x.addr, y.addr) })
		want := []sw{
			{"switch:<private>", a, "<private>", "<private>@" + b},
			{"switch:<private>@" + b, b, "<private>", "<private>"},
		}
		if !slices.Equal(got, want) {
			t.Errorf("seeds %v: got switches %+v; want %+v", seeds, got, want)
		}
		facts := byKey(snap)
		for _, p := range []string{"port:<private>/Ethernet1", "port:<private>@" + b + "/Ethernet1"} {
			if _, ok := facts[p]; !ok {
				t.Errorf("seeds %v: %s missing", seeds, p)
			}
		}
		if first == nil {
			first = got
			st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "v.db"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Apply(context.Background(), snap); err != nil {
				t.Errorf("Apply: %v", err)
			}
			st.Close()
		}
	}
}

func TestSameDevice(t *testing.T) {
	withMAC := func(chassis, serial, mac string) *device {
		return &device{chassisID: chassis, serial: serial, ports: map[int]*port{1: {mac: mac}}}
	}
	tests := []struct {
		name string
		a, b *device
		want bool
	}{
		{"same chassis ID", withMAC("c1", "", "m1"), withMAC("c1", "", "m2"), true},
		{"different chassis IDs", withMAC("c1", "s", "m1"), withMAC("c2", "s", "m1"), false},
		{"no chassis ID, same serial", withMAC("", "s1", "m1"), withMAC("c2", "s1", "m2"), true},
		{"no chassis ID, different serials", withMAC("", "s1", "m1"), withMAC("", "s2", "m1"), false},
		{"an interface MAC in common", withMAC("", "", "m1"), withMAC("", "", "m1"), true},
		{"no interface MAC in common", withMAC("", "", "m1"), withMAC("", "", "m2"), false},
		{"nothing to tell them apart", withMAC("", "", ""), withMAC("", "", "m2"), true},
	}
	for _, tt := range tests {
		if got := sameDevice(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}
