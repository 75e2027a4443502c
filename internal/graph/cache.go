package graph

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Loader builds the graph of a moment: the facts valid then (the store's
// FactsAt), with what correlation derives from them.
type Loader func(ctx context.Context, at time.Time) (*Graph, error)

// Changes says when the facts changed around t: the latest moment at or
// before t at which a fact version began or ended (zero when none did),
// and the first such moment after t (zero when none did yet). The facts
// valid at t are those valid at every moment of [last, next). The SQL
// store's Changes is one.
type Changes func(ctx context.Context, t time.Time) (last, next time.Time, err error)

// ErrBusy is wrapped by the error of At (a BusyError) when the map asked
// for is neither kept nor being built and as many builds run as allowed:
// the request may be made again later.
var ErrBusy = errors.New("graph: too many maps being built")

// BusyError is the error of At refusing to start a build.
type BusyError struct {
	// Builds is how many maps of past moments were being built; Limit the
	// bound the request was under.
	Builds, Limit int
	// RetryAfter is when to ask again: about the time a build takes.
	RetryAfter time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("graph: %d maps of past moments being built (at most %d for this request): try again in %s",
		e.Builds, e.Limit, e.RetryAfter)
}

// Unwrap returns ErrBusy.
func (e *BusyError) Unwrap() error { return ErrBusy }

type anonymousKey struct{}

// Anonymous returns a context for a request made without a token: under
// it At starts the build of a past moment's map only while fewer than
// CacheConfiguration.AnonymousBuilds run. Maps kept or being built are
// shared with it all the same.
func Anonymous(ctx context.Context) context.Context {
	return context.WithValue(ctx, anonymousKey{}, true)
}

// CacheOption configures a Cache.
type CacheOption func(*Cache)

// WithConfiguration bounds the cache as conf says (else
// DefaultCacheConfiguration).
func WithConfiguration(conf CacheConfiguration) CacheOption {
	return func(c *Cache) { c.conf = conf }
}

// WithChanges keys the maps of past moments by the moments the facts
// changed, so that every moment of one quiet interval shares one map and a
// moment after the last change is answered with the map of now. Without
// it, each moment asked is a map of its own.
func WithChanges(changes Changes) CacheOption { return func(c *Cache) { c.changes = changes } }

// WithRegisterer exports the cache's metrics (vnetmap_graph_*) on reg.
func WithRegisterer(reg prometheus.Registerer) CacheOption {
	return func(c *Cache) { c.reg = reg }
}

// Cache keeps the map of now and the maps of past moments.
//
// The map of now is rebuilt after the facts changed outside any lock: in
// the background after Changed (the collector's hook), by the first reader
// that asks after Invalidate. Readers that ask while a rebuild runs get the
// previous map at once, and the new one is swapped in (an atomic pointer)
// when complete. Changes told during a rebuild are collapsed into one more.
// Invalidate and Changed never wait.
//
// A past moment's map is built once however many requests ask for it at a
// time, by at most CacheConfiguration.Builds builds at once (AnonymousBuilds
// for a context of Anonymous; past the bound At returns a BusyError), and
// kept, least recently used dropped first, within CacheMiB. With Changes,
// moments whose valid facts are the same share one map.
//
// A map handed out is read-only and stays valid; its At is the moment
// asked. Safe for concurrent use.
type Cache struct {
	load    Loader
	changes Changes
	conf    CacheConfiguration
	reg     prometheus.Registerer
	metrics *cacheMetrics
	// buildHook, when set (tests), is called by every build before it
	// loads, in the build's goroutine.
	buildHook func(at time.Time)

	gen      atomic.Uint64 // bumped by every change
	now      atomic.Pointer[nowMap]
	nowMu    sync.Mutex
	nowBuild *flight // the rebuild of now running (or settling), or nil
	pending  bool    // a change was told during the rebuild running

	mu        sync.Mutex
	kept      map[int64]*list.Element // key → element of lru holding a *pastMap
	lru       list.List               // most recently used first
	bytes     int64
	flights   map[int64]*flight // builds of past moments running, by key
	open      span              // the interval after the last change, while no change is told
	building  int
	buildSecs float64 // moving average of build times, for Retry-After
}

// nowMap is the map of now and the change count its facts include.
type nowMap struct {
	g   *Graph
	gen uint64
}

// pastMap is a kept map of a past moment.
type pastMap struct {
	key  int64
	span span
	g    *Graph
	size int64
}

// flight is a build running; done is closed when g and err are set.
type flight struct {
	done chan struct{}
	g    *Graph
	err  error
	// gen is the change count when the build started reading, once
	// started (the map of now; both guarded by nowMu until done).
	gen     uint64
	started bool
	// key is the key of a past moment's map; stale says the facts of
	// that key changed during the build, so it is not kept.
	key   int64
	stale bool
	span  span
}

func (f *flight) wait(ctx context.Context) (*Graph, error) {
	select {
	case <-f.done:
		return f.g, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// NewCache returns a cache that builds graphs through load.
func NewCache(load Loader, opts ...CacheOption) *Cache {
	c := &Cache{load: load, conf: DefaultCacheConfiguration(), kept: map[int64]*list.Element{}, flights: map[int64]*flight{}}
	for _, o := range opts {
		o(c)
	}
	c.metrics = newCacheMetrics(c.reg)
	c.metrics.inFlight.Set(0)
	return c
}

// Invalidate says the facts changed, at moments unknown: the map of now
// is rebuilt when next asked for (that reader waits for it), and every
// past moment's map is dropped. It does not wait.
func (c *Cache) Invalidate() { c.forget(time.Time{}) }

// Changed says the facts changed at since or later (the Taken of the
// snapshot applied: the store records a snapshot at that moment or
// after): the map of now is rebuilt in the background after a short
// settle (the other snapshots of a collection arrive meanwhile; a change
// told during a rebuild makes one more after it), readers keeping the
// previous map until the new one is swapped in, and the maps of past
// moments whose facts may include the change are dropped. It does not
// wait.
func (c *Cache) Changed(since time.Time) {
	c.forget(since)
	c.nowMu.Lock()
	defer c.nowMu.Unlock()
	switch f := c.nowBuild; {
	case c.now.Load() == nil: // nobody asked for it yet
	case f == nil:
		c.rebuildNow(context.Background(), settle)
	case f.started:
		c.pending = true
	}
}

// settle is how long a rebuild started by Changed waits before it reads.
const settle = 200 * time.Millisecond

// forget counts a change at since or later and drops what it may touch.
func (c *Cache) forget(since time.Time) {
	c.gen.Add(1)
	s := key(since)
	c.mu.Lock()
	defer c.mu.Unlock()
	// A change at since or later ends the quiet intervals that span it.
	c.open = span{}
	for k, el := range c.kept {
		if p := el.Value.(*pastMap); k >= s {
			c.drop(el)
		} else {
			p.span.end(since)
		}
	}
	for k, f := range c.flights {
		if k >= s {
			f.stale = true
			delete(c.flights, k)
		} else {
			f.span.end(since)
		}
	}
}

// end makes the interval end at t at the latest (a change told at t or
// later); a change at an unknown moment makes it unknown.
func (sp *span) end(t time.Time) {
	switch {
	case t.IsZero():
		sp.ok = false
	case sp.next.After(t):
		sp.next = t
	}
}

// key is the key of the maps of past moments whose facts changed last at
// t (or, without Changes, of moment t).
func key(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixMicro()
}

// Now returns the map of now. While it is rebuilt (after Changed, or by
// a reader) callers get the previous map at once; when the facts changed
// and no rebuild runs (after Invalidate), the caller rebuilds it and
// waits, as does the first caller ever.
func (c *Cache) Now(ctx context.Context) (*Graph, error) {
	want := c.gen.Load()
	if cur := c.now.Load(); cur != nil && cur.gen >= want {
		c.metrics.hits.Inc()
		return cur.g, nil
	}
	c.nowMu.Lock()
	if cur := c.now.Load(); cur != nil && (cur.gen >= want || c.nowBuild != nil) {
		c.nowMu.Unlock()
		c.metrics.hits.Inc()
		return cur.g, nil
	}
	c.nowMu.Unlock()
	return c.Fresh(ctx)
}

// Fresh returns the map of now built from the facts as they were after
// every change said before the call, waiting for a rebuild when needed
// (check.Watch uses it: it must see the change it was told about).
func (c *Cache) Fresh(ctx context.Context) (*Graph, error) {
	want := c.gen.Load()
	for {
		c.nowMu.Lock()
		if cur := c.now.Load(); cur != nil && cur.gen >= want {
			c.nowMu.Unlock()
			c.metrics.hits.Inc()
			return cur.g, nil
		}
		f := c.nowBuild
		if f == nil {
			f = c.rebuildNow(ctx, 0)
		}
		c.nowMu.Unlock()
		c.metrics.misses.Inc()
		g, err := f.wait(ctx)
		if err != nil || f.gen >= want {
			return g, err
		}
	}
}

// rebuildNow starts a rebuild of the map of now, reading after delay;
// c.nowMu is held.
func (c *Cache) rebuildNow(ctx context.Context, delay time.Duration) *flight {
	f := &flight{done: make(chan struct{})}
	c.nowBuild = f
	go func() {
		time.Sleep(delay)
		c.nowMu.Lock()
		f.gen, f.started = c.gen.Load(), true
		c.nowMu.Unlock()
		g, err := c.build(context.WithoutCancel(ctx), time.Now())
		if err == nil {
			c.metrics.nowBytes.Set(float64(g.Size()))
		}
		c.nowMu.Lock()
		if err == nil {
			c.now.Store(&nowMap{g: g, gen: f.gen})
		}
		c.nowBuild = nil
		if c.pending {
			c.pending = false
			c.rebuildNow(context.Background(), settle)
		}
		c.nowMu.Unlock()
		f.g, f.err = g, err
		close(f.done)
	}()
	return f
}

// At returns the map of moment at; a zero at means now. A moment after
// the last change (with Changes) is answered with the map of now.
// Otherwise the map is the one kept or being built for the moment's facts,
// or it is built now — unless as many builds run as allowed (see
// Anonymous): then the error is a BusyError.
func (c *Cache) At(ctx context.Context, at time.Time) (*Graph, error) {
	if at.IsZero() {
		return c.Now(ctx)
	}
	k, sp := key(at), span{}
	if c.changes != nil {
		var now bool
		var err error
		k, sp, now, err = c.interval(ctx, at)
		if err != nil {
			return nil, err
		}
		if now {
			g, err := c.Now(ctx)
			if err != nil {
				return nil, err
			}
			return g.as(at), nil
		}
	}
	g, err := c.past(ctx, at, k, sp)
	if err != nil {
		return nil, err
	}
	return g.as(at), nil
}

// span is a quiet interval [last, next) learned from Changes; gen is the
// change count when it was asked (a span asked before a change told since
// is not trusted), ok whether it is known at all.
type span struct {
	last, next time.Time
	gen        uint64
	ok         bool
}

// interval returns the key of moment at, the quiet interval it lies in,
// and whether it is after the last change (the map of now answers it). A
// moment within the interval of a kept map, or after the last change as
// last learned, costs no question to the store while no change is told.
func (c *Cache) interval(ctx context.Context, at time.Time) (k int64, sp span, now bool, err error) {
	c.mu.Lock()
	if c.open.ok && !at.Before(c.open.last) {
		c.mu.Unlock()
		return 0, span{}, true, nil
	}
	for _, el := range c.kept {
		if p := el.Value.(*pastMap); p.span.ok && !at.Before(p.span.last) && at.Before(p.span.next) {
			c.mu.Unlock()
			return p.key, p.span, false, nil
		}
	}
	c.mu.Unlock()
	gen := c.gen.Load()
	last, next, err := c.changes(ctx, at)
	if err != nil {
		return 0, span{}, false, err
	}
	sp = span{last: last, next: next, gen: gen, ok: true}
	if next.IsZero() {
		c.mu.Lock()
		if c.gen.Load() == gen {
			c.open = sp
		}
		c.mu.Unlock()
		return 0, span{}, true, nil
	}
	return key(last), sp, false, nil
}

// as returns g, or a copy of g that says moment at (the indexes shared).
func (g *Graph) as(at time.Time) *Graph {
	if g.At.Equal(at) {
		return g
	}
	cp := *g
	cp.At = at
	return &cp
}

// past returns the map of key k, kept, being built or built for at; sp
// is its quiet interval when known.
func (c *Cache) past(ctx context.Context, at time.Time, k int64, sp span) (*Graph, error) {
	c.mu.Lock()
	if el := c.kept[k]; el != nil {
		c.lru.MoveToFront(el)
		g := el.Value.(*pastMap).g
		c.mu.Unlock()
		c.metrics.hits.Inc()
		return g, nil
	}
	f := c.flights[k]
	if f == nil {
		limit := c.conf.Builds
		if anon, _ := ctx.Value(anonymousKey{}).(bool); anon {
			limit = min(limit, c.conf.AnonymousBuilds)
		}
		if c.building >= limit {
			err := &BusyError{Builds: c.building, Limit: limit, RetryAfter: c.retryAfter()}
			c.mu.Unlock()
			c.metrics.refused.Inc()
			return nil, err
		}
		c.building++
		f = &flight{done: make(chan struct{}), key: k}
		if sp.ok && sp.gen == c.gen.Load() {
			f.span = sp
		}
		c.flights[k] = f
		go c.buildPast(context.WithoutCancel(ctx), at, f)
	}
	c.mu.Unlock()
	c.metrics.misses.Inc()
	return f.wait(ctx)
}

// buildPast builds the map of f and keeps it.
func (c *Cache) buildPast(ctx context.Context, at time.Time, f *flight) {
	g, err := c.build(ctx, at)
	var size int64
	if err == nil {
		size = g.Size()
	}
	c.mu.Lock()
	c.building--
	if c.flights[f.key] == f {
		delete(c.flights, f.key)
	}
	if err == nil && !f.stale {
		c.keep(f.key, f.span, g, size)
	}
	c.mu.Unlock()
	f.g, f.err = g, err
	close(f.done)
}

// build loads the map of at, timed.
func (c *Cache) build(ctx context.Context, at time.Time) (*Graph, error) {
	c.metrics.inFlight.Inc()
	defer c.metrics.inFlight.Dec()
	if c.buildHook != nil {
		c.buildHook(at)
	}
	start := time.Now()
	g, err := c.load(ctx, at)
	d := time.Since(start).Seconds()
	c.metrics.buildSeconds.Observe(d)
	c.mu.Lock()
	if c.buildSecs == 0 {
		c.buildSecs = d
	} else {
		c.buildSecs = 0.7*c.buildSecs + 0.3*d
	}
	c.mu.Unlock()
	return g, err
}

// retryAfter is the time a build takes, in whole seconds from 1 to 60;
// c.mu is held.
func (c *Cache) retryAfter() time.Duration {
	return time.Duration(min(60, max(1, math.Ceil(c.buildSecs)))) * time.Second
}

// keep adds the map of key k, dropping the least recently used maps
// beyond the budget; c.mu is held. A map larger than the budget is not
// kept.
func (c *Cache) keep(k int64, sp span, g *Graph, size int64) {
	budget := c.conf.budget()
	if size > budget {
		return
	}
	if el := c.kept[k]; el != nil {
		c.drop(el)
	}
	c.kept[k] = c.lru.PushFront(&pastMap{key: k, span: sp, g: g, size: size})
	c.bytes += size
	for c.bytes > budget {
		c.drop(c.lru.Back())
		c.metrics.evictions.Inc()
	}
	c.metrics.bytes.Set(float64(c.bytes))
}

// drop removes a kept map; c.mu is held.
func (c *Cache) drop(el *list.Element) {
	p := c.lru.Remove(el).(*pastMap)
	delete(c.kept, p.key)
	c.bytes -= p.size
	c.metrics.bytes.Set(float64(c.bytes))
}
