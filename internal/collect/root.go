// Package collect runs sources and records what they deliver in the store:
// one full collection per interval, live deltas in between for sources that
// can watch, and a failed run recorded as such (facts kept, source stale).
// The framework, not each source, times every run and counts its outcome.
//
// It is not for deciding what a source collects or how facts relate.
package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/source"
	"github.com/vnetmap/vnetmap/internal/store"
)

// Component schedules the sources it was given and applies their snapshots.
type Component struct {
	store    store.Store
	logger   *slog.Logger
	metrics  *metrics
	onChange func()
	changed  func(since time.Time)
	entries  []*entry
	holder   string // lease holder name; "" when leases are off

	cancel context.CancelFunc
	done   <-chan struct{} // closed when the loops' context ends
	wg     sync.WaitGroup

	mu      sync.Mutex // guards running, busy and every entry's waiters
	running bool
	busy    map[string]int // full runs under way, by source name
}

// leaseName is the lease of a source in the store.
func leaseName(source string) string { return "source:" + source }

// leaseTTL is how long a lease on a source polled every interval lasts:
// half the interval, within 5 s to 1 min. The holder renews it every third
// of that, and a waiting process tries as often, so when a holder dies its
// sources are polled again within about two thirds of their interval.
func leaseTTL(interval time.Duration) time.Duration {
	return min(max(interval/2, 5*time.Second), time.Minute)
}

// UseLeases makes the component poll a source only while it holds that
// source's lease in the store, under the name holder (unique per process),
// so that several processes sharing one database each poll a source one at
// a time and take over the sources of one that dies. It must be called
// before Start. Without it every added source is polled.
func (c *Component) UseLeases(holder string) { c.holder = holder }

// NotifyChanges has f called, after every apply that changed the store and
// before onChange, with a moment at or before every change that apply
// recorded (its snapshot's Taken: the store records a snapshot at that
// moment or later), so that graph.Cache.Changed drops only the maps of past
// moments the change may touch. f must not block: it runs in the apply's
// goroutine. It must be called before Start.
func (c *Component) NotifyChanges(f func(since time.Time)) { c.changed = f }

// applied tells the hooks that an apply of snap changed the store.
func (c *Component) applied(snap model.Snapshot) {
	if c.changed != nil {
		c.changed(snap.Taken)
	}
	c.onChange()
}

type entry struct {
	src      source.Source
	interval time.Duration
	// wake holds a pending trigger (capacity 1: triggers coalesce).
	wake chan struct{}
	// waiters receive the result of the next run started after they were
	// added (capacity 1 each, so the loop never blocks on them); guarded
	// by Component.mu.
	waiters []chan Result
}

// Result is the outcome of one full run of one source.
type Result struct {
	Source  string           `json:"source"`
	Seconds float64          `json:"seconds"`
	Facts   int              `json:"facts"`
	Stats   store.ApplyStats `json:"stats"`
	Err     error            `json:"-"`
	Error   string           `json:"error,omitempty"`
}

// New returns a component that writes to st. onChange, when not nil, is
// called after every successful apply that changed the store (a version
// opened or closed, an event stored), from the goroutine that applied: a
// run that finds everything as it was leaves the caches of the map alone.
func New(st store.Store, logger *slog.Logger, reg prometheus.Registerer, onChange func()) *Component {
	if onChange == nil {
		onChange = func() {}
	}
	return &Component{store: st, logger: logger, metrics: newMetrics(reg), onChange: onChange}
}

// Add schedules src every interval once Start is called. It must not be
// called after Start.
func (c *Component) Add(src source.Source, interval time.Duration) {
	c.entries = append(c.entries, &entry{src: src, interval: interval, wake: make(chan struct{}, 1)})
}

// RunOnce runs every source once, concurrently, and returns one result per
// source in the order they were added. A failed source does not stop the others.
func (c *Component) RunOnce(ctx context.Context) []Result {
	results := make([]Result, len(c.entries))
	var wg sync.WaitGroup
	for i, e := range c.entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.run(ctx, e.src)
		}()
	}
	wg.Wait()
	return results
}

// Collecting reports whether a full run of the source named name is under
// way. It is safe for concurrent use.
func (c *Component) Collecting(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.busy[name] > 0
}

// setBusy counts a full run of the source named name in (d = 1) or out
// (d = -1).
func (c *Component) setBusy(name string, d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy == nil {
		c.busy = map[string]int{}
	}
	c.busy[name] += d
}

