package vsphere

import (
	"context"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

// TestCollectWithoutTagging: with tags on (the default) against a vCenter
// without the vAPI tagging endpoint (404), the run collects every other
// fact, says in its Failures that the tags were not read, and logs the
// warning once over several runs.
func TestCollectWithoutTagging(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0", withoutVAPI)
	cfg := testConfig(t, s)
	if !cfg.Tags {
		t.Fatal("tags are off by default; want on")
	}
	c, logs := newCollector(t, cfg)
	want := map[model.Kind]int{}
	{
		off := cfg
		off.Tags = false
		ref, _ := newCollector(t, off)
		snap, err := ref.Collect(context.Background())
		if err != nil {
			t.Fatalf("Collect without tags: %v", err)
		}
		for _, f := range snap.Facts {
			if !f.IsRelation() {
				want[f.Subject.Kind()]++
			}
		}
	}
	for run := 1; run <= 3; run++ {
		snap, err := c.Collect(context.Background())
		if err != nil {
			t.Fatalf("run %d: Collect: %v; want the facts without tags", run, err)
		}
		got := map[model.Kind]int{}
		for _, f := range snap.Facts {
			if !f.IsRelation() {
				got[f.Subject.Kind()]++
			}
		}
		if got[model.KindVM] == 0 || got[model.KindVM] != want[model.KindVM] || got[model.KindHost] != want[model.KindHost] {
			t.Errorf("run %d: entities %v; want those of a run with tags off, %v", run, got, want)
		}
		if len(snap.Failures) != 1 || !strings.Contains(snap.Failures[0], "VM tags not read") || !strings.Contains(snap.Failures[0], "no vAPI tagging endpoint") {
			t.Errorf("run %d: failures %q; want one saying the tags were not read, no tagging endpoint", run, snap.Failures)
		}
	}
	if n := strings.Count(logs.String(), "VM tags cannot be read"); n != 1 {
		t.Errorf("the warning was logged %d times over 3 runs; want once:\n%s", n, logs)
	}
}
