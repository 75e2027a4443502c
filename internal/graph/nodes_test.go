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
	all := map[model.ID]bool{}
	for n := range g.All() {
		all[n.ID] = true
	}
	if len(all) != 3 || !all[vm] || !all[h1] || !all[h2] {
		t.Errorf("All() = %v; want the 3 entities", all)
	}
}

func TestUplinkRole(t *testing.T) {
	tests := []struct{ active, standby, uplink, lag, want string }{
		{"vmnic0", "vmnic1", "vmnic0", "", RoleActive},
		{"vmnic0", "vmnic1", "vmnic1", "", RoleStandby},
		{"vmnic0", "vmnic1", "vmnic2", "", RoleUnused},
		{"lag1", "", "lag1-0", "lag1", RoleActive},
		{"", "", "uplink3", "", RoleActive},
	}
	for _, tt := range tests {
		if got := UplinkRole(tt.active, tt.standby, tt.uplink, tt.lag); got != tt.want {
			t.Errorf("UplinkRole(%q, %q, %q, %q) = %q; want %q", tt.active, tt.standby, tt.uplink, tt.lag, got, tt.want)
		}
	}
}
