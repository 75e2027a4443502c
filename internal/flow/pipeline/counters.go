package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// What became of an sFlow counter sample, as vnetmap_flow_counter_samples_total
// counts it (the result label).
const (
	// resultStored: the difference from the previous sample of the
	// interface was added to its port's minute.
	resultStored = iota
	// resultBaseline: the first sample of the interface (or the first
	// after its state was evicted, or after a gap longer than max_gap): the
	// base of the next difference, its speed and status kept.
	resultBaseline
	// resultReset: a counter went down, the agent's uptime went back or
	// its sequence restarted (a reboot, cleared counters, a 32-bit octet
	// counter that wrapped): the sample is a new baseline, no difference.
	resultReset
	// resultOutOfOrder: the same sample again, or one older than the
	// previous (reordered in transit): dropped.
	resultOutOfOrder
	// resultUnknownExporter: the agent is no switch the map knows.
	resultUnknownExporter
	// resultUnknownPort: the ifIndex names no port of the agent's switch.
	resultUnknownPort
	// resultNoInterface: the sample carried no generic interface counters
	// (Ethernet ones only).
	resultNoInterface
	// resultNoSink: the pipeline's sink keeps no counters.
	resultNoSink
	nResults
)

// counterResults are the result labels, indexed by the results above.
var counterResults = [nResults]string{"stored", "baseline", "reset", "out_of_order", "unknown_exporter", "unknown_port",
	"no_interface_counters", "no_sink"}

// A sample behind the previous one of its interface (sequence number and
// agent uptime) is either older (reordered in transit) or the first ones of
// an agent that restarted. A restarted agent's uptime is at most the time
// since the previous sample arrived (plus that sample's transit time,
// reorderSlack at most); a reordered sample's uptime is far more. So is its
// sequence number, at most reorderWindow behind.
const (
	reorderWindow = 16
	reorderSlack  = 2 * time.Second
)

// maxPendingMinutes bounds the port minutes held while the sink refuses
// them: counters.interfaces times this many.
const maxPendingMinutes = 30

// ifKey is an interface as counter samples name it: the agent, its
// sub-agent and the ifIndex.
type ifKey struct {
	agent   netip.Addr
	domain  uint32
	ifIndex uint32
}

// sample is what a difference is computed from: one sample's counters.
type sample struct {
	time                    time.Time
	uptime                  time.Duration
	seq                     uint32
	inOctets, outOctets     uint64
	inPackets, outPackets   uint64 // sums of three 32-bit counters
	inErrors, outErrors     uint32
	inDiscards, outDiscards uint32
}

func sampleOf(c *decode.Counters) sample {
	return sample{time: c.Time, uptime: c.Uptime, seq: c.Sequence, inOctets: c.InOctets, outOctets: c.OutOctets,
		inPackets: c.InPackets, outPackets: c.OutPackets, inErrors: c.InErrors, outErrors: c.OutErrors,
		inDiscards: c.InDiscards, outDiscards: c.OutDiscards}
}

// ifState is the previous sample of an interface, in a list from the most
// to the least recently sampled.
type ifState struct {
	key        ifKey
	prev       sample
	speed      uint64 // bits per second, of the latest sample (0: unknown)
	newer, old *ifState
}

// portMinute identifies a pending row.
type portMinute struct {
	minute int64 // Unix microseconds
	port   string
}

// counterTracker turns the counter samples of each interface into
// per-minute differences of its port, and hands them to a CounterSink. It
// keeps the previous sample of at most cfg.Interfaces interfaces, evicting
// the least recently sampled. Safe for concurrent use; the first sample of
// an interface allocates, the others do not.
type counterTracker struct {
	cfg     CounterConfiguration
	sink    flow.CounterSink
	logger  *slog.Logger
	metrics *metrics

	mu      sync.Mutex
	states  map[ifKey]*ifState
	newest  *ifState
	oldest  *ifState
	pending map[portMinute]*flow.PortCounters

	flushMu sync.Mutex
}

func newCounterTracker(cfg CounterConfiguration, sink flow.CounterSink, logger *slog.Logger, m *metrics) *counterTracker {
	return &counterTracker{cfg: cfg, sink: sink, logger: logger, metrics: m,
		states: map[ifKey]*ifState{}, pending: map[portMinute]*flow.PortCounters{}}
}

// add resolves each sample's interface to a switch port with ix (as flow
// records' ifIndexes are) and adds its difference from the previous sample
// of the interface to the port's minute.
func (t *counterTracker) add(ix *attribute.Index, cs []decode.Counters) {
	var results [nResults]uint64
	if t.sink == nil {
		results[resultNoSink] = uint64(len(cs))
		t.count(&results)
		return
	}
	t.mu.Lock()
	for i := range cs {
		results[t.add1(ix, &cs[i])]++
	}
	t.mu.Unlock()
	t.count(&results)
}

