package collect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/source/inventory"
	"github.com/vnetmap/vnetmap/internal/store"
)

// cabling returns a cabling CSV of n cables.
func cabling(n int) string {
	var b strings.Builder
	b.WriteString("host,pnic,switch,port\n")
	for i := range n {
		fmt.Fprintf(&b, "esx%02d,vmnic0,leaf1,Ethernet1/%d\n", i+1, i+1)
	}
	return b.String()
}

// inventorySource returns an inventory source reading file.
func inventorySource(t *testing.T, name, file string) *inventory.Collector {
	t.Helper()
	src, err := inventory.New(inventory.Configuration{Name: name, File: file})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// sqliteStore opens a SQLite store at path, closed when t ends.
func sqliteStore(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestTrigger: a trigger runs the named source (or every source) now, Run
// returns each run's result in the order the sources were added, and an
// unknown source or a stopped component is an error.
func TestTrigger(t *testing.T) {
	dir := t.TempDir()
	for name, n := range map[string]int{"a.csv": 2, "b.csv": 3} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(cabling(n)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st := sqliteStore(t, filepath.Join(dir, "v.db"))
	var applied atomic.Int64
	comp := New(st, discard(), nil, func() { applied.Add(1) })
	comp.Add(inventorySource(t, "a", filepath.Join(dir, "a.csv")), time.Hour)
	comp.Add(inventorySource(t, "b", filepath.Join(dir, "b.csv")), time.Hour)
	ctx := context.Background()

	if _, err := comp.Run(ctx, "a"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Run before Start: %v; want ErrNotRunning", err)
	}
	comp.Start(ctx)
	if _, err := comp.Trigger("nope"); !errors.Is(err, ErrUnknownSource) {
		t.Errorf("Trigger(nope): %v; want ErrUnknownSource", err)
	}
	res, err := comp.Run(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Source != "b" || res[0].Err != nil || res[0].Facts != 3 {
		t.Errorf("Run(b) = %+v; want one successful run of b with 3 facts", res)
	}
	res, err = comp.Run(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Source != "a" || res[1].Source != "b" || res[0].Facts != 2 || res[1].Facts != 3 {
		t.Errorf("Run(all) = %+v; want a (2 facts) then b (3 facts)", res)
	}
	names, err := comp.Trigger("")
	if err != nil || strings.Join(names, ",") != "a,b" {
		t.Errorf("Trigger(all) = %v, %v; want a,b", names, err)
	}
	// Each source: the scheduled first run, one or two triggered runs, and
	// the last trigger's run, which Run(a) below waits for at the latest.
	if _, err := comp.Run(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := value(t, comp.metrics.runs.WithLabelValues("a", "success")); got < 3 {
		t.Errorf("runs of a = %v; want at least 3 (scheduled, two triggered)", got)
	}
	comp.Stop()
	if _, err := comp.Trigger("a"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Trigger after Stop: %v; want ErrNotRunning", err)
	}
	runs := value(t, comp.metrics.runs.WithLabelValues("a", "success")) + value(t, comp.metrics.runs.WithLabelValues("b", "success"))
	if runs < 5 {
		t.Errorf("%v runs; want at least 5", runs)
	}
	// Only the first run of each source changed the store: the map's
	// caches were invalidated twice, not once per run.
	if applied.Load() != 2 {
		t.Errorf("change hook called %d times; want 2 (the first run of each source)", applied.Load())
	}
}

// TestRunWaitsForARunStartedAfterIt: a run under way when Run is called
// does not answer it; the next one does. The source reads a FIFO, so the
// test decides when each run reads and what.
func TestRunWaitsForARunStartedAfterIt(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cabling.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// feed waits for a run to open the FIFO, then gives it csv.
	feed := func(csv string) {
		t.Helper()
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteString(csv); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	st := sqliteStore(t, filepath.Join(dir, "v.db"))
	applied := make(chan struct{}, 10)
	comp := New(st, discard(), nil, func() { applied <- struct{}{} })
	comp.Add(inventorySource(t, "cab", fifo), time.Hour)
	comp.Start(context.Background())
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			comp.Stop()
		}
	})

	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // returns once the first run reads
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		res []Result
		err error
	}
	got := make(chan answer, 1)
	go func() {
		res, err := comp.Run(context.Background(), "cab")
		got <- answer{res, err}
	}()
	waitFor(t, "Run to register", func() bool {
		comp.mu.Lock()
		defer comp.mu.Unlock()
		return len(comp.entries[0].waiters) == 1
	})
	if _, err := w.WriteString(cabling(1)); err != nil { // the run under way: 1 cable
		t.Fatal(err)
	}
	w.Close()
	// Once the run under way closed the FIFO, so that it cannot read what
	// the next writer writes.
	<-applied
	feed(cabling(2)) // the triggered run: 2 cables
	a := <-got
	if a.err != nil || len(a.res) != 1 || a.res[0].Facts != 2 {
		t.Fatalf("Run = %+v, %v; want the triggered run's 2 facts, not the 1 of the run under way", a.res, a.err)
	}

	// A Run waiting when the component stops gets ErrNotRunning.
	comp.Trigger("cab")
	w, err = os.OpenFile(fifo, os.O_WRONLY, 0) // a run is under way again
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		res, err := comp.Run(context.Background(), "cab")
		got <- answer{res, err}
	}()
	waitFor(t, "Run to register", func() bool {
		comp.mu.Lock()
		defer comp.mu.Unlock()
		return len(comp.entries[0].waiters) == 1
	})
	stopDone := make(chan struct{})
	go func() { comp.Stop(); close(stopDone) }()
	if a := <-got; !errors.Is(a.err, ErrNotRunning) {
		t.Errorf("Run during Stop = %+v, %v; want ErrNotRunning", a.res, a.err)
	}
	w.Close() // lets the run under way end, and Stop return
	<-stopDone
	stopped = true
}

// TestTriggerConcurrent: many goroutines trigger and wait at once (run
// with -race); every Run gets a successful result and triggers coalesce
// into at most one run each.
func TestTriggerConcurrent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cabling.csv")
	if err := os.WriteFile(file, []byte(cabling(4)), 0o600); err != nil {
		t.Fatal(err)
	}
	st := sqliteStore(t, filepath.Join(dir, "v.db"))
	comp := New(st, discard(), nil, nil)
	comp.Add(inventorySource(t, "x", file), time.Hour)
	comp.Add(inventorySource(t, "y", file), time.Hour)
	comp.Start(context.Background())
	defer comp.Stop()
	const callers = 24
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := []string{"", "x", "y"}[i%3]
			if i%4 == 0 {
				if _, err := comp.Trigger(name); err != nil {
					errs <- err
				}
				return
			}
			res, err := comp.Run(context.Background(), name)
			if err != nil {
				errs <- err
				return
			}
			for _, r := range res {
				if r.Err != nil || r.Facts != 4 {
					errs <- fmt.Errorf("Run(%q): %+v", name, r)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, name := range []string{"x", "y"} {
		if runs := value(t, comp.metrics.runs.WithLabelValues(name, "success")); runs < 2 || runs > callers+1 {
			t.Errorf("runs of %s = %v; want 2 to %d", name, runs, callers+1)
		}
	}
}

// TestTriggerWithLeases: a process that does not hold a source's lease
// does not run it when triggered; the result names the holder.
func TestTriggerWithLeases(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cabling.csv")
	if err := os.WriteFile(file, []byte(cabling(1)), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "v.db")
	ctx := context.Background()
	first := make(chan struct{}, 1)
	holder := New(sqliteStore(t, db), discard(), nil, func() {
		select {
		case first <- struct{}{}:
		default:
		}
	})
	holder.Add(inventorySource(t, "cab", file), time.Hour)
	holder.UseLeases("proc-a")
	holder.Start(ctx)
	defer holder.Stop()
	<-first
	other := New(sqliteStore(t, db), discard(), nil, nil)
	other.Add(inventorySource(t, "cab", file), time.Hour)
	other.UseLeases("proc-b")
	other.Start(ctx)
	defer other.Stop()

	res, err := other.Run(ctx, "cab")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !errors.Is(res[0].Err, ErrNotHolder) || !strings.Contains(res[0].Error, "proc-a") {
		t.Errorf("Run on the non-holder = %+v; want ErrNotHolder naming proc-a", res)
	}
	if res, err := holder.Run(ctx, "cab"); err != nil || res[0].Err != nil {
		t.Errorf("Run on the holder = %+v, %v; want a successful run", res, err)
	}
}
