// Package aggregate sums attributed flow records per minute, into the
// flow.Minute keys (source endpoint, destination endpoint, protocol,
// destination port: a conversation's client, its server and the server's
// port, whichever way the record went, see ServerIsSource) and the flow.LinkMinute keys (switch port, direction),
// with bytes and packets scaled by the sampling rate, and writes each minute
// to a flow.Sink once it is past a grace delay.
//
// Memory is bounded: at most MaxKeysPerMinute keys a minute, the rest in
// one overflow aggregate per minute (counted, never dropped). The records
// of one minute are spread over shards, one per writer (a listener worker),
// each with its own lock that its writer takes once per batch, so writers
// never contend; measured against a single shared lock in
// BenchmarkAggregateShards.
//
// It is not for attributing records (package attribute) or storing
// aggregates (the Sink does).
package aggregate

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
)

// Record is one attributed flow record, as the aggregation takes it.
type Record struct {
	// At is the record's moment; it picks the minute.
	At attribute.Moment
	// Src and Dst are the endpoints the index attributed (shared, not
	// modified); SrcAddr and DstAddr the addresses the record carried.
	Src, Dst         *flow.Endpoint
	SrcAddr, DstAddr netip.Addr
	Proto            uint8
	// SrcPort and DstPort are the record's transport ports. Add keys the
	// record by its conversation: a record from the server side
	// (ServerIsSource) is summed from its destination to its source, with
	// its source port, so that both ways of a conversation make one
	// aggregate, client to server, with the service port.
	SrcPort, DstPort uint16
	// Bytes and Packets are as exported: Add scales them by SamplingRate
	// (0 means 1, unsampled).
	Bytes, Packets uint64
	SamplingRate   uint32
	// In and Out are the switch ports of the record's input and output
	// ifIndex when a known switch exported it (nil otherwise).
	In, Out *attribute.Port
}

// key is a flow.Minute key within one minute, with the shared endpoints
// standing for their attribution, and the switch ports the records crossed:
// one lookup per record sums both the minute and its links (the links are
// summed from the keys at flush); pp is proto<<16 | dst port (one word, so
// that the key has no padding).
type key struct {
	src, dst         *flow.Endpoint
	srcAddr, dstAddr netip.Addr
	in, out          *attribute.Port
	pp               uint64
}

// linkKey is a link of a record in the overflow aggregate (whose key keeps
// no ports).
type linkKey struct {
	port *attribute.Port
	dir  uintptr // 0 in, 1 out
}

type counters struct{ bytes, packets, flows uint64 }

func (c *counters) add(bytes, packets, flows uint64) {
	c.bytes = addSat(c.bytes, bytes)
	c.packets = addSat(c.packets, packets)
	c.flows = addSat(c.flows, flows)
}

func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}

func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// bucket is one minute of one shard.
type bucket struct {
	minute int64
	keys   table[key]
	over   counters
	links  table[linkKey] // of the overflow records
}

// shard is the state one writer adds to.
type shard struct {
	mu      sync.Mutex
	minutes map[int64]*bucket
	free    []*bucket
	// flushed is the last minute written: records for it or before are late.
	flushed int64
	w       Writer
	_       [64]byte // keep shards on their own cache lines
}

// maxFree bounds the emptied buckets a shard keeps for reuse.
const maxFree = 4

func (s *shard) bucket(minute int64) *bucket {
	if b := s.minutes[minute]; b != nil {
		return b
	}
	var b *bucket
	if n := len(s.free); n > 0 {
		b, s.free = s.free[n-1], s.free[:n-1]
	} else {
		b = &bucket{}
	}
	b.minute = minute
	s.minutes[minute] = b
	return b
}

func (s *shard) recycle(b *bucket) {
	b.keys.reset()
	b.links.reset()
	b.over = counters{}
	s.mu.Lock()
	if len(s.free) < maxFree {
		s.free = append(s.free, b)
	}
	s.mu.Unlock()
}

// pending is a flush not yet accepted by the sink.
type pending struct {
	minutes []flow.Minute
	links   []flow.LinkMinute
}