// run performs one full collection of src and records it.
func (c *Component) run(ctx context.Context, src source.Source) Result {
	name := src.Name()
	c.setBusy(name, 1)
	defer c.setBusy(name, -1)
	start := time.Now()
	snap, err := src.Collect(ctx)
	res := Result{Source: name, Seconds: time.Since(start).Seconds()}
	c.metrics.duration.WithLabelValues(name).Observe(res.Seconds)
	if err == nil && len(snap.Scope) == 0 {
		c.metrics.recordHealth(name, snap.Health)
	}
	if err == nil {
		if snap.Source == "" {
			snap.Source = name
		}
		res.Facts = len(snap.Facts)
		res.Stats, err = c.store.Apply(ctx, snap)
	}
	if err != nil {
		res.Err, res.Error = err, err.Error()
		c.failed(name, err)
		return res
	}
	if len(snap.Failures) > 0 {
		c.metrics.runs.WithLabelValues(name, "partial").Inc()
		c.metrics.stale.WithLabelValues(name).Set(1)
		c.logger.Warn("collection partly failed; unread facts kept, source marked stale", "source", name,
			"failures", len(snap.Failures), "first", snap.Failures[0])
	} else {
		c.metrics.runs.WithLabelValues(name, "success").Inc()
		c.metrics.stale.WithLabelValues(name).Set(0)
	}
	c.metrics.facts.WithLabelValues(name).Set(float64(res.Facts))
	c.metrics.lastSuccess.WithLabelValues(name).SetToCurrentTime()
	c.logger.Info("collected", "source", name, "facts", res.Facts, "opened", res.Stats.Opened,
		"closed", res.Stats.Closed, "seconds", res.Seconds)
	if changed(res.Stats) {
		c.applied(snap)
	}
	return res
}

// failed records a failed run: the store keeps the facts and marks the source stale.
func (c *Component) failed(name string, err error) {
	c.metrics.runs.WithLabelValues(name, "failure").Inc()
	c.metrics.stale.WithLabelValues(name).Set(1)
	c.logger.Error("collection failed; facts kept, source marked stale", "source", name, "error", err)
	// The store gets its own context: a run cancelled by shutdown is still recorded.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if merr := c.store.MarkFailed(ctx, name, time.Now(), err); merr != nil {
		c.logger.Error("recording failed run", "source", name, "error", merr)
	}
}

// Start launches one goroutine per source: a full collection now and every
// interval, and for watching sources the live deltas in between.
func (c *Component) Start(ctx context.Context) {
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = ctx.Done()
	c.mu.Lock()
	c.running = true
	c.mu.Unlock()
	for _, e := range c.entries {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.loop(ctx, e)
		}()
	}
}

// Stop stops every loop and waits for them. Callers of Run still waiting
// get ErrNotRunning.
func (c *Component) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running = false
	for _, e := range c.entries {
		for _, w := range e.waiters {
			w <- Result{Source: e.src.Name(), Err: ErrNotRunning, Error: ErrNotRunning.Error()}
		}
		e.waiters = nil
	}
}

// ErrUnknownSource is returned by Trigger and Run for a source the
// component was not given.
var ErrUnknownSource = errors.New("collect: unknown source")

// ErrNotRunning is returned by Trigger and Run before Start or after Stop
// (or once Start's context ended).
var ErrNotRunning = errors.New("collect: not running")

// ErrNotHolder is the error of a triggered run that did not happen because
// another process holds the source's lease (see UseLeases): that process
// polls the source.
var ErrNotHolder = errors.New("collect: source polled by another process")

// Sources returns the names of the sources, in the order they were added.
func (c *Component) Sources() []string {
	names := make([]string, len(c.entries))
	for i, e := range c.entries {
		names[i] = e.src.Name()
	}
	return names
}

// Trigger asks for a full run of the source named name, or of every source
// when name is "", now rather than at its next scheduled time, and returns
// at once with the names of the sources asked. Triggers of a source that
// arrive before its loop takes the first one make one run. The next
// scheduled run comes one interval after the triggered one. It is safe for
// concurrent use.
func (c *Component) Trigger(name string) ([]string, error) {
	entries, err := c.ask(name, false)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, a := range entries {
		names[i] = a.e.src.Name()
	}
	return names, nil
}

// Run triggers like Trigger and waits for the runs: for each source, the
// first run that starts after the call (not one already under way). It
// returns one result per source, in the order they were added; a source
// whose lease another process holds gets a result with ErrNotHolder. It
// returns ctx's error when ctx ends first, and ErrNotRunning when the
// component stops first. It is safe for concurrent use.
func (c *Component) Run(ctx context.Context, name string) ([]Result, error) {
	asked, err := c.ask(name, true)
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(asked))
	for i, a := range asked {
		select {
		case results[i] = <-a.result:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, ErrNotRunning
		}
	}
	return results, nil
}

