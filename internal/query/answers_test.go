package query

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/store"
)

// nulls returns the paths of the JSON nulls in v's encoding.
func nulls(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case nil:
			out = append(out, path)
		case map[string]any:
			for k, y := range x {
				walk(path+"."+k, y)
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		}
	}
	walk("", doc)
	return out
}

// TestAnswersHaveNoNullLists: the lists of the impact, summary and
// findings answers are arrays, empty when nothing is in them, for every
// kind of target (a VLAN takes no entity down: "failed" was null, and the
// impact page read its length) and on an empty store.
func TestAnswersHaveNoNullLists(t *testing.T) {
	ctx := context.Background()
	q := scenario(t)
	empty, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/empty.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { empty.Close() })
	e := New(empty, nil)
	tests := []struct {
		name string
		ask  func() (any, error)
	}{
		{"impact of a VLAN", func() (any, error) { return q.Impact(ctx, "vlan:110", t1) }},
		{"impact of a VLAN no VM is on", func() (any, error) { return q.Impact(ctx, "vlan:999", t1) }},
		{"impact of a switch", func() (any, error) { return q.Impact(ctx, "switch:leaf1", t1) }},
		{"impact of a host", func() (any, error) { return q.Impact(ctx, "host:esx03", t1) }},
		{"impact on an empty store", func() (any, error) { return e.Impact(ctx, "vlan:110", time.Time{}) }},
		{"summary", func() (any, error) { return q.Summary(ctx, t1) }},
		{"summary of an empty store", func() (any, error) { return e.Summary(ctx, time.Time{}) }},
		{"findings of an empty store", func() (any, error) { return e.Findings(ctx, time.Time{}, check.Options{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.ask()
			if err != nil {
				t.Fatal(err)
			}
			if got := nulls(t, a); len(got) > 0 {
				t.Errorf("nulls at %v; want none", got)
			}
		})
	}
}

// collecting is a collector with sources, some of them running.
type collecting struct {
	names   []string
	running map[string]bool
}

func (c collecting) Sources() []string           { return c.names }
func (c collecting) Collecting(name string) bool { return c.running[name] }

// TestSummaryBeforeFirstCollection: the summary lists the collector's
// sources before the store recorded a run of them, each with its state.
func TestSummaryBeforeFirstCollection(t *testing.T) {
	ctx := context.Background()
	q := scenario(t) // the store recorded runs of dcim, fabric and vc1
	q.Collector = collecting{names: []string{"vc1", "vc2", "fabric", "switches"}, running: map[string]bool{"vc2": true, "fabric": true}}
	sum, err := q.Summary(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range sum.Sources {
		got[s.Name] = s.State
	}
	want := map[string]string{"dcim": SourceOK, "fabric": SourceCollecting, "switches": SourceNever, "vc1": SourceOK, "vc2": SourceCollecting}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("source states = %v; want %v", got, want)
	}
	b, err := json.Marshal(sum.Sources)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, s := range raw {
		if _, ok := s["last_attempt"]; ok == (s["state"] == SourceNever || s["name"] == "vc2") {
			t.Errorf("source %v: last_attempt present = %v; want it only for sources that ran", s["name"], ok)
		}
	}
}
