// Package pipeline is the flow stage between the listener and the store:
// it decodes each datagram (package decode), attributes every record to
// what is on each side and to the switch ports it crossed (package
// attribute, an index of the facts refreshed when they change) and sums the
// records per minute (package aggregate) for a flow.Sink. The interface
// counters of sFlow counter samples are resolved to switch ports the same
// way (agent address and ifIndex, through the index) and become per-minute
// differences for a flow.CounterSink. It implements the listener's Handler,
// and Import runs a captured datagram through the same path.
//
// It is not for receiving datagrams (package listen) or persisting
// aggregates (the Sink).
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// ErrStarted is returned by Start on a component already started.
var ErrStarted = errors.New("flow pipeline: already started")

// minRefreshGap is the shortest time between two index rebuilds: the facts
// change at every live delta (a migration), and a rebuild reads them all.
const minRefreshGap = 5 * time.Second

// logEvery is the shortest time between two log lines about malformed
// datagrams; the ones in between are counted in the next line.
const logEvery = time.Second

// Component decodes, attributes and aggregates flow datagrams.
type Component struct {
	cfg      Configuration
	facts    attribute.Facts
	rules    []correlate.AppRule
	logger   *slog.Logger
	metrics  *metrics
	decoder  *decode.Decoder
	agg      *aggregate.Aggregator
	counters *counterTracker
	index    atomic.Pointer[attribute.Index]
	// workers hold each listener worker's buffers; the last one is Import's.
	workers []worker

	// holding says that records are held for the first index that knows
	// something (HoldConfiguration); held are they, under holdMu.
	holding atomic.Bool
	holdMu  sync.Mutex
	held    []heldRecord

	lastLog    atomic.Int64 // Unix nanoseconds of the last malformed-datagram log line
	suppressed atomic.Uint64

	invalidate chan struct{}
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// worker is the state of one caller of HandleDatagram: reused buffers, so
// the hot path allocates nothing.
type worker struct {
	mu    sync.Mutex
	batch decode.Batch
	held  []heldRecord // the records of the datagram being held
	_     [64]byte
}

var _ interface {
	HandleDatagram(worker int, from netip.AddrPort, b []byte, received time.Time)
} = (*Component)(nil)

// New validates cfg and returns a pipeline that attributes with the facts
// of facts (the store; nil attributes nothing to VMs or switches) and the
// application rules rules, and writes aggregates to sink, and port counters
// too when sink is also a flow.CounterSink (the store is; without one,
// counter samples are counted and dropped). Metrics are registered on reg
// when it is not nil.
func New(cfg Configuration, facts attribute.Facts, rules []correlate.AppRule, sink flow.Sink, logger *slog.Logger, reg prometheus.Registerer) (*Component, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("flow pipeline: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	decoder := decode.NewDecoderLimits(decode.Limits{Entries: cfg.TemplateCapacity, Bytes: cfg.TemplateBytes})
	m, err := newMetrics(reg, decoder.Templates())
	if err != nil {
		return nil, err
	}
	agg, err := aggregate.New(cfg.Aggregate, cfg.Workers+1, sink, logger, reg)
	if err != nil {
		return nil, fmt.Errorf("flow pipeline: %w", err)
	}
	counterSink, _ := sink.(flow.CounterSink)
	c := &Component{
		cfg: cfg, facts: facts, rules: rules, logger: logger, metrics: m,
		decoder: decoder, agg: agg,
		counters:   newCounterTracker(cfg.Counters, counterSink, logger, m),
		workers:    make([]worker, cfg.Workers+1),
		invalidate: make(chan struct{}, 1),
	}
	c.SetIndex(attribute.Build(nil, rules, cfg.Attribute.InternalNetworks))
	return c, nil
}

// Start loads the attribution index (a failure is logged and retried at
// the next refresh: records are then attributed without the facts); when
// it knows nothing (no facts yet), records are held for the first one that
// does (HoldConfiguration). It then
// refreshes it every attribute.refresh and after Invalidate, and flushes
// aggregates (and the port counters of the minutes ended) every
// aggregate.flush_interval, until Stop. ctx bounds the first load only.
func (c *Component) Start(ctx context.Context) error {
	if c.cancel != nil {
		return ErrStarted
	}
	if err := c.Refresh(ctx); err != nil {
		c.logger.Error("flow attribution index not loaded; retrying at the next refresh", "error", err)
	}
	if c.facts != nil && c.cfg.Hold.Records > 0 && c.cfg.Hold.Max > 0 && !knows(c.index.Load()) {
		c.holding.Store(true)
		c.logger.Info("no facts to attribute flows with yet: records are held until the first collection",
			"records", c.cfg.Hold.Records, "max", c.cfg.Hold.Max)
	}
	run, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.agg.Start()
	c.wg.Go(func() { c.refresher(run) })
	c.wg.Go(func() { c.counterFlusher(run) })
	return nil
}

// Stop stops the refreshes, attributes the records still held with the
// index in use, and writes every aggregate and port counter
// minute to the sink (within ctx). Datagrams handled after Stop stay in
// memory until Flush.
func (c *Component) Stop(ctx context.Context) error {
	if c.cancel != nil {
		c.cancel()
		c.wg.Wait()
		c.cancel = nil
	}
	c.release(holdExpired)
	return errors.Join(c.agg.Stop(ctx), c.counters.flush(ctx, time.Time{}))
}

// Flush writes every aggregate and port counter minute to the sink, due or
// not (the end of an import).
func (c *Component) Flush(ctx context.Context) error {
	return errors.Join(c.agg.Flush(ctx), c.counters.flush(ctx, time.Time{}))
}

// counterFlusher writes the port counter minutes that have ended every
// aggregate.flush_interval until ctx is done.
func (c *Component) counterFlusher(ctx context.Context) {
	t := time.NewTicker(c.cfg.Aggregate.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := c.counters.flush(ctx, now.Truncate(time.Minute)); err != nil && ctx.Err() == nil {
				c.logger.Warn("port counters not written; kept for a retry", "error", err)
			}
		}
	}
}

// Invalidate says that the facts changed: the index is rebuilt soon (at
// most once every few seconds). It does not block; the collector calls it
// after every apply.
func (c *Component) Invalidate() {
	select {
	case c.invalidate <- struct{}{}:
	default:
	}
}

func (c *Component) refresher(ctx context.Context) {
	t := time.NewTicker(c.cfg.Attribute.Refresh)
	defer t.Stop()
	last := time.Now()
	var expire <-chan time.Time
	if c.holding.Load() {
		hold := time.NewTimer(c.cfg.Hold.Max)
		defer hold.Stop()
		expire = hold.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire:
			expire = nil
			c.release(holdExpired)
			continue
		case <-t.C:
		case <-c.invalidate:
			if wait := minRefreshGap - time.Since(last); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
		last = time.Now()
		if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			c.logger.Warn("flow attribution index not refreshed; the previous one stays", "error", err)
		}
	}
}