// asked is a source a trigger was sent to, and where its result arrives.
type asked struct {
	e      *entry
	result chan Result
}

// ask sends a trigger to the source named name (every source for ""),
// with a waiter each when wait is set.
func (c *Component) ask(name string, wait bool) ([]asked, error) {
	var out []asked
	for _, e := range c.entries {
		if name == "" || e.src.Name() == name {
			out = append(out, asked{e: e})
		}
	}
	if len(out) == 0 && name != "" {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSource, name)
	}
	c.mu.Lock()
	if !c.running {
		c.mu.Unlock()
		return nil, ErrNotRunning
	}
	if wait {
		for i := range out {
			out[i].result = make(chan Result, 1)
			out[i].e.waiters = append(out[i].e.waiters, out[i].result)
		}
	}
	c.mu.Unlock()
	for _, a := range out {
		select {
		case a.e.wake <- struct{}{}:
		default: // a trigger is pending already; its run serves this one too
		}
	}
	return out, nil
}

// takeWaiters removes and returns the waiters of e.
func (c *Component) takeWaiters(e *entry) []chan Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := e.waiters
	e.waiters = nil
	return w
}

// retryAfter bounds how long a failed source waits before its next try.
const retryAfter = 15 * time.Second

// loop runs one source until ctx ends. Full runs and deltas are applied from
// this goroutine only, in the order they were produced, so a delta observed
// during a full collection is applied after it and wins. With leases, the
// source is run and watched only while this process holds its lease.
func (c *Component) loop(ctx context.Context, e *entry) {
	name := e.src.Name()
	w, watching := e.src.(source.Watcher)
	deltas := make(chan model.Snapshot, 64)
	watchDone := make(chan error, 1)
	var stopWatch context.CancelFunc // non-nil while a watch runs

	leasing := c.holder != ""
	held := !leasing
	ttl := leaseTTL(e.interval)
	// The lease is renewed by a goroutine of its own, so that a run longer
	// than the lease does not lose it; when a renewal fails, the run under
	// way is cancelled and the loop hears of it on lost.
	var lease *keeper
	var lost <-chan struct{}
	if leasing {
		lease = c.keepLease(ctx, name, ttl)
		defer lease.stop()
		lost = lease.lost
		defer c.release(name)
	}
	endWatch := func() {
		if stopWatch != nil {
			stopWatch()
			<-watchDone
			stopWatch = nil
		}
	}
	defer endWatch()

	// One timer for the next full run (or lease attempt): other events
	// (deltas, lease renewals) must not push it back.
	timer := time.NewTimer(0)
	defer timer.Stop()
	// fullRun runs the source and schedules the next run: an interval
	// later, sooner after a failure.
	fullRun := func() Result {
		runCtx, cancel := lease.runContext(ctx)
		res := c.run(runCtx, e.src)
		cancel()
		if ctx.Err() != nil {
			return res
		}
		if res.Err != nil {
			timer.Reset(min(e.interval, retryAfter))
			return res
		}
		timer.Reset(e.interval)
		if watching && stopWatch == nil {
			stopWatch = startWatch(ctx, w, deltas, watchDone)
		}
		return res
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			if !held {
				if held = c.acquire(ctx, name, ttl, false); !held {
					timer.Reset(ttl / 3)
					continue
				}
				lease.hold()
			}
			fullRun()
			if ctx.Err() != nil {
				return
			}
		case <-e.wake:
			waiters := c.takeWaiters(e)
			if !held {
				if held = c.acquire(ctx, name, ttl, false); held {
					lease.hold()
				}
			}
			var res Result
			if held {
				res = fullRun()
			} else {
				res = c.notHeld(ctx, name)
			}
			for _, w := range waiters {
				w <- res
			}
			if ctx.Err() != nil {
				return
			}
		case <-lost:
			held = false
			endWatch()
			timer.Reset(ttl / 3)
		case s := <-deltas:
			if !held {
				continue // observed before the lease was lost: the new holder reads it
			}
			if s.Source == "" {
				s.Source = name
			}
			stats, err := c.store.Apply(ctx, s)
			if err != nil {
				c.logger.Error("applying live change", "source", name, "error", err)
				continue
			}
			c.metrics.deltas.WithLabelValues(name).Inc()
			if changed(stats) {
				c.applied(s)
			}
		case err := <-watchDone:
			stopWatch() // the watch ended on its own; release its context
			stopWatch = nil
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				err = errors.New("watch ended")
			}
			c.failed(name, fmt.Errorf("watching %s: %w", name, err))
			timer.Reset(min(e.interval, retryAfter))
		}
	}
}

