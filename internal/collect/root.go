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
	entries  []entry
	holder   string // lease holder name; "" when leases are off

	cancel context.CancelFunc
	wg     sync.WaitGroup
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

type entry struct {
	src      source.Source
	interval time.Duration
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
// called after every successful apply (from the goroutine that applied).
func New(st store.Store, logger *slog.Logger, reg prometheus.Registerer, onChange func()) *Component {
	if onChange == nil {
		onChange = func() {}
	}
	return &Component{store: st, logger: logger, metrics: newMetrics(reg), onChange: onChange}
}

// Add schedules src every interval once Start is called. It must not be
// called after Start.
func (c *Component) Add(src source.Source, interval time.Duration) {
	c.entries = append(c.entries, entry{src: src, interval: interval})
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

// run performs one full collection of src and records it.
func (c *Component) run(ctx context.Context, src source.Source) Result {
	name := src.Name()
	start := time.Now()
	snap, err := src.Collect(ctx)
	res := Result{Source: name, Seconds: time.Since(start).Seconds()}
	c.metrics.duration.WithLabelValues(name).Observe(res.Seconds)
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
		c.logger.Warn("collection partly failed; unread facts kept, source marked stale", "source", name,
			"failures", len(snap.Failures), "first", snap.Failures[0])
	} else {
		c.metrics.runs.WithLabelValues(name, "success").Inc()
	}
	c.metrics.facts.WithLabelValues(name).Set(float64(res.Facts))
	c.metrics.lastSuccess.WithLabelValues(name).SetToCurrentTime()
	c.logger.Info("collected", "source", name, "facts", res.Facts, "opened", res.Stats.Opened,
		"closed", res.Stats.Closed, "seconds", res.Seconds)
	c.onChange()
	return res
}

// failed records a failed run: the store keeps the facts and marks the source stale.
func (c *Component) failed(name string, err error) {
	c.metrics.runs.WithLabelValues(name, "failure").Inc()
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
	for _, e := range c.entries {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.loop(ctx, e)
		}()
	}
}

// Stop stops every loop and waits for them.
func (c *Component) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
}

// retryAfter bounds how long a failed source waits before its next try.
const retryAfter = 15 * time.Second

// loop runs one source until ctx ends. Full runs and deltas are applied from
// this goroutine only, in the order they were produced, so a delta observed
// during a full collection is applied after it and wins. With leases, the
// source is run and watched only while this process holds its lease.
func (c *Component) loop(ctx context.Context, e entry) {
	name := e.src.Name()
	w, watching := e.src.(source.Watcher)
	deltas := make(chan model.Snapshot, 64)
	watchDone := make(chan error, 1)
	var stopWatch context.CancelFunc // non-nil while a watch runs

	leasing := c.holder != ""
	held := !leasing
	ttl := leaseTTL(e.interval)
	var renew <-chan time.Time
	if leasing {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		renew = t.C
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
			}
			res := c.run(ctx, e.src)
			if ctx.Err() != nil {
				return
			}
			if res.Err != nil {
				timer.Reset(min(e.interval, retryAfter))
				continue
			}
			timer.Reset(e.interval)
			if watching && stopWatch == nil {
				stopWatch = startWatch(ctx, w, deltas, watchDone)
			}
		case <-renew:
			if held && !c.acquire(ctx, name, ttl, true) {
				held = false
				endWatch()
				timer.Reset(ttl / 3)
			}
		case s := <-deltas:
			if !held {
				continue // observed before the lease was lost: the new holder reads it
			}
			if s.Source == "" {
				s.Source = name
			}
			if _, err := c.store.Apply(ctx, s); err != nil {
				c.logger.Error("applying live change", "source", name, "error", err)
				continue
			}
			c.metrics.deltas.WithLabelValues(name).Inc()
			c.onChange()
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
