package graph

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vnetmap/vnetmap/internal/model"
)

// counting is a loader that counts its builds and builds a graph of n VMs
// (n from vms, default 1) at the moment asked.
type counting struct {
	builds atomic.Int64
	delay  time.Duration
	vms    func(at time.Time) int
}

func (l *counting) load(_ context.Context, at time.Time) (*Graph, error) {
	l.builds.Add(1)
	time.Sleep(l.delay)
	n := 1
	if l.vms != nil {
		n = l.vms(at)
	}
	return Build(at, inventory(n, 1)), nil
}

// changesAt is a Changes over the change moments ts (ascending).
func changesAt(ts ...time.Time) Changes {
	return func(_ context.Context, t time.Time) (last, next time.Time, err error) {
		for _, c := range ts {
			if c.After(t) {
				return last, c, nil
			}
			last = c
		}
		return last, time.Time{}, nil
	}
}

func TestCacheOneBuildPerMoment(t *testing.T) {
	l := &counting{delay: 50 * time.Millisecond}
	c := NewCache(l.load)
	at := t0.Add(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			g, err := c.At(context.Background(), at)
			if err == nil && !g.At.Equal(at) {
				err = fmt.Errorf("map at %v; want %v", g.At, at)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := l.builds.Load(); got != 1 {
		t.Errorf("20 concurrent requests for one moment built %d maps; want 1", got)
	}
	if _, err := c.At(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	if got := l.builds.Load(); got != 1 {
		t.Errorf("a request after them built again: %d builds; want 1", got)
	}
}

func TestCacheQuietIntervalShares(t *testing.T) {
	t1, t2 := t0.Add(time.Hour), t0.Add(3*time.Hour)
	l := &counting{}
	c := NewCache(l.load, WithChanges(changesAt(t0, t1, t2)))
	ctx := context.Background()
	moments := []time.Time{t1, t1.Add(time.Minute), t1.Add(90 * time.Minute), t2.Add(-time.Microsecond)}
	var first *Graph
	for _, at := range moments {
		g, err := c.At(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if !g.At.Equal(at) {
			t.Errorf("map for %v says %v", at, g.At)
		}
		if first == nil {
			first = g
		} else if g.nodes == nil || fmt.Sprintf("%p", g.nodes) != fmt.Sprintf("%p", first.nodes) {
			t.Errorf("map for %v is not the one of %v", at, moments[0])
		}
	}
	if got := l.builds.Load(); got != 1 {
		t.Errorf("%d moments of one quiet interval built %d maps; want 1", len(moments), got)
	}
	if _, err := c.At(ctx, t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := l.builds.Load(); got != 2 {
		t.Errorf("a moment of another interval: %d builds; want 2", got)
	}
	// After the last change: the map of now, built once, whatever the moment.
	now, err := c.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{t2, t2.Add(time.Hour), time.Now()} {
		g, err := c.At(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%p", g.nodes) != fmt.Sprintf("%p", now.nodes) || !g.At.Equal(at) {
			t.Errorf("map for %v (after the last change) is not the map of now with At %v", at, at)
		}
	}
	if got := l.builds.Load(); got != 3 {
		t.Errorf("moments after the last change: %d builds; want 3 (the map of now once)", got)
	}
}

func TestCacheBudgetEvictsLeastRecentlyUsed(t *testing.T) {
	l := &counting{vms: func(time.Time) int { return 2000 }}
	probe, _ := l.load(context.Background(), t0)
	l.builds.Store(0)
	size := probe.Size()
	reg := prometheus.NewRegistry()
	// Room for two maps, not three.
	mib := int((2*size + size/2) >> 20)
	if mib < 1 || int64(mib)<<20 < 2*size || int64(mib)<<20 >= 3*size {
		t.Fatalf("a map of 2,000 VMs is %d bytes: no whole MiB holds two and not three", size)
	}
	c := NewCache(l.load, WithConfiguration(CacheConfiguration{CacheMiB: mib, Builds: 2, AnonymousBuilds: 1}), WithRegisterer(reg))
	ctx := context.Background()
	a, b, d := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	for _, at := range []time.Time{a, b, a, d} { // b is the least recently used when d comes
		if _, err := c.At(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.builds.Load(); got != 3 {
		t.Fatalf("builds = %d; want 3", got)
	}
	if _, err := c.At(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := l.builds.Load(); got != 3 {
		t.Errorf("a, used recently, was built again (builds %d); want it kept", got)
	}
	if _, err := c.At(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := l.builds.Load(); got != 4 {
		t.Errorf("b, the least recently used, was kept (builds %d); want it evicted and built again", got)
	}
	if got := value(t, c.metrics.evictions); got != 2 {
		t.Errorf("evictions = %v; want 2 (b for d, then d or a for b)", got)
	}
	if got := value(t, c.metrics.bytes); got != float64(2*size) {
		t.Errorf("cache bytes = %v; want %d", got, 2*size)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, n := range []string{"vnetmap_graph_cache_hits_total", "vnetmap_graph_cache_misses_total", "vnetmap_graph_cache_evictions_total",
		"vnetmap_graph_cache_bytes", "vnetmap_graph_builds_in_flight", "vnetmap_graph_builds_refused_total", "vnetmap_graph_build_seconds"} {
		if !names[n] {
			t.Errorf("metric %s not exported", n)
		}
	}
}

// held is a build hook that holds every build until release is closed, and
// says on started when one begins.
type held struct {
	started chan time.Time
	release chan struct{}
}

func newHeld() *held { return &held{started: make(chan time.Time, 10), release: make(chan struct{})} }

func (h *held) hook(at time.Time) {
	h.started <- at
	<-h.release
}

func (h *held) awaitStart(t *testing.T) {
	t.Helper()
	select {
	case <-h.started:
	case <-time.After(10 * time.Second):
		t.Fatal("no build started")
	}
}

func TestCacheBuildBound(t *testing.T) {
	l := &counting{}
	c := NewCache(l.load, WithConfiguration(CacheConfiguration{CacheMiB: 16, Builds: 1, AnonymousBuilds: 0}))
	h := newHeld()
	c.buildHook = h.hook
	ctx := context.Background()
	a, b := t0.Add(time.Hour), t0.Add(2*time.Hour)
	first := make(chan error, 2)
	go func() { _, err := c.At(ctx, a); first <- err }()
	h.awaitStart(t)
	go func() { _, err := c.At(ctx, a); first <- err }() // joins the build running: not refused

	_, err := c.At(ctx, b)
	var busy *BusyError
	if !errors.As(err, &busy) || !errors.Is(err, ErrBusy) {
		t.Fatalf("a second moment while one is built: %v; want a BusyError", err)
	}
	if busy.Builds != 1 || busy.Limit != 1 || busy.RetryAfter < time.Second {
		t.Errorf("busy = %+v; want 1 build, limit 1, retry after at least 1s", busy)
	}
	close(h.release)
	for range 2 {
		if err := <-first; err != nil {
			t.Errorf("request for the moment being built: %v", err)
		}
	}
	if got := value(t, c.metrics.refused); got != 1 {
		t.Errorf("refused = %v; want 1", got)
	}
	// Anonymous (AnonymousBuilds 0): a kept map is served, a new moment is not built.
	anon := Anonymous(ctx)
	if _, err := c.At(anon, a); err != nil {
		t.Errorf("anonymous request for a kept map: %v", err)
	}
	if _, err := c.At(anon, b); !errors.Is(err, ErrBusy) {
		t.Errorf("anonymous request for a new moment under limit 0: %v; want ErrBusy", err)
	}
	if _, err := c.At(ctx, b); err != nil {
		t.Errorf("once the build ended: %v", err)
	}
	if got := l.builds.Load(); got != 2 {
		t.Errorf("builds = %d; want 2", got)
	}
}

func TestCacheNowReadersNotBlocked(t *testing.T) {
	var vms atomic.Int64
	vms.Store(1)
	l := &counting{vms: func(time.Time) int { return int(vms.Load()) }}
	c := NewCache(l.load)
	ctx := context.Background()
	old, err := c.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := newHeld()
	c.buildHook = h.hook
	vms.Store(2)
	c.Invalidate()
	rebuilt := make(chan *Graph, 1)
	go func() {
		g, err := c.Now(ctx) // the first reader after the change rebuilds
		if err != nil {
			t.Error(err)
		}
		rebuilt <- g
	}()
	h.awaitStart(t)

	// While the rebuild is held open: readers get the previous map at once,
	// and changes are told without waiting.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			g, err := c.Now(ctx)
			if err != nil || g != old {
				t.Errorf("reader during the rebuild got %p, %v; want the previous map %p", g, err, old)
				return
			}
			if g, err := c.At(ctx, time.Time{}); err != nil || g != old {
				t.Errorf("At(zero) during the rebuild got %p, %v; want the previous map", g, err)
				return
			}
		}
		c.Changed(time.Now())
		c.Invalidate()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("readers or Changed blocked by the rebuild")
	}
	vms.Store(3)
	close(h.release)
	g := <-rebuilt
	if g == old || g.CountByKind()[model.KindVM] != 3 {
		t.Fatalf("the rebuild returned %p with %d VMs; want a new map of 3", g, g.CountByKind()[model.KindVM])
	}
	// The changes told during the rebuild make one more rebuild, in the
	// background, not two.
	g3, err := c.Fresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g3 == g || g3.CountByKind()[model.KindVM] != 3 {
		t.Errorf("after the changes told during the rebuild: %p (the held one %p), %d VMs; want another map of 3", g3, g, g3.CountByKind()[model.KindVM])
	}
	if got := l.builds.Load(); got != 3 {
		t.Errorf("builds = %d; want 3 (first, the held rebuild, one for both changes told during it)", got)
	}
	if g, _ := c.Now(ctx); g != g3 {
		t.Error("Now without a change since did not return the same map")
	}
}

func TestCacheFreshWaitsForChange(t *testing.T) {
	var vms atomic.Int64
	vms.Store(1)
	l := &counting{vms: func(time.Time) int { return int(vms.Load()) }}
	c := NewCache(l.load)
	ctx := context.Background()
	if _, err := c.Now(ctx); err != nil {
		t.Fatal(err)
	}
	h := newHeld()
	c.buildHook = h.hook
	c.Invalidate()
	go func() { _, _ = c.Now(ctx) }() // a rebuild from before the next change
	h.awaitStart(t)
	vms.Store(2)
	c.Invalidate()
	fresh := make(chan *Graph, 1)
	go func() {
		g, err := c.Fresh(ctx)
		if err != nil {
			t.Error(err)
		}
		fresh <- g
	}()
	close(h.release)
	<-h.started // the rebuild Fresh waits for
	select {
	case g := <-fresh:
		if n := g.CountByKind()[model.KindVM]; n != 2 {
			t.Errorf("Fresh returned a map of %d VMs; want 2 (the change told before it)", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Fresh did not return")
	}
}

func TestCacheChangedDropsAffectedOnly(t *testing.T) {
	t1, t2, t3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(4*time.Hour)
	l := &counting{}
	c := NewCache(l.load, WithChanges(changesAt(t0, t1, t2, t3)))
	ctx := context.Background()
	for _, at := range []time.Time{t1, t2} {
		if _, err := c.At(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	// A snapshot taken between t1 and t2 (recorded late, at or after
	// its Taken): the map of t2's interval may hold it, t1's cannot.
	c.Changed(t1.Add(30 * time.Minute))
	if _, err := c.At(ctx, t1.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := l.builds.Load(); got != 2 {
		t.Errorf("the map before the change was built again (builds %d); want kept", got)
	}
	if _, err := c.At(ctx, t2.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := l.builds.Load(); got != 3 {
		t.Errorf("the map at or after the change was kept (builds %d); want dropped and built again", got)
	}
	c.Invalidate() // a change at an unknown moment: every past map goes
	if _, err := c.At(ctx, t1); err != nil {
		t.Fatal(err)
	}
	if got := l.builds.Load(); got != 4 {
		t.Errorf("after Invalidate: builds %d; want 4", got)
	}
}

// TestSizeEstimate checks Graph.Size against the heap a graph retains.
func TestSizeEstimate(t *testing.T) {
	for _, tc := range []struct {
		name              string
		vms, hosts, leafs int
	}{
		{"1,000 VMs", 1000, 50, 4},
		{"10,000 VMs", 10000, 500, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			g := Build(t0, fabric(inventory(tc.vms, tc.hosts), tc.hosts, tc.leafs))
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			est := g.Size()
			runtime.KeepAlive(g)
			ratio := float64(est) / float64(heap)
			t.Logf("estimate %d bytes, heap retained %d bytes: %.2f", est, heap, ratio)
			if ratio < 0.67 || ratio > 1.5 {
				t.Errorf("Size() = %d bytes for %d retained: ratio %.2f; want 0.67 to 1.5", est, heap, ratio)
			}
		})
	}
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

// TestCacheIntervalsRemembered: a moment within the quiet interval of a
// kept map, or after the last change, is keyed without asking the store
// again, until a change is told: then the intervals it may split are asked
// again.
func TestCacheIntervalsRemembered(t *testing.T) {
	t1, t2 := t0.Add(time.Hour), t0.Add(3*time.Hour)
	var asked atomic.Int64
	changes := changesAt(t0, t1, t2)
	l := &counting{}
	c := NewCache(l.load, WithChanges(func(ctx context.Context, at time.Time) (time.Time, time.Time, error) {
		asked.Add(1)
		return changes(ctx, at)
	}))
	ctx := context.Background()
	ask := func(at time.Time, wantAsked, wantBuilds int64) {
		t.Helper()
		if _, err := c.At(ctx, at); err != nil {
			t.Fatal(err)
		}
		if asked.Load() != wantAsked || l.builds.Load() != wantBuilds {
			t.Errorf("At(%v): store asked %d times, %d builds; want %d, %d", at.Sub(t0), asked.Load(), l.builds.Load(), wantAsked, wantBuilds)
		}
	}
	ask(t1.Add(time.Minute), 1, 1)
	ask(t1.Add(time.Hour), 1, 1)        // same interval: remembered
	ask(t2.Add(time.Hour), 2, 2)        // after the last change: the map of now
	ask(t2.Add(2*time.Hour), 2, 2)      // remembered too
	c.Changed(t1.Add(90 * time.Minute)) // splits [t1, t2) and ends the open interval
	ask(t1.Add(time.Hour), 2, 2)        // before the change: still remembered and kept
	ask(t1.Add(100*time.Minute), 3, 2)  // after it: asked again (the same key here: still [t1, t2) in this store)
	ask(t2.Add(time.Hour), 4, 2)        // asked again; the map of now, rebuilt in the background, is not waited for
	if _, err := c.Fresh(ctx); err != nil || l.builds.Load() != 3 {
		t.Errorf("Fresh after the change: %v, %d builds; want the rebuild (3)", err, l.builds.Load())
	}
}

// TestCacheChangedRebuildsInBackground: after Changed (the collector's
// hook) the map of now is rebuilt without a reader asking, and no reader
// waits for it, not even the first.
func TestCacheChangedRebuildsInBackground(t *testing.T) {
	var vms atomic.Int64
	vms.Store(1)
	l := &counting{vms: func(time.Time) int { return int(vms.Load()) }}
	c := NewCache(l.load)
	ctx := context.Background()
	old, err := c.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := newHeld()
	c.buildHook = h.hook
	vms.Store(2)
	c.Changed(time.Now())
	start := time.Now()
	if g, err := c.Now(ctx); err != nil || g != old {
		t.Errorf("first reader after the change got %p, %v; want the previous map at once", g, err)
	}
	h.awaitStart(t) // started by itself
	if g, err := c.Now(ctx); err != nil || g != old || time.Since(start) > 5*time.Second {
		t.Errorf("reader during the background rebuild got %p, %v after %s; want the previous map at once", g, err, time.Since(start))
	}
	close(h.release)
	g, err := c.Fresh(ctx)
	if err != nil || g.CountByKind()[model.KindVM] != 2 || l.builds.Load() != 2 {
		t.Errorf("Fresh: %v, %d VMs, %d builds; want the rebuilt map of 2 VMs, 2 builds", err, g.CountByKind()[model.KindVM], l.builds.Load())
	}
}
