package query

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// TestDiffMovesAndChurn: the migration comes with its moment and author;
// the forwarding-table and ARP changes are counted per switch, after the
// VMs' and the other entities' changes; a start before the first data is
// said.
func TestDiffMovesAndChurn(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	app1 := model.NewID(model.KindVM, "u-01")
	moved := t1.Add(-30 * time.Second)
	if _, err := q.Store.Apply(ctx, model.Snapshot{Source: "vc1", Taken: t1.Add(time.Second), Facts: vcenter(esx02),
		Events: []model.Event{{Source: "vc1", Time: moved, Subject: app1, Type: "VmMigratedEvent", User: `VSPHERE.LOCAL\alice`,
			Message: "Migration of app1 from esx01 to esx02 completed", Key: "ev-1"}}}); err != nil {
		t.Fatal(err)
	}
	d, err := q.Diff(ctx, t0.Add(time.Minute), t1.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Moves) != 1 || d.Moves[0].Name != "app1" || !d.Moves[0].At.Equal(moved) || d.Moves[0].User != `VSPHERE.LOCAL\alice` {
		t.Errorf("moves = %+v; want app1 at %s by alice", d.Moves, moved)
	}
	if len(d.Warnings) != 0 {
		t.Errorf("warnings = %v; want none", d.Warnings)
	}
	var sw *ChurnGroup
	for i, c := range d.Churn {
		if c.Kind == ChurnSwitch {
			sw = &d.Churn[i]
			for _, later := range d.Churn[i:] {
				if later.Kind != ChurnSwitch {
					t.Errorf("churn %+v after the switches' tables; want the switches last", later)
				}
			}
			break
		}
	}
	if sw == nil || sw.ID != "switch:leaf1" || sw.Removed != 3 || sw.Rels["learned"] != [2]int{0, 2} || sw.Rels["arp"] != [2]int{0, 1} {
		t.Errorf("churn = %+v; want leaf1: 2 learned and 1 arp removed", d.Churn)
	}

	before, err := q.Diff(ctx, t0.Add(-time.Hour), t1)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Warnings) != 1 || !strings.Contains(before.Warnings[0], "before the first data") {
		t.Errorf("warnings = %v; want the start before the first data", before.Warnings)
	}
}
