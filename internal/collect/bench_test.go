package collect

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/sim"
)

// BenchmarkMigrationVisible measures the time from the RelocateVM call in
// the simulated vCenter to `where` (the query service, as the REST API
// calls it) showing the VM on its new host, through the live watch;
// relocate-task-ms is the part spent in the simulator's relocate task. Set
// VNETMAP_BENCH_SCALE=1 for the 10,000-VM, 500-host inventory.
func BenchmarkMigrationVisible(b *testing.B) {
	cfg := sim.DefaultConfig()
	if v, _ := strconv.ParseBool(os.Getenv("VNETMAP_BENCH_SCALE")); v {
		cfg = sim.ScaleConfig()
	}
	h := newHarnessWith(b, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.comp.Start(ctx)
	defer h.comp.Stop()
	<-h.changed
	if _, err := h.q.Where(ctx, "web01", time.Time{}); err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	var worst, relocating time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		vm, _, to, err := h.dc.RandomMigration(ctx, rnd)
		if err != nil {
			b.Fatal(err)
		}
		relocating += time.Since(start)
		for {
			a, err := h.q.Where(ctx, vm, time.Time{})
			if err == nil && a.Host != nil && a.Host.Name == to {
				break
			}
			if time.Since(start) > time.Minute {
				b.Fatalf("%s not seen on %s after a minute", vm, to)
			}
			time.Sleep(5 * time.Millisecond)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(worst.Seconds()*1000, "worst-ms")
	b.ReportMetric(relocating.Seconds()*1000/float64(b.N), "relocate-task-ms")
}
