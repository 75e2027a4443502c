package check_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestWriteGeneratedInventory writes the 100,000-VM generated inventory to
// the store named by VNETMAP_WRITE_INVENTORY (a DSN), one snapshot per
// source, for measuring `vnetmap serve` on it (BENCHMARKS.md, "API under
// load"). It is skipped without that variable: it is a tool, not a test.
func TestWriteGeneratedInventory(t *testing.T) {
	dsn := os.Getenv("VNETMAP_WRITE_INVENTORY")
	if dsn == "" {
		t.Skip("set VNETMAP_WRITE_INVENTORY=DSN to write the 100,000-VM inventory there")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snaps := map[string]*model.Snapshot{}
	for _, v := range inventory(100_000, 5_000) {
		s := snaps[v.Source]
		if s == nil {
			s = &model.Snapshot{Source: v.Source, Taken: time.Now().Add(-time.Hour)}
			snaps[v.Source] = s
		}
		s.Facts = append(s.Facts, v.Fact)
	}
	for name, s := range snaps {
		stats, err := st.Apply(ctx, *s)
		if err != nil {
			t.Fatalf("apply %s: %v", name, err)
		}
		t.Logf("%s: %d facts stored", name, stats.Opened)
	}
}
