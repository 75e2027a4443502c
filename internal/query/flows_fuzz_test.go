package query

import (
	"errors"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// FuzzParseWindow: any since/from/to yields a window with from before to,
// or an error wrapping ErrBadWindow; never a panic.
func FuzzParseWindow(f *testing.F) {
	for _, s := range [][3]string{{"", "", ""}, {"1h", "", ""}, {"", "2026-11-17 14:00", "now"}, {"1e5d", "", ""}, {"-2h", "", "1w"}, {"", "2026-11-17T14:00:00+01:00", "3d"}} {
		f.Add(s[0], s[1], s[2])
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, since, from, to string) {
		a, b, err := ParseWindow(since, from, to, now)
		if err != nil {
			if !errors.Is(err, ErrBadWindow) {
				t.Fatalf("error %v does not wrap ErrBadWindow", err)
			}
			return
		}
		if !a.Before(b) {
			t.Fatalf("window %s – %s is empty or reversed", a, b)
		}
	})
}

// FuzzLinkTarget: any links target resolves to a switch, port or
// port-channel the map or the stored links have, or fails with
// ErrNotFound; never a panic.
func FuzzLinkTarget(f *testing.F) {
	sw := model.NewID(model.KindSwitch, "leaf1")
	pc := model.NewID(model.KindPortChannel, "leaf1/Port-channel1")
	port := model.NewID(model.KindPort, "leaf1/Ethernet1/1")
	var vs []model.Version
	for _, fact := range []model.Fact{
		model.Entity(sw, sw, "leaf1", nil), model.Entity(sw, pc, "Port-channel1", nil), model.Entity(sw, port, "Ethernet1/1", nil),
		model.Relation(sw, sw, model.RelHasPort, pc, nil), model.Relation(sw, sw, model.RelHasPort, port, nil),
		model.Relation(sw, port, model.RelInLAG, pc, nil),
	} {
		vs = append(vs, model.Version{Fact: fact, Source: "fabric", From: t0})
	}
	g := graph.Build(t0, vs)
	ls := []flow.LinkMinute{{Start: t0, Port: "port:gone1/Ethernet1/9", Channel: "portchannel:gone1/Port-channel9", Direction: flow.LinkIn}}
	for _, s := range []string{"", "leaf1", "LEAF1/po1", "lag:leaf1/Port-channel1", "port:leaf1/Eth1/1", "gone1/po9", "leaf1/", "/", "switch:", "x/y/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		lt, err := resolveLinkTarget(g, ls, target)
		if err != nil {
			if !errors.Is(err, graph.ErrNotFound) {
				t.Fatalf("error %v does not wrap ErrNotFound", err)
			}
			return
		}
		for _, id := range []string{lt.port, lt.channel} {
			if id != "" && id != string(pc) && id != string(port) && id != ls[0].Port && id != ls[0].Channel {
				t.Fatalf("target %q resolved to %q, which neither the map nor the links have", target, id)
			}
		}
	})
}
