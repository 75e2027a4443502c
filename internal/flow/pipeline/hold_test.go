package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/store"
)

// emptyStore is a SQLite store without facts, as serve and demo find on
// their first start.
func emptyStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// startHolding starts a pipeline on st with hold, and stops it at the end.
func startHolding(t *testing.T, st store.Store, hold HoldConfiguration) (*Component, *aggregate.MemorySink, *prometheus.Registry) {
	t.Helper()
	cfg := DefaultConfiguration()
	cfg.Hold = hold
	sink := &aggregate.MemorySink{}
	reg := prometheus.NewRegistry()
	c, err := New(cfg, st, appRules, sink, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	return c, sink, reg
}

// webToDB is n records from VM a to VM b (by MAC), 100 bytes each.
func webToDB(n int) []rec {
	rs := make([]rec, n)
	for i := range rs {
		rs[i] = rec{src: addr("10.20.0.10"), dst: addr("10.20.0.20"), srcMAC: macA, dstMAC: macB, proto: 6,
			srcPort: 40000, dstPort: 5432, bytes: 100, packets: 1}
	}
	return rs
}

// minutesByClass sums the bytes of the minutes by "src class -> dst class".
func minutesByClass(ms []flow.Minute) map[string]uint64 {
	out := map[string]uint64{}
	for _, m := range ms {
		out[m.Src.Class+" -> "+m.Dst.Class] += m.Bytes
	}
	return out
}

// TestHoldUntilIndex: records received before the store has facts (serve
// and demo before their first collection) are held, then attributed once an
// index that knows the VMs is put in use, in the minute they were received;
// beyond hold.records they are attributed at once (unattributed) and
// counted, not lost; hold.max ends the wait.
func TestHoldUntilIndex(t *testing.T) {
	ctx := context.Background()
	received := time.Now().UTC().Add(-2 * time.Minute)
	send := func(c *Component, n int) {
		c.HandleDatagram(0, leaf1Export, netflow9(secs(received), 5000, true, 0, nil), received)
		c.HandleDatagram(0, leaf1Export, netflow9(secs(received), 5000, false, 0, webToDB(n)), received)
	}
	fill := func(t *testing.T, st store.Store) {
		for _, snap := range snapshots(0) {
			snap.Taken = time.Now().UTC().Add(-time.Minute)
			if _, err := st.Apply(ctx, snap); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name       string
		hold       HoldConfiguration
		records    int
		collect    bool // facts arrive and the index is reloaded
		wait       time.Duration
		want       map[string]uint64
		attributed float64
		overflow   float64
		expired    float64
	}{
		{name: "attributed once the index knows the VMs", hold: HoldConfiguration{Records: 100, Max: time.Hour},
			records: 3, collect: true, want: map[string]uint64{"vm -> vm": 300}, attributed: 3},
		{name: "beyond the bound: attributed at once and counted", hold: HoldConfiguration{Records: 2, Max: time.Hour},
			records: 3, collect: true, want: map[string]uint64{"vm -> vm": 200, "external -> external": 100}, attributed: 2, overflow: 1},
		{name: "no index within max: attributed with the index in use and counted", hold: HoldConfiguration{Records: 100, Max: 50 * time.Millisecond},
			records: 3, wait: 300 * time.Millisecond, want: map[string]uint64{"external -> external": 300}, expired: 3},
		{name: "holding off", hold: HoldConfiguration{}, records: 3, collect: true, want: map[string]uint64{"external -> external": 300}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := emptyStore(t)
			c, sink, reg := startHolding(t, st, tc.hold)
			send(c, tc.records)
			if tc.collect {
				fill(t, st)
				if err := c.Refresh(ctx); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(tc.wait)
			if err := c.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			got := minutesByClass(sink.Minutes())
			if len(got) != len(tc.want) {
				t.Errorf("bytes by classes: got %v; want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("bytes by classes: got %v; want %v", got, tc.want)
				}
			}
			for _, m := range sink.Minutes() {
				if want := received.Truncate(time.Minute); !m.Start.Equal(want) {
					t.Errorf("minute %v; want the minute received, %v", m.Start, want)
				}
			}
			for outcome, want := range map[string]float64{"attributed": tc.attributed, "overflow": tc.overflow, "expired": tc.expired} {
				if got := metric(t, reg, "vnetmap_flow_held_records_total", "outcome", outcome); got != want {
					t.Errorf("held records %s: got %v; want %v", outcome, got, want)
				}
			}
			if got := metric(t, reg, "vnetmap_flow_held_records"); got != 0 {
				t.Errorf("records still held: %v", got)
			}
		})
	}
}

// TestHoldNotWhenFacts: a store with facts at Start attributes at once.
func TestHoldNotWhenFacts(t *testing.T) {
	st := emptyStore(t)
	for _, snap := range snapshots(0) {
		snap.Taken = time.Now().UTC().Add(-time.Minute)
		if _, err := st.Apply(context.Background(), snap); err != nil {
			t.Fatal(err)
		}
	}
	c, _, _ := startHolding(t, st, DefaultConfiguration().Hold)
	if c.holding.Load() {
		t.Error("holding records with an index that knows the VMs")
	}
}