// Refresh rebuilds the index for the window that ends now.
func (c *Component) Refresh(ctx context.Context) error {
	now := time.Now()
	return c.LoadIndex(ctx, now.Add(-c.cfg.Attribute.Window), now)
}

// LoadIndex builds the index of the window [from, to] from the facts and
// puts it in use (an import of an old capture loads the capture's window).
func (c *Component) LoadIndex(ctx context.Context, from, to time.Time) error {
	if c.facts == nil {
		return nil
	}
	start := time.Now()
	ix, err := attribute.Load(ctx, c.facts, c.rules, c.cfg.Attribute.InternalNetworks, from, to)
	c.metrics.refreshSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		c.metrics.refreshes.WithLabelValues("error").Inc()
		return fmt.Errorf("flow pipeline: %w", err)
	}
	c.metrics.refreshes.WithLabelValues("success").Inc()
	c.SetIndex(ix)
	c.logger.Debug("flow attribution index loaded", "macs", ix.Stats.MACs, "addresses", ix.Stats.Addresses,
		"exporters", ix.Stats.Exporters, "ports", ix.Stats.Ports, "seconds", time.Since(start).Seconds())
	return nil
}

// SetIndex puts ix in use for the records handled from now on; when
// records are held (Start found no facts) and ix knows something, they are
// attributed with it.
func (c *Component) SetIndex(ix *attribute.Index) {
	c.index.Store(ix)
	if c.holding.Load() && knows(ix) {
		c.release(holdAttributed)
	}
	c.metrics.indexKeys.WithLabelValues("macs").Set(float64(ix.Stats.MACs))
	c.metrics.indexKeys.WithLabelValues("addresses").Set(float64(ix.Stats.Addresses))
	c.metrics.indexKeys.WithLabelValues("exporters").Set(float64(ix.Stats.Exporters))
	c.metrics.indexKeys.WithLabelValues("ports").Set(float64(ix.Stats.Ports))
}

