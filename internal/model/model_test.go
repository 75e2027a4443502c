package model

import (
	"testing"
	"time"
)

func TestID(t *testing.T) {
	id := NewID(KindPNIC, "esx01", "vmnic0")
	if id != "pnic:esx01/vmnic0" || id.Kind() != KindPNIC || id.Key() != "esx01/vmnic0" {
		t.Errorf("NewID = %q kind %q key %q; want pnic:esx01/vmnic0, pnic, esx01/vmnic0", id, id.Kind(), id.Key())
	}
	if ID("nokind").Kind() != "" || ID("nokind").Key() != "" {
		t.Errorf("an ID without a colon has kind %q key %q; want both empty", ID("nokind").Kind(), ID("nokind").Key())
	}
}

func TestFactKeyAndHash(t *testing.T) {
	vm, h1, h2 := NewID(KindVM, "u1"), NewID(KindHost, "esx01"), NewID(KindHost, "esx02")
	e := Entity(vm, vm, "web01", Attrs{"power": "on", "folder": "/dc/vm"})
	r := Relation(vm, vm, RelRunsOn, h1, nil)
	if e.IsRelation() || !r.IsRelation() {
		t.Fatal("IsRelation is wrong")
	}
	if e.Key() != "vm:u1" || r.Key() != "vm:u1|runs_on|host:esx01" {
		t.Errorf("keys = %q, %q", e.Key(), r.Key())
	}
	same := Entity(vm, vm, "web01", Attrs{"folder": "/dc/vm", "power": "on"})
	if e.Hash() != same.Hash() {
		t.Error("the hash depends on attribute order")
	}
	for name, other := range map[string]Fact{
		"attribute value": Entity(vm, vm, "web01", Attrs{"power": "off", "folder": "/dc/vm"}),
		"attribute moved": Entity(vm, vm, "web01", Attrs{"power": "on", "folder": "", "/dc/vm": ""}),
		"name":            Entity(vm, vm, "web02", Attrs{"power": "on", "folder": "/dc/vm"}),
		"owner":           Entity(h1, vm, "web01", Attrs{"power": "on", "folder": "/dc/vm"}),
	} {
		if other.Hash() == e.Hash() {
			t.Errorf("a different %s gives the same hash", name)
		}
	}
	if r.Hash() == Relation(vm, vm, RelRunsOn, h2, nil).Hash() {
		t.Error("relations to different hosts hash the same")
	}
}

func TestVersionValidAt(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	closed := Version{From: t0, To: t0.Add(time.Hour)}
	open := Version{From: t0}
	for _, tt := range []struct {
		name string
		v    Version
		at   time.Time
		want bool
	}{
		{"before", closed, t0.Add(-time.Nanosecond), false},
		{"at start", closed, t0, true},
		{"inside", closed, t0.Add(time.Minute), true},
		{"at end", closed, t0.Add(time.Hour), false},
		{"open, long after", open, t0.Add(1000 * time.Hour), true},
	} {
		if got := tt.v.ValidAt(tt.at); got != tt.want {
			t.Errorf("%s: ValidAt = %v; want %v", tt.name, got, tt.want)
		}
	}
	if !open.Open() || closed.Open() {
		t.Error("Open is wrong")
	}
}

func TestNormalizeMAC(t *testing.T) {
	for in, want := range map[string]string{
		"00:50:56:AA:bb:cc":       "00:50:56:aa:bb:cc",
		"00-50-56-aa-bb-cc":       "00:50:56:aa:bb:cc",
		"0050.56aa.bbcc":          "00:50:56:aa:bb:cc",
		"005056aabbcc":            "00:50:56:aa:bb:cc",
		"":                        "",
		"web01":                   "",
		"00:50:56:aa:bb":          "",
		"00:50:56:aa:bb:cc:dd:ee": "",
	} {
		if got := NormalizeMAC(in); got != want {
			t.Errorf("NormalizeMAC(%q) = %q; want %q", in, got, want)
		}
	}
}
