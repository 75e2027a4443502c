package collect

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vnetmap/vnetmap/internal/source/vsphere"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestLeaseOneCollectorAtATime: two components on one database, both
// configured with the same vCenter, take turns: only the lease holder
// collects and watches; when it stops (releasing its lease), the other
// takes the source over at its next lease attempt, and its first run
// changes nothing in the history.
func TestLeaseOneCollectorAtATime(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const interval = 10 * time.Second // lease 5 s, renewed and retried every 1.7 s

	// The second process: its own store handle on the same file, its own
	// vSphere collector of the same vCenter.
	second := func() (*Component, store.Store) {
		st, err := store.Open(ctx, "sqlite:"+h.dbPath)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		col, err := vsphere.New(h.vcfg, discard())
		if err != nil {
			t.Fatal(err)
		}
		c := New(st, discard(), nil, nil)
		c.Add(col, interval)
		return c, st
	}
	h.comp.entries[0].interval = interval
	h.comp.UseLeases("process-a")
	b, _ := second()
	b.UseLeases("process-b")

	h.comp.Start(ctx)
	<-h.changed
	b.Start(ctx)
	defer b.Stop()
	name := h.comp.entries[0].src.Name()
	if holder, err := h.st.Holder(ctx, leaseName(name), time.Now()); err != nil || holder != "process-a" {
		t.Fatalf("holder = %q, %v; want process-a", holder, err)
	}
	// b tries every 1.7 s; give it several tries to (wrongly) collect.
	time.Sleep(4 * time.Second)
	if n := value(t, b.metrics.runs.WithLabelValues(name, "success")); n != 0 {
		t.Fatalf("the process without the lease ran %v collections", n)
	}
	before := openSince(t, h.st)

	h.comp.Stop() // graceful: releases the lease
	took := waitFor(t, "process-b to take the lease", func() bool {
		holder, _ := h.st.Holder(ctx, leaseName(name), time.Now())
		return holder == "process-b"
	})
	t.Logf("process-b took %s over %s after process-a stopped", took, name)
	if took > interval {
		t.Errorf("takeover after %s; want within the polling interval %s", took, interval)
	}
	waitFor(t, "process-b to collect", func() bool {
		return value(t, b.metrics.runs.WithLabelValues(name, "success")) == 1
	})
	if v := value(t, b.metrics.leased.WithLabelValues(name)); v != 1 {
		t.Errorf("process-b lease gauge = %v; want 1", v)
	}
	after := openSince(t, h.st)
	if len(after) != len(before) {
		t.Errorf("%d facts valid before the takeover, %d after", len(before), len(after))
	}
	for k, from := range before {
		if !after[k].Equal(from) {
			t.Errorf("fact %s valid since %v before the takeover, since %v after: the new holder reopened it", k, from, after[k])
			break
		}
	}
}

// openSince maps every fact valid now to the start of its version.
func openSince(t *testing.T, st store.Store) map[string]time.Time {
	t.Helper()
	vs, err := st.FactsAt(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]time.Time, len(vs))
	for _, v := range vs {
		out[v.Key()] = v.From
	}
	return out
}

// value reads a counter or gauge.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// TestDeltasDoNotDelayFullRuns: live changes arriving more often than the
// polling interval do not push the next full collection back: while VMs
// migrate every 300 ms, full runs still come every interval.
func TestDeltasDoNotDelayFullRuns(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const interval = 3 * time.Second
	h.comp.entries[0].interval = interval
	name := h.comp.entries[0].src.Name()
	h.comp.Start(ctx)
	defer h.comp.Stop()
	<-h.changed
	rnd := rand.New(rand.NewPCG(3, 4))
	start := time.Now()
	runs := func() float64 { return value(t, h.comp.metrics.runs.WithLabelValues(name, "success")) }
	deltas := func() float64 { return value(t, h.comp.metrics.deltas.WithLabelValues(name)) }
	// Migrate until deltas have kept arriving for three intervals (bounded:
	// a slow machine makes each migration slower, not the test wrong).
	for time.Since(start) < 90*time.Second && (time.Since(start) < 4*interval || deltas() < 3) {
		if _, _, _, err := h.dc.RandomMigration(ctx, rnd); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	// A full run of the simulator takes seconds itself under the race
	// detector on a loaded machine, and the next one comes an interval after
	// it ends: ask for one more run than the first, which a timer pushed
	// back by every delta would never make.
	if d, r := deltas(), runs(); d < 3 || r < 2 {
		t.Errorf("over %s with a %s interval: %v full runs, %v deltas; want at least 2 runs and 3 deltas", time.Since(start).Round(time.Second), interval, r, d)
	}
}