// Aggregator sums records per minute and flushes minutes to a Sink. Add is
// safe for concurrent use with distinct shard numbers (the same shard from
// two goroutines is safe too, but they then share a lock); flushing is
// serialised.
type Aggregator struct {
	cfg      Configuration
	sink     flow.Sink
	logger   *slog.Logger
	metrics  *metrics
	shards   []shard
	perShard int

	flushMu sync.Mutex
	pending []pending

	cancel context.CancelFunc
	done   chan struct{}
}

// New returns an aggregator with shards shards (at least one) that writes
// to sink. Metrics are registered on reg when it is not nil.
func New(cfg Configuration, shards int, sink flow.Sink, logger *slog.Logger, reg prometheus.Registerer) (*Aggregator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	if sink == nil {
		return nil, fmt.Errorf("aggregate: no sink")
	}
	if logger == nil {
		logger = slog.Default()
	}
	shards = max(shards, 1)
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	a := &Aggregator{cfg: cfg, sink: sink, logger: logger, metrics: m, shards: make([]shard, shards),
		perShard: (cfg.MaxKeysPerMinute + shards - 1) / shards}
	for i := range a.shards {
		a.shards[i].minutes = map[int64]*bucket{}
		a.shards[i].flushed = math.MinInt64
	}
	return a, nil
}

// Shards returns the number of shards.
func (a *Aggregator) Shards() int { return len(a.shards) }

// minuteOf returns the minute number (minutes since the Unix epoch, floor)
// of a moment.
func minuteOf(at attribute.Moment) int64 {
	m := int64(at) / 60e6
	if int64(at) < 0 && int64(at)%60e6 != 0 {
		m--
	}
	return m
}

// Add sums recs into shard (taken modulo the number of shards): Lock, Add
// of each record, Unlock.
func (a *Aggregator) Add(shardNum int, recs []Record) {
	w := a.Lock(shardNum)
	for i := range recs {
		w.Add(&recs[i])
	}
	w.Unlock()
}

// Writer adds records to one shard while holding its lock; Lock returns
// it and Unlock releases it.
type Writer struct {
	a         *Aggregator
	s         *shard
	b         *bucket // the minute of the last record
	minute    int64
	late      bool
	overflows uint64
	lates     uint64
}

// Lock locks shard (taken modulo the number of shards) and returns its
// writer, valid until Unlock. One writer per shard: a second Lock of the
// same shard waits for the Unlock.
func (a *Aggregator) Lock(shardNum int) *Writer {
	s := &a.shards[uint(shardNum)%uint(len(a.shards))]
	s.mu.Lock()
	s.w = Writer{a: a, s: s}
	return &s.w
}

// Add sums r into the shard. Keys of a minute beyond the shard's share of
// MaxKeysPerMinute go into the minute's overflow aggregate. It allocates
// only when a minute or a key is new.
func (w *Writer) Add(r *Record) {
	if m := minuteOf(r.At); m != w.minute || w.b == nil {
		w.b, w.minute, w.late = w.s.bucket(m), m, m <= w.s.flushed
	}
	if w.late {
		w.lates++
	}
	b := w.b
	rate := uint64(r.SamplingRate)
	if rate == 0 {
		rate = 1
	}
	bytes, packets := mulSat(r.Bytes, rate), mulSat(r.Packets, rate)
	k := key{r.Src, r.Dst, r.SrcAddr, r.DstAddr, r.In, r.Out, uint64(r.Proto)<<16 | uint64(r.DstPort)}
	if ServerIsSource(r.Proto, r.SrcPort, r.DstPort) {
		k.src, k.dst, k.srcAddr, k.dstAddr, k.pp = r.Dst, r.Src, r.DstAddr, r.SrcAddr, uint64(r.Proto)<<16|uint64(r.SrcPort)
	}
	h := k.hash()
	if c := b.keys.get(k, h); c != nil {
		c.add(bytes, packets, 1)
		return
	}
	if b.keys.len() < w.a.perShard {
		b.keys.put(k, h, counters{bytes, packets, 1})
		return
	}
	b.over.add(bytes, packets, 1)
	w.overflows++
	if r.In != nil {
		b.link(linkKey{r.In, 0}, bytes, packets)
	}
	if r.Out != nil {
		b.link(linkKey{r.Out, 1}, bytes, packets)
	}
}

