package collect

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
	"github.com/vnetmap/vnetmap/internal/store"
)

// harness is the simulated data center collected by the vSphere source
// into a SQLite store through the component under test.
type harness struct {
	dc      *sim.DataCenter
	st      store.Store
	q       *query.Service
	comp    *Component
	changed chan struct{}
	dbPath  string                // the SQLite file
	vcfg    vsphere.Configuration // the vSphere source's configuration
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, sim.DefaultConfig())
}

func newHarnessWith(t testing.TB, cfg sim.Config) *harness {
	t.Helper()
	ctx := context.Background()
	cfg.Seed = 7
	dc, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	env := "VNETMAP_TEST_COLLECT_PW"
	t.Setenv(env, dc.Password())
	vcfg := vsphere.DefaultConfiguration()
	vcfg.Name, vcfg.URL, vcfg.Username, vcfg.PasswordEnv, vcfg.Insecure = "vc-test", dc.URL(), dc.Username(), env, true
	vcfg.Timeout = 30 * time.Second
	logger := discard()
	col, err := vsphere.New(vcfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := t.TempDir() + "/v.db"
	st, err := store.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{dc: dc, st: st, q: query.New(st, nil), changed: make(chan struct{}, 100), dbPath: dbPath, vcfg: vcfg}
	h.comp = New(st, logger, nil, func() {
		h.q.Cache.Invalidate()
		select {
		case h.changed <- struct{}{}:
		default:
		}
	})
	h.comp.Add(col, time.Hour)
	return h
}

// discard is the tests' logger: silent unless -v.
func discard() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// waitFor polls cond every 50 ms until it holds or 60 s pass (a deadline
// for slow machines, not a measure).
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 60*time.Second {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
	return 0
}

func TestLiveMigrationIsRecorded(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.comp.Start(ctx)
	defer h.comp.Stop()
	<-h.changed

	vm, from, to, err := h.dc.RandomMigration(ctx, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	lag := waitFor(t, "where to show "+vm+" on "+to, func() bool {
		a, err := h.q.Where(ctx, vm, time.Time{})
		return err == nil && a.Host != nil && a.Host.Name == to
	})
	t.Logf("migration of %s from %s to %s visible in where after %s", vm, from, to, lag)

	hist, err := h.q.History(ctx, vm, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Placements) != 2 {
		t.Fatalf("placements = %+v; want 2", hist.Placements)
	}
	first, second := hist.Placements[0], hist.Placements[1]
	if first.HostName != from || first.To.IsZero() || second.HostName != to || !second.To.IsZero() || !first.To.Equal(second.From) {
		t.Errorf("placements = %+v; want %s then %s, back to back, the second open", hist.Placements, from, to)
	}
	if second.Move == nil || !strings.Contains(second.Move.Type, "Migrat") && !strings.Contains(second.Move.Type, "Relocat") {
		t.Errorf("second placement move = %+v; want the migration event", second.Move)
	}
}

func TestVCenterGoneKeepsFactsAndMarksStale(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if r := h.comp.RunOnce(ctx); r[0].Err != nil {
		t.Fatalf("first run: %v", r[0].Err)
	}
	if v := value(t, h.comp.metrics.stale.WithLabelValues("vc-test")); v != 0 {
		t.Errorf("stale gauge after a good run = %v; want 0", v)
	}
	vm := h.dc.VMs()[0].Name
	before, err := h.q.Where(ctx, vm, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h.dc.Close()
	r := h.comp.RunOnce(ctx)
	if r[0].Err == nil {
		t.Fatal("run against a closed vCenter succeeded")
	}
	if v := value(t, h.comp.metrics.stale.WithLabelValues("vc-test")); v != 1 {
		t.Errorf("stale gauge after a failed run = %v; want 1", v)
	}
	if !strings.Contains(r[0].Err.Error(), "127.0.0.1") {
		t.Errorf("error %q does not name the vCenter", r[0].Err)
	}
	h.q.Cache.Invalidate()
	after, err := h.q.Where(ctx, vm, time.Time{})
	if err != nil {
		t.Fatalf("where after the failed run: %v", err)
	}
	if after.Host == nil || after.Host.Name != before.Host.Name || len(after.VNICs) != len(before.VNICs) {
		t.Errorf("after the failed run %s is on %+v with %d vNICs; want %s with %d, as before", vm, after.Host, len(after.VNICs), before.Host.Name, len(before.VNICs))
	}
	if len(after.Stale) != 1 || after.Stale[0].Name != "vc-test" || after.Stale[0].LastError == "" {
		t.Errorf("stale sources = %+v; want vc-test with its error", after.Stale)
	}
	if strings.Contains(after.Stale[0].LastError, h.dc.Password()) {
		t.Error("the stored error holds the password")
	}
}