// HandleDatagram decodes, attributes and aggregates one datagram received
// from from at received (and turns its counter samples into port counters). It is the listener's Handler: safe for concurrent
// use, worker numbers in [0, Workers) each having their own buffers; b is
// not kept. Malformed datagrams are counted and logged (sampled), never
// fatal; the records decoded before the error are kept.
func (c *Component) HandleDatagram(workerNum int, from netip.AddrPort, b []byte, received time.Time) {
	n := uint(workerNum) % uint(c.cfg.Workers)
	w := &c.workers[n]
	w.mu.Lock()
	c.process(w, int(n), from, b, received)
	w.mu.Unlock()
}

// Import runs one captured datagram (a pcap's UDP payload from from,
// captured at captured) through the same path as HandleDatagram, and
// returns the decoding error, if any (the records decoded before it are
// kept). Records are attributed with the index in use: LoadIndex the
// capture's window first. Flush writes the aggregates.
func (c *Component) Import(from netip.AddrPort, b []byte, captured time.Time) error {
	w := &c.workers[len(c.workers)-1]
	w.mu.Lock()
	defer w.mu.Unlock()
	return c.process(w, len(c.workers)-1, from, b, captured)
}

// process decodes b into w's batch, attributes its records as of their
// time and adds them to the aggregation shard shard; it returns the
// decoding error, if any.
func (c *Component) process(w *worker, shard int, from netip.AddrPort, b []byte, received time.Time) error {
	w.batch.Reset()
	err := c.decoder.Decode(from.Addr().Unmap(), received, b, &w.batch)
	if err != nil && c.metrics.decodeError(err) {
		c.logMalformed(from, len(b), err)
	}
	ix := c.index.Load()
	if len(w.batch.Counters) > 0 {
		c.counters.add(ix, w.batch.Counters)
	}
	recs := w.batch.Records
	if len(recs) == 0 {
		return err
	}
	recvAt := attribute.MomentOf(received)
	skew := attribute.Moment(c.cfg.MaxClockSkew.Microseconds())
	var (
		skewed      uint64
		implausible [nImplausible]uint64
	)
	holding := c.holding.Load()
	a := attributor{ix: ix}
	agg := c.agg.Lock(shard)
	for i := range recs {
		r := &recs[i]
		if r.Protocol == decode.SFlowV5 {
			if why, bad := c.implausible(r); bad {
				implausible[why]++
				continue
			}
		}
		at := recvAt
		switch {
		case !r.End.IsZero():
			at = attribute.MomentOf(r.End)
		case !r.Time.IsZero():
			at = attribute.MomentOf(r.Time)
		}
		if at < recvAt-skew || at > recvAt+skew {
			at = recvAt
			skewed++
		}
		if holding {
			w.held = append(w.held, heldRecord{at: at, rec: *r})
			continue
		}
		a.add(agg, r, at, at)
	}
	agg.Unlock()
	c.countUnattributed(&a.unattributed)
	if len(w.held) > 0 {
		c.hold(w.held, shard)
		clear(w.held)
		w.held = w.held[:0]
	}

	if p := recs[0].Protocol; p <= decode.SFlowV5 && c.metrics.records[p] != nil {
		c.metrics.records[p].Add(float64(len(recs)))
	}
	if skewed > 0 {
		c.metrics.skewed.Add(float64(skewed))
	}
	for why, n := range implausible {
		if n > 0 {
			c.metrics.implausible[why].Add(float64(n))
			if c.sampledLog() {
				c.logger.Warn("implausible sflow samples not summed", "exporter", from.String(),
					"reason", implausibleReasons[why], "samples", n)
			}
		}
	}
	return err
}

// attributor attributes records with one index and adds them to an
// aggregation shard, remembering the last exporter looked up and counting
// the sides that are no VM.
type attributor struct {
	ix           *attribute.Index
	exp          *attribute.Exporter
	expAddr      netip.Addr
	expKnown     bool
	unattributed [2][3]uint64
}

// add attributes r as of lookup and adds it to w in the minute of at.
func (a *attributor) add(w *aggregate.Writer, r *decode.Record, at, lookup attribute.Moment) {
	if !a.expKnown || r.Exporter != a.expAddr {
		a.exp, a.expAddr, a.expKnown = a.ix.Exporter(r.Exporter, lookup), r.Exporter, true
	}
	src := a.ix.Endpoint(r.SrcMAC, r.SrcAddr, lookup)
	dst := a.ix.Endpoint(r.DstMAC, r.DstAddr, lookup)
	count(&a.unattributed[0], src)
	count(&a.unattributed[1], dst)
	w.Add(&aggregate.Record{
		At: at, Src: src, Dst: dst, SrcAddr: r.SrcAddr.Unmap(), DstAddr: r.DstAddr.Unmap(),
		Proto: r.Proto, SrcPort: r.SrcPort, DstPort: r.DstPort, Bytes: r.Bytes, Packets: r.Packets, SamplingRate: r.SamplingRate,
		In: a.exp.Port(r.InIf, lookup), Out: a.exp.Port(r.OutIf, lookup),
	})
}

