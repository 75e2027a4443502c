package graph

import (
	"reflect"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

func TestNodes(t *testing.T) {
	h1, h2 := model.NewID(model.KindHost, "esx02"), model.NewID(model.KindHost, "esx01")
	vm := model.NewID(model.KindVM, "u1")
	var vs []model.Version
	for _, id := range []model.ID{h1, vm, h2} {
		vs = append(vs, model.Version{Fact: model.Entity(id, id, id.Key(), nil), Source: "vc1", From: t0})
	}
	g := Build(t0, vs)
	var got []model.ID
	for _, n := range g.Nodes(model.KindHost) {
		got = append(got, n.ID)
	}
	if want := []model.ID{h2, h1}; !reflect.DeepEqual(got, want) {
		t.Errorf("Nodes(host) = %v; want %v", got, want)
	}
	if n := len(g.Nodes("")); n != 3 {
		t.Errorf("Nodes(\"\") has %d nodes; want 3", n)
	}
}
