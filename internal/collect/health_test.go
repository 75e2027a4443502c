package collect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// scripted is a source whose runs return the snapshots (or errors) it was
// given, one per run, the last one again when they run out.
type scripted struct {
	name  string
	runs  []model.Snapshot
	errs  []error
	calls int
}

func (s *scripted) Name() string { return s.name }

func (s *scripted) Collect(context.Context) (model.Snapshot, error) {
	i := min(s.calls, len(s.runs)-1)
	s.calls++
	if s.errs[i] != nil {
		return model.Snapshot{}, s.errs[i]
	}
	snap := s.runs[i]
	snap.Source, snap.Taken = s.name, time.Now()
	return snap, nil
}

// gauges returns the series of the gauges named in names as
// `name{label="value",…} value`, sorted.
func gauges(t *testing.T, reg *prometheus.Registry, names ...string) []string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if !slices.Contains(names, mf.GetName()) {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out = append(out, fmt.Sprintf("%s{%s} %g", mf.GetName(), strings.Join(labels, ","), m.GetGauge().GetValue()))
		}
	}
	sort.Strings(out)
	return out
}

// TestHealthMetrics: the skipped-rows and failed-tables gauges say what the
// last full run of each source found: per-context reads add up under their
// table's name, reasons are capped per table with the rest under "other"
// (skips without a reason too), label values are valid UTF-8; a later run
// removes the series it does not set again, a failed run and another
// source's runs leave them, and the store keeps the same health.
func TestHealthMetrics(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t, t.TempDir()+"/h.db")
	reg := prometheus.NewRegistry()
	c := New(st, discard(), reg, nil)

	sw := func(name string) model.ID { return model.NewID(model.KindSwitch, name) }
	many := map[string]int{}
	for i := range 20 {
		many[fmt.Sprintf("reason %02d", i)] = 100 - i
	}
	first := model.Snapshot{Health: []model.TableHealth{
		{Device: sw("leaf1"), Group: "if", Table: "ifTable", Rows: 48, Kept: 48},
		{Device: sw("leaf1"), Group: "if", Table: "ifXTable", Rows: 50, Kept: 48, Skipped: 2, Reasons: map[string]int{"no index": 2}},
		{Device: sw("leaf1"), Group: "fdb", Table: "dot1dTpFdbTable (vlan 110)", Error: "VLAN 110 context did not answer"},
		{Device: sw("leaf1"), Group: "fdb", Table: "dot1dTpFdbTable (vlan 120)", Rows: 9, Kept: 8, Skipped: 1, Reasons: map[string]int{"not a MAC": 1}},
		{Device: sw("leaf1"), Group: "fdb", Table: "dot1dTpFdbTable (vlan 130)", Rows: 9, Kept: 7, Skipped: 2, Reasons: map[string]int{"not a MAC": 2}},
		{Device: sw("leaf2"), Group: "lldp", Table: "lldpRemTable", Rows: 1820, Kept: 10, Skipped: 1810, Reasons: many},
		{Device: sw("leaf2"), Group: "cdp", Table: "cdpCacheTable", Rows: 3, Skipped: 3, Reasons: map[string]int{"bad \xff": 1}},
	}}
	second := model.Snapshot{Health: []model.TableHealth{
		{Device: sw("leaf1"), Group: "if", Table: "ifTable", Rows: 48, Kept: 48},
	}}
	fabric := &scripted{name: "fabric", runs: []model.Snapshot{first, second, second}, errs: []error{nil, nil, errors.New("snmp: no device answered")}}
	vc := &scripted{name: "vc", runs: []model.Snapshot{{}}, errs: []error{nil}}
	c.Add(fabric, time.Hour)
	c.Add(vc, time.Hour)

	names := []string{"vnetmap_collect_rows_skipped", "vnetmap_collect_tables_failed"}
	c.RunOnce(ctx)
	want := []string{
		`vnetmap_collect_rows_skipped{reason="bad �",source="fabric",switch="leaf2",table="cdpCacheTable"} 1`,
		`vnetmap_collect_rows_skipped{reason="no index",source="fabric",switch="leaf1",table="ifXTable"} 2`,
		`vnetmap_collect_rows_skipped{reason="not a MAC",source="fabric",switch="leaf1",table="dot1dTpFdbTable"} 3`,
		`vnetmap_collect_rows_skipped{reason="other",source="fabric",switch="leaf2",table="cdpCacheTable"} 2`,
		`vnetmap_collect_tables_failed{source="fabric",switch="leaf1"} 1`,
		`vnetmap_collect_tables_failed{source="fabric",switch="leaf2"} 0`,
	}
	other := 0
	for i := range 20 {
		if i < maxMetricReasons-1 {
			want = append(want, fmt.Sprintf(`vnetmap_collect_rows_skipped{reason="reason %02d",source="fabric",switch="leaf2",table="lldpRemTable"} %d`, i, 100-i))
		} else {
			other += 100 - i
		}
	}
	want = append(want, fmt.Sprintf(`vnetmap_collect_rows_skipped{reason="other",source="fabric",switch="leaf2",table="lldpRemTable"} %d`, other))
	sort.Strings(want)
	if got := gauges(t, reg, names...); !slices.Equal(got, want) {
		t.Errorf("after the first run:\ngot  %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	if hs, err := st.Health(ctx, store.HealthFilter{Source: "fabric"}); err != nil || len(hs) != len(first.Health) {
		t.Errorf("store health after the first run: %d rows, %v; want %d", len(hs), err, len(first.Health))
	}

	want = []string{`vnetmap_collect_tables_failed{source="fabric",switch="leaf1"} 0`}
	c.RunOnce(ctx)
	if got := gauges(t, reg, names...); !slices.Equal(got, want) {
		t.Errorf("after a clean run without leaf2:\ngot  %q\nwant %q", got, want)
	}
	c.RunOnce(ctx)
	if got := gauges(t, reg, names...); !slices.Equal(got, want) {
		t.Errorf("after a failed run:\ngot  %q\nwant %q", got, want)
	}
}