// countUnattributed adds the counts of sides that were no VM to the metrics.
func (c *Component) countUnattributed(unattributed *[2][3]uint64) {
	for side := range unattributed {
		for i, n := range unattributed[side] {
			if n > 0 {
				c.metrics.unattributed[side][i].Add(float64(n))
			}
		}
	}
}

// knows reports whether ix knows anything to attribute with: a MAC, an
// address or an exporter (an index of a store without facts knows none).
func knows(ix *attribute.Index) bool {
	return ix.Stats.MACs+ix.Stats.Addresses+ix.Stats.Exporters > 0
}

// heldRecord is a record held until the first index that knows something,
// with the moment of its minute.
type heldRecord struct {
	at  attribute.Moment
	rec decode.Record
}

// hold keeps recs for the first index that knows something, up to
// hold.records (the rest are attributed at once with the index in use and
// counted); when holding ended meanwhile, they are attributed at once with
// the index now in use, as held ones.
func (c *Component) hold(recs []heldRecord, shard int) {
	c.holdMu.Lock()
	if !c.holding.Load() {
		c.holdMu.Unlock()
		c.attributeHeld(recs, shard, holdAttributed)
		return
	}
	n := min(len(recs), c.cfg.Hold.Records-len(c.held))
	c.held = append(c.held, recs[:n]...)
	c.metrics.holding.Set(float64(len(c.held)))
	c.holdMu.Unlock()
	if over := recs[n:]; len(over) > 0 {
		c.attributeHeld(over, shard, holdOverflow)
	}
}

// release ends holding: the held records are attributed with the index in
// use, counted as outcome. It does nothing when not holding.
func (c *Component) release(outcome int) {
	c.holdMu.Lock()
	if !c.holding.Load() {
		c.holdMu.Unlock()
		return
	}
	c.holding.Store(false)
	held := c.held
	c.held = nil
	c.metrics.holding.Set(0)
	c.holdMu.Unlock()
	c.attributeHeld(held, len(c.workers)-1, outcome)
	if len(held) > 0 {
		c.logger.Info("flow records received before the first attribution index are attributed",
			"records", len(held), "outcome", holdOutcomes[outcome])
	}
}

// attributeHeld attributes held records with the index in use as of now
// (or of their own moment, when later) and adds them to shard, counted as
// outcome.
func (c *Component) attributeHeld(recs []heldRecord, shard int, outcome int) {
	if len(recs) == 0 {
		return
	}
	now := attribute.MomentOf(time.Now())
	a := attributor{ix: c.index.Load()}
	w := c.agg.Lock(shard)
	for i := range recs {
		a.add(w, &recs[i].rec, recs[i].at, max(recs[i].at, now))
	}
	w.Unlock()
	c.countUnattributed(&a.unattributed)
	c.metrics.held[outcome].Add(float64(len(recs)))
}

// count adds one to the counter of ep's class, unless ep is a VM.
func count(counters *[3]uint64, ep *flow.Endpoint) {
	if ep.VM != "" {
		return
	}
	switch ep.Class {
	case flow.ClassKnown:
		counters[0]++
	case flow.ClassExternal:
		counters[1]++
	case flow.ClassUnknown:
		counters[2]++
	}
}

// sampledLog tells whether a line about a malformed datagram or an
// implausible sample may be logged now: at most one every logEvery; the
// others are counted as not logged.
func (c *Component) sampledLog() bool {
	now := time.Now().UnixNano()
	last := c.lastLog.Load()
	if now-last < int64(logEvery) || !c.lastLog.CompareAndSwap(last, now) {
		c.suppressed.Add(1)
		return false
	}
	return true
}

// logMalformed logs a malformed datagram, at most one line every logEvery;
// the line says how many were not logged since the previous one.
func (c *Component) logMalformed(from netip.AddrPort, size int, err error) {
	if !c.sampledLog() {
		return
	}
	c.logger.Warn("malformed flow datagram", "exporter", from.String(), "bytes", size, "error", err,
		"not_logged_since_last", c.suppressed.Swap(0))
}
