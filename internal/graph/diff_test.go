package graph

import (
	"reflect"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

func TestDiff(t *testing.T) {
	t1 := t0.Add(time.Hour)
	vs := fixture()
	vm := model.NewID(model.KindVM, "5001-aaaa")
	nic1 := model.NewID(model.KindVNIC, "5001-aaaa/4000")
	for i := range vs {
		switch {
		case vs[i].Rel == model.RelRunsOn && vs[i].Subject == vm, // migrates to esx02
			vs[i].Subject == model.NewID(model.KindVM, "5003-cccc"),                             // deleted
			vs[i].Subject == vm && !vs[i].IsRelation(),                                          // powered off
			vs[i].Rel == model.RelHasIP && vs[i].Object == model.NewID(model.KindIP, "fe80::1"): // loses an IP
			vs[i].To = t1
		}
	}
	add := func(f model.Fact) { vs = append(vs, model.Version{Fact: f, Source: "vc1", From: t1}) }
	add(model.Relation(vm, vm, model.RelRunsOn, model.NewID(model.KindHost, "esx02"), nil))
	add(model.Entity(vm, vm, "web01", model.Attrs{"power": "poweredOff", "uuid": "4201-bios", "attr.app": "shop", "tags": "env/prod"}))
	newVM := model.NewID(model.KindVM, "5005-eeee")
	add(model.Entity(newVM, newVM, "web02", nil))

	d := Diff(Build(t0, vs), Build(t1, vs))
	if want := []Migration{{VM: vm, Name: "web01", FromHost: "esx01", ToHost: "esx02"}}; !reflect.DeepEqual(d.Migrations, want) {
		t.Errorf("migrations = %+v; want %+v", d.Migrations, want)
	}
	if want := []EntityChange{{ID: newVM, Kind: model.KindVM, Name: "web02"}}; !reflect.DeepEqual(d.Added, want) {
		t.Errorf("added = %+v; want %+v", d.Added, want)
	}
	if len(d.Removed) != 1 || d.Removed[0].ID != "vm:5003-cccc" {
		t.Errorf("removed = %+v; want vm:5003-cccc", d.Removed)
	}
	if want := []EntityChange{{ID: vm, Kind: model.KindVM, Name: "web01", Attrs: map[string][2]string{"power": {"poweredOn", "poweredOff"}}}}; !reflect.DeepEqual(d.Changed, want) {
		t.Errorf("changed = %+v; want %+v", d.Changed, want)
	}
	if want := []RelationDelta{{Change: "removed", From: nic1, Rel: model.RelHasIP, To: model.NewID(model.KindIP, "fe80::1")}}; !reflect.DeepEqual(d.Links, want) {
		t.Errorf("relations = %+v; want %+v (placements are migrations, not relation changes)", d.Links, want)
	}
	if d.Counts["migrations"] != 1 || d.Counts["added"] != 1 || d.Counts["removed"] != 1 {
		t.Errorf("counts = %v", d.Counts)
	}
	if same := Diff(Build(t1, vs), Build(t1, vs)); same.Counts["migrations"]+same.Counts["added"]+same.Counts["removed"]+same.Counts["changed"]+same.Counts["relations"] != 0 {
		t.Errorf("a moment compared with itself differs: %v", same.Counts)
	}
}