func (t *counterTracker) count(results *[nResults]uint64) {
	for r, n := range results {
		if n > 0 {
			t.metrics.counterSamples[r].Add(float64(n))
		}
	}
}

// add1 handles one sample under t.mu and returns what became of it.
func (t *counterTracker) add1(ix *attribute.Index, c *decode.Counters) int {
	if !c.Generic {
		return resultNoInterface
	}
	at := attribute.MomentOf(c.Time)
	exp := ix.Exporter(c.Exporter, at)
	if exp == nil {
		return resultUnknownExporter
	}
	port := exp.Port(c.IfIndex, at)
	if port == nil {
		return resultUnknownPort
	}
	cur := sampleOf(c)
	k := ifKey{c.Exporter.Unmap(), c.Domain, c.IfIndex}
	st := t.states[k]
	if st == nil {
		st = t.insert(k)
		st.prev, st.speed = cur, c.IfSpeed
		t.status(port.ID, c)
		return resultBaseline
	}
	t.touch(st)
	d, result := difference(&st.prev, &cur, t.cfg.MaxGap)
	if result == resultOutOfOrder {
		return result
	}
	st.prev, st.speed = cur, c.IfSpeed
	row := t.status(port.ID, c)
	if result == resultStored {
		addDifferences(row, &d)
	}
	return result
}

// status counts sample c in the pending row of port's minute, with its
// speed and status when it is the row's latest, and returns the row.
func (t *counterTracker) status(port string, c *decode.Counters) *flow.PortCounters {
	start := c.Time.UTC().Truncate(time.Minute)
	k := portMinute{start.UnixMicro(), port}
	row := t.pending[k]
	if row == nil {
		row = &flow.PortCounters{Start: start, Port: port}
		t.pending[k] = row
	}
	row.Samples++
	if !c.Time.Before(row.Last) {
		row.Speed, row.OperUp, row.Last = c.IfSpeed, c.OperUp, c.Time
	}
	return row
}

// difference returns the counters between prev and cur (an interval's
// differences, with Covered) and resultStored, or why there is none.
// 64-bit octet counters never wrap in practice: one going down is a reset.
// The 32-bit ones (errors, discards, and each of the three packet counters
// summed) wrap; a wrapped difference above half their range is taken for a
// reset rather than for a burst.
func difference(prev, cur *sample, maxGap time.Duration) (flow.PortCounters, int) {
	back := prev.seq - cur.seq // how far behind cur's sequence is
	behind := back != 0 && back < 1<<31
	switch {
	case cur.seq == prev.seq && cur.uptime == prev.uptime:
		return flow.PortCounters{}, resultOutOfOrder
	case behind && back <= reorderWindow && cur.uptime <= prev.uptime && cur.time.Sub(prev.time)+reorderSlack < cur.uptime:
		return flow.PortCounters{}, resultOutOfOrder
	case behind || cur.uptime < prev.uptime || cur.inOctets < prev.inOctets || cur.outOctets < prev.outOctets:
		return flow.PortCounters{}, resultReset
	}
	interval := cur.uptime - prev.uptime
	if prev.uptime == 0 || interval <= 0 { // an agent that sends no uptime
		interval = cur.time.Sub(prev.time)
	}
	switch {
	case interval <= 0:
		return flow.PortCounters{}, resultOutOfOrder
	case interval > maxGap:
		return flow.PortCounters{}, resultBaseline
	}
	d := flow.PortCounters{Covered: interval, InOctets: cur.inOctets - prev.inOctets, OutOctets: cur.outOctets - prev.outOctets}
	ok := true
	d.InPackets, ok = packetsDiff(prev.inPackets, cur.inPackets, ok)
	d.OutPackets, ok = packetsDiff(prev.outPackets, cur.outPackets, ok)
	d.InErrors, ok = wrap32(prev.inErrors, cur.inErrors, ok)
	d.OutErrors, ok = wrap32(prev.outErrors, cur.outErrors, ok)
	d.InDiscards, ok = wrap32(prev.inDiscards, cur.inDiscards, ok)
	d.OutDiscards, ok = wrap32(prev.outDiscards, cur.outDiscards, ok)
	if !ok {
		return flow.PortCounters{}, resultReset
	}
	return d, resultStored
}

// wrap32 is the difference of a 32-bit counter from prev to cur, through
// a wrap; ok turns false when it is above half the range.
func wrap32(prev, cur uint32, ok bool) (uint64, bool) {
	d := cur - prev
	return uint64(d), ok && d < 1<<31
}

// packetsDiff is the difference of a sum of three 32-bit counters from
// prev to cur: when the sum went down, the fewest wraps that make it up;
// ok turns false when the result is above half of one counter's range.
func packetsDiff(prev, cur uint64, ok bool) (uint64, bool) {
	d := int64(cur) - int64(prev)
	for wraps := 0; d < 0 && wraps < 3; wraps++ {
		d += 1 << 32
	}
	return uint64(d), ok && d >= 0 && d < 1<<31
}

