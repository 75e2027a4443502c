package query

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// TestSwitchHealth: the switch page carries what the latest run of the
// fabric source read of the switch, one line per table group in reading
// order — the yield of each group (per-context reads added up, the largest
// of a group's tables), tables that skipped rows with their reasons, tables
// that failed — and the one-line summary; a switch the next run could not
// read keeps its lines, marked outdated; a switch never read has none.
func TestSwitchHealth(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	leaf1, leaf2 := model.NewID(model.KindSwitch, "leaf1"), model.NewID(model.KindSwitch, "leaf2")
	t2, t3 := t1.Add(time.Hour), t1.Add(2*time.Hour)
	health := []model.TableHealth{
		{Device: leaf1, Address: "192.0.2.11", Group: "if", Table: "ifTable", Rows: 7, Kept: 7},
		{Device: leaf1, Address: "192.0.2.11", Group: "if", Table: "ifXTable", Rows: 9, Kept: 7, Skipped: 2,
			Reasons: map[string]int{"no index": 2}, Example: "ifXTable.1: no index"},
		{Device: leaf1, Address: "192.0.2.11", Group: "lldp", Table: "lldpRemTable", Rows: 6, Kept: 6},
		{Device: leaf1, Address: "192.0.2.11", Group: "lldp", Table: "lldpRemManAddrTable", Rows: 4, Kept: 1, Skipped: 3,
			Reasons: map[string]int{"address subtype 6": 2, "length disagrees with index": 1}},
		{Device: leaf1, Address: "192.0.2.11", Group: "fdb", Table: "dot1dTpFdbTable (vlan 110)", Error: "VLAN 110 context did not answer"},
		{Device: leaf2, Address: "192.0.2.12", Group: "if", Table: "ifTable", Rows: 7, Kept: 7},
		{Device: leaf2, Address: "192.0.2.12", Group: "fdb", Table: "dot1dTpFdbTable", Rows: 10, Kept: 10},
		{Device: leaf2, Address: "192.0.2.12", Group: "fdb", Table: "dot1dTpFdbTable (vlan 110)", Rows: 4, Kept: 4},
		{Device: leaf2, Address: "192.0.2.12", Group: "fdb", Table: "dot1dTpFdbTable (vlan 120)", Rows: 3, Kept: 2, Skipped: 1,
			Reasons: map[string]int{"not a MAC": 1}},
	}
	if _, err := q.Store.Apply(ctx, model.Snapshot{Source: "fabric", Taken: t2, Facts: fabric(), Health: health}); err != nil {
		t.Fatal(err)
	}
	q.Cache.Invalidate()
	a, err := q.Switch(ctx, "leaf1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Health) != 1 {
		t.Fatalf("leaf1 health: %+v; want one source", a.Health)
	}
	h := a.Health[0]
	wantSummary := "IF 7 ports, ifXTable: 2 rows skipped (no index) · " +
		"LLDP 6 neighbours, lldpRemManAddrTable: 3 rows skipped (address subtype 6 2, length disagrees with index 1) · " +
		"FDB: dot1dTpFdbTable (vlan 110): VLAN 110 context did not answer"
	if h.Source != "fabric" || h.Address != "192.0.2.11" || !h.Taken.Equal(t2) || h.Outdated || h.Skipped != 5 || h.Failed != 1 || h.Summary != wantSummary {
		t.Errorf("leaf1 health = %s %s %v outdated=%v skipped=%d failed=%d\n%q\nwant fabric 192.0.2.11 %v, 5 skipped, 1 failed\n%q",
			h.Source, h.Address, h.Taken, h.Outdated, h.Skipped, h.Failed, h.Summary, t2, wantSummary)
	}
	var tables []string
	for _, g := range h.Groups {
		for _, tb := range g.Tables {
			tables = append(tables, g.Group+" "+tb.Text+" "+tb.Example)
		}
	}
	wantTables := []string{
		"if ifTable: 7 rows ",
		"if ifXTable: 2 rows skipped (no index) ifXTable.1: no index",
		"lldp lldpRemTable: 6 rows ",
		"lldp lldpRemManAddrTable: 3 rows skipped (address subtype 6 2, length disagrees with index 1) ",
		"fdb dot1dTpFdbTable (vlan 110): VLAN 110 context did not answer ",
	}
	if !reflect.DeepEqual(tables, wantTables) {
		t.Errorf("leaf1 tables:\n got %q\nwant %q", tables, wantTables)
	}

	// leaf2 is not read by the next run: its facts and health are kept.
	var rest facts
	for _, f := range fabric() {
		if f.Owner != leaf2 {
			rest = append(rest, f)
		}
	}
	snap := model.Snapshot{Source: "fabric", Taken: t3, Facts: rest, Health: health[:1],
		Keep: []model.ID{leaf2}, Failures: []string{"192.0.2.12: request timeout"}}
	if _, err := q.Store.Apply(ctx, snap); err != nil {
		t.Fatal(err)
	}
	q.Cache.Invalidate()
	if a, err = q.Switch(ctx, "leaf2", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if len(a.Health) != 1 || !a.Health[0].Outdated || !a.Health[0].Taken.Equal(t2) || a.Health[0].Summary != "IF 7 ports · FDB 16 entries, dot1dTpFdbTable (vlan 120): 1 row skipped (not a MAC)" {
		t.Errorf("leaf2 health after a run that could not read it = %+v; want outdated, from t2, IF 7 ports · FDB 16 entries, …", a.Health)
	}
	if a, err = q.Switch(ctx, "leaf1", time.Time{}); err != nil || len(a.Health) != 1 || a.Health[0].Summary != "IF 7 ports" || a.Health[0].Outdated {
		t.Errorf("leaf1 health after the second run = %+v, %v; want IF 7 ports, current", a, err)
	}

	// The scenario's first moments were collected by no source with health.
	fresh := scenario(t)
	if a, err = fresh.Switch(ctx, "leaf1", t1); err != nil || a.Health == nil || len(a.Health) != 0 {
		t.Errorf("leaf1 health without any = %+v, %v; want an empty list", a.Health, err)
	}
}