// keeper renews one source's lease while the loop holds it.
type keeper struct {
	lost chan struct{} // one value per loss
	done chan struct{}

	mu      sync.Mutex
	held    bool
	cancels map[*int]context.CancelFunc // of the runs under way
}

// keepLease starts renewing the source's lease every ttl/3 while hold was
// called more recently than a loss; stop ends it.
func (c *Component) keepLease(ctx context.Context, name string, ttl time.Duration) *keeper {
	k := &keeper{lost: make(chan struct{}, 1), done: make(chan struct{}), cancels: map[*int]context.CancelFunc{}}
	go func() {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-k.done:
				return
			case <-t.C:
			}
			k.mu.Lock()
			held := k.held
			k.mu.Unlock()
			if !held || c.acquire(ctx, name, ttl, true) {
				continue
			}
			k.mu.Lock()
			k.held = false
			for _, cancel := range k.cancels {
				cancel()
			}
			k.mu.Unlock()
			select {
			case k.lost <- struct{}{}:
			default:
			}
		}
	}()
	return k
}

// hold says the loop took the lease: renew it from now on.
func (k *keeper) hold() {
	k.mu.Lock()
	k.held = true
	k.mu.Unlock()
}

// stop ends the renewals.
func (k *keeper) stop() { close(k.done) }

// runContext returns the context of one run: cancelled when the lease is
// lost. Without leases (k nil) it is ctx itself.
func (k *keeper) runContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if k == nil {
		return ctx, func() {}
	}
	rctx, cancel := context.WithCancel(ctx)
	id := new(int)
	k.mu.Lock()
	k.cancels[id] = cancel
	k.mu.Unlock()
	return rctx, func() {
		k.mu.Lock()
		delete(k.cancels, id)
		k.mu.Unlock()
		cancel()
	}
}

// startWatch runs w.Watch in a goroutine until the returned function is
// called or ctx ends, sending its deltas to deltas and its end to done.
func startWatch(ctx context.Context, w source.Watcher, deltas chan<- model.Snapshot, done chan<- error) context.CancelFunc {
	wctx, cancel := context.WithCancel(ctx)
	go func() {
		done <- w.Watch(wctx, func(s model.Snapshot) error {
			select {
			case deltas <- s:
				return nil
			case <-wctx.Done():
				return wctx.Err()
			}
		})
	}()
	return cancel
}

// acquire takes or renews the source's lease and reports whether this
// process holds it; a store error counts as not holding it, so that two
// processes never poll one source. was says whether it held it before, for
// the log and the gauge.
func (c *Component) acquire(ctx context.Context, name string, ttl time.Duration, was bool) bool {
	ok, err := c.store.Acquire(ctx, leaseName(name), c.holder, time.Now(), ttl)
	if err != nil {
		if ctx.Err() == nil {
			c.logger.Error("lease on source", "source", name, "error", err)
		}
		ok = false
	}
	switch {
	case ok && !was:
		c.metrics.leased.WithLabelValues(name).Set(1)
		c.logger.Info("polling source: lease taken", "source", name, "holder", c.holder)
	case !ok && was:
		c.metrics.leased.WithLabelValues(name).Set(0)
		c.logger.Warn("stopped polling source: lease lost", "source", name, "holder", c.holder)
	}
	return ok
}

// notHeld is the result of a triggered run of a source whose lease another
// process holds.
func (c *Component) notHeld(ctx context.Context, name string) Result {
	err := ErrNotHolder
	if holder, herr := c.store.Holder(ctx, leaseName(name), time.Now()); herr == nil && holder != "" {
		err = fmt.Errorf("%w (%s)", ErrNotHolder, holder)
	}
	c.logger.Info("triggered collection not run here: another process polls the source", "source", name, "error", err)
	return Result{Source: name, Err: err, Error: err.Error()}
}

// release gives the source's lease up at shutdown, so another process takes
// it over at once.
func (c *Component) release(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.store.Release(ctx, leaseName(name), c.holder); err != nil {
		c.logger.Error("releasing lease", "source", name, "error", err)
	}
	c.metrics.leased.WithLabelValues(name).Set(0)
}

// changed reports whether an apply changed anything in the store.
func changed(a store.ApplyStats) bool { return a.Opened+a.Closed+a.Events > 0 }