// ephemeralFrom is where the ports that clients pick for themselves begin
// (Linux's default range starts there; IANA's and Windows' at 49152).
const ephemeralFrom = 32768

// ServerIsSource reports whether a record of protocol proto from port src
// to port dst comes from the server side of its conversation (a reply),
// from the ports alone, so it costs nothing per record: a well-known port
// (below 1024) is the server's, the destination's first; else a port below
// the ephemeral range facing one in it; else the lower port. Only TCP, UDP,
// DCCP and SCTP have ports; a zero or equal pair keeps the record's way.
func ServerIsSource(proto uint8, src, dst uint16) bool {
	switch proto {
	case 6, 17, 33, 132:
	default:
		return false
	}
	switch {
	case src == 0 || dst == 0 || src == dst || dst < 1024:
		return false
	case src < 1024:
		return true
	case (src >= ephemeralFrom) != (dst >= ephemeralFrom):
		return dst >= ephemeralFrom
	}
	return src < dst
}

// Unlock releases the shard and counts what went to overflow or was late.
func (w *Writer) Unlock() {
	a, over, late := w.a, w.overflows, w.lates
	w.s.mu.Unlock()
	if over > 0 {
		a.metrics.overflow.Add(float64(over))
	}
	if late > 0 {
		a.metrics.late.Add(float64(late))
	}
}

func (b *bucket) link(k linkKey, bytes, packets uint64) {
	h := k.hash()
	if c := b.links.get(k, h); c != nil {
		c.add(bytes, packets, 0)
		return
	}
	b.links.put(k, h, counters{bytes, packets, 0})
}

// Start flushes the minutes past their grace every FlushInterval until
// Stop.
func (a *Aggregator) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan struct{})
	go func() {
		defer close(a.done)
		t := time.NewTicker(a.cfg.FlushInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				if err := a.FlushDue(ctx, now); err != nil && ctx.Err() == nil {
					a.logger.Warn("flow aggregates not written; kept for a retry", "error", err)
				}
			}
		}
	}()
}

// Stop stops the periodic flush started by Start and writes everything
// (Flush). Records added after Stop stay in memory until another Flush.
func (a *Aggregator) Stop(ctx context.Context) error {
	if a.cancel != nil {
		a.cancel()
		<-a.done
		a.cancel = nil
	}
	return a.Flush(ctx)
}

// FlushDue writes the minutes whose end is at least Grace before now, and
// retries the flushes the sink refused before.
func (a *Aggregator) FlushDue(ctx context.Context, now time.Time) error {
	return a.flush(ctx, minuteOf(attribute.MomentOf(now.Add(-a.cfg.Grace)))-1, true)
}

// Flush writes every minute, due or not (graceful shutdown, the end of an
// import), and retries the flushes the sink refused before. Its error is
// the sink's; what the sink refused stays for the next flush.
func (a *Aggregator) Flush(ctx context.Context) error {
	return a.flush(ctx, math.MaxInt64, false)
}

// flush writes the minutes up to upTo; due says that upTo is a watermark
// (every minute up to it is now past its grace, written or empty).
func (a *Aggregator) flush(ctx context.Context, upTo int64, due bool) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	start := time.Now()
	type taken struct {
		s *shard
		b *bucket
	}
	var buckets []taken
	for i := range a.shards {
		s := &a.shards[i]
		s.mu.Lock()
		for m, b := range s.minutes {
			if m <= upTo {
				buckets = append(buckets, taken{s, b})
				delete(s.minutes, m)
				s.flushed = max(s.flushed, m)
			}
		}
		if due {
			s.flushed = max(s.flushed, upTo)
		}
		s.mu.Unlock()
	}
	if len(buckets) > 0 {
		bs := make([]*bucket, len(buckets))
		for i, t := range buckets {
			bs[i] = t.b
		}
		p := merge(bs)
		for _, t := range buckets {
			t.s.recycle(t.b)
		}
		a.pending = append(a.pending, p)
		if n := len(a.pending) - a.cfg.MaxPending; n > 0 {
			var rows int
			for _, d := range a.pending[:n] {
				rows += len(d.minutes) + len(d.links)
			}
			a.metrics.dropped.Add(float64(rows))
			a.logger.Error("flow aggregates dropped: the sink refused them too many times", "flushes", n, "rows", rows)
			a.pending = slices.Delete(a.pending, 0, n)
		}
	}
	var err error
	for len(a.pending) > 0 {
		p := a.pending[0]
		if err = a.sink.WriteFlows(ctx, p.minutes, p.links); err != nil {
			a.metrics.flushes.WithLabelValues("error").Inc()
			err = fmt.Errorf("aggregate: write %d minute and %d link aggregates: %w", len(p.minutes), len(p.links), err)
			break
		}
		a.metrics.flushes.WithLabelValues("success").Inc()
		a.metrics.rows.Add(float64(len(p.minutes) + len(p.links)))
		a.pending[0] = pending{}
		a.pending = a.pending[1:]
	}
	a.metrics.flushSeconds.Observe(time.Since(start).Seconds())
	return err
}