// addPortCounters adds b's differences and samples to a, and takes its
// speed and status when its last sample is the later.
func addPortCounters(a, b *flow.PortCounters) {
	addDifferences(a, b)
	a.Samples = sat(a.Samples, b.Samples, math.MaxUint64)
	if !b.Last.Before(a.Last) {
		a.Speed, a.OperUp, a.Last = b.Speed, b.OperUp, b.Last
	}
}

// addDifferences adds b's differences and the time they cover to a,
// saturating (a hostile agent's counters can jump by nearly 2^64).
func addDifferences(a, b *flow.PortCounters) {
	a.Covered = time.Duration(sat(uint64(a.Covered), uint64(b.Covered), math.MaxInt64))
	for _, p := range [...][2]*uint64{{&a.InOctets, &b.InOctets}, {&a.OutOctets, &b.OutOctets},
		{&a.InPackets, &b.InPackets}, {&a.OutPackets, &b.OutPackets}, {&a.InErrors, &b.InErrors},
		{&a.OutErrors, &b.OutErrors}, {&a.InDiscards, &b.InDiscards}, {&a.OutDiscards, &b.OutDiscards}} {
		*p[0] = sat(*p[0], *p[1], math.MaxUint64)
	}
}

// sat is x + y, or limit when that is beyond it.
func sat(x, y, limit uint64) uint64 {
	if s := x + y; s >= x && s <= limit {
		return s
	}
	return limit
}

// insert adds the state of k as the newest, evicting the oldest when the
// states are at capacity.
func (t *counterTracker) insert(k ifKey) *ifState {
	var st *ifState
	if len(t.states) >= t.cfg.Interfaces {
		st = t.oldest
		t.unlink(st)
		delete(t.states, st.key)
		t.metrics.counterEvictions.Inc()
		*st = ifState{}
	} else {
		st = &ifState{}
	}
	st.key = k
	t.states[k] = st
	t.pushNewest(st)
	t.metrics.counterInterfaces.Set(float64(len(t.states)))
	return st
}

// touch makes st the newest.
func (t *counterTracker) touch(st *ifState) {
	if t.newest == st {
		return
	}
	t.unlink(st)
	t.pushNewest(st)
}

func (t *counterTracker) pushNewest(st *ifState) {
	st.old, st.newer = t.newest, nil
	if t.newest != nil {
		t.newest.newer = st
	}
	t.newest = st
	if t.oldest == nil {
		t.oldest = st
	}
}

func (t *counterTracker) unlink(st *ifState) {
	if st.newer != nil {
		st.newer.old = st.old
	} else {
		t.newest = st.old
	}
	if st.old != nil {
		st.old.newer = st.newer
	} else {
		t.oldest = st.newer
	}
	st.newer, st.old = nil, nil
}

// flush writes the pending rows of the minutes before upTo (all of them
// when upTo is zero) to the sink. Rows the sink refuses stay pending for
// the next flush; beyond maxPendingMinutes of them per interface, the
// oldest minutes are dropped and counted.
func (t *counterTracker) flush(ctx context.Context, upTo time.Time) error {
	if t.sink == nil {
		return nil
	}
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	t.mu.Lock()
	var rows []flow.PortCounters
	for k, row := range t.pending {
		if upTo.IsZero() || row.Start.Before(upTo) {
			rows = append(rows, *row)
			delete(t.pending, k)
		}
	}
	t.mu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b flow.PortCounters) int {
		return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.Port, b.Port))
	})
	err := t.sink.WriteCounters(ctx, rows)
	if err == nil {
		t.metrics.counterRows.Add(float64(len(rows)))
		return nil
	}
	t.mu.Lock()
	for i := range rows {
		row := &rows[i]
		k := portMinute{row.Start.UnixMicro(), row.Port}
		if have := t.pending[k]; have != nil {
			addPortCounters(have, row)
		} else {
			t.pending[k] = row
		}
	}
	dropped := 0
	if limit := t.cfg.Interfaces * maxPendingMinutes; len(t.pending) > limit {
		keys := make([]portMinute, 0, len(t.pending))
		for k := range t.pending {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b portMinute) int { return cmp.Compare(a.minute, b.minute) })
		for _, k := range keys[:len(keys)-limit] {
			delete(t.pending, k)
			dropped++
		}
	}
	t.mu.Unlock()
	if dropped > 0 {
		t.metrics.counterDropped.Add(float64(dropped))
		t.logger.Error("port counter minutes dropped: the store refused them too long", "rows", dropped)
	}
	return fmt.Errorf("flow pipeline: write %d port counter minutes: %w", len(rows), err)
}