// merge turns the buckets of every shard into aggregates, summing the keys
// that several shards (or index generations) hold, in a stable order.
func merge(buckets []*bucket) pending {
	type mkey struct {
		minute   int64
		src, dst flow.Endpoint
		pp       uint64
	}
	type lkey struct {
		minute int64
		port   attribute.Port
		dir    uintptr
	}
	sums := map[mkey]*counters{}
	links := map[lkey]*counters{}
	sum := func(k mkey, c counters) {
		if p := sums[k]; p != nil {
			p.add(c.bytes, c.packets, c.flows)
			return
		}
		sums[k] = &c
	}
	link := func(k lkey, c counters) {
		if p := links[k]; p != nil {
			p.add(c.bytes, c.packets, 0)
			return
		}
		c.flows = 0
		links[k] = &c
	}
	overflow := flow.Endpoint{Class: flow.ClassOverflow}
	for _, b := range buckets {
		for j, k := range b.keys.keys {
			src, dst, c := *k.src, *k.dst, b.keys.vals[j]
			src.Addr, dst.Addr = addrString(k.srcAddr), addrString(k.dstAddr)
			sum(mkey{b.minute, src, dst, k.pp}, c)
			if k.in != nil {
				link(lkey{b.minute, *k.in, 0}, c)
			}
			if k.out != nil {
				link(lkey{b.minute, *k.out, 1}, c)
			}
		}
		if b.over.flows > 0 {
			sum(mkey{b.minute, overflow, overflow, 0}, b.over)
		}
		for j, k := range b.links.keys {
			link(lkey{b.minute, *k.port, k.dir}, b.links.vals[j])
		}
	}
	var p pending
	for k, c := range sums {
		p.minutes = append(p.minutes, flow.Minute{Start: time.Unix(k.minute*60, 0).UTC(), Src: k.src, Dst: k.dst,
			Proto: uint8(k.pp >> 16), DstPort: uint16(k.pp), Bytes: c.bytes, Packets: c.packets, Flows: c.flows})
	}
	for k, c := range links {
		dir := flow.LinkIn
		if k.dir == 1 {
			dir = flow.LinkOut
		}
		p.links = append(p.links, flow.LinkMinute{Start: time.Unix(k.minute*60, 0).UTC(), Port: k.port.ID,
			Channel: k.port.Channel, Direction: dir, Bytes: c.bytes, Packets: c.packets})
	}
	slices.SortFunc(p.minutes, func(a, b flow.Minute) int {
		return cmp.Or(a.Start.Compare(b.Start), cmpEndpoint(a.Src, b.Src), cmpEndpoint(a.Dst, b.Dst),
			cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.DstPort, b.DstPort))
	})
	slices.SortFunc(p.links, func(a, b flow.LinkMinute) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Direction, b.Direction))
	})
	return p
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func cmpEndpoint(a, b flow.Endpoint) int {
	return cmp.Or(cmp.Compare(a.Class, b.Class), cmp.Compare(a.VM, b.VM), cmp.Compare(a.App, b.App), cmp.Compare(a.Addr, b.Addr))
}
