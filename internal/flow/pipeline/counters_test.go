package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
)

// counterSink is a flow.Sink and flow.CounterSink in memory that can be
// made to fail.
type counterSink struct {
	aggregate.MemorySink
	mu     sync.Mutex
	rows   []flow.PortCounters
	writes int
	err    error
}

func (s *counterSink) WriteCounters(_ context.Context, cs []flow.PortCounters) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.writes++
	s.rows = append(s.rows, cs...)
	return nil
}

func (s *counterSink) setErr(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

func (s *counterSink) written() []flow.PortCounters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]flow.PortCounters(nil), s.rows...)
}

func describeCounters(c flow.PortCounters) string {
	return fmt.Sprintf("+%dm %s covered=%v in=%d/%d out=%d/%d errors=%d/%d discards=%d/%d samples=%d speed=%d up=%v last=+%v",
		int(c.Start.Sub(t0)/time.Minute), c.Port, c.Covered, c.InOctets, c.InPackets, c.OutOctets, c.OutPackets,
		c.InErrors, c.OutErrors, c.InDiscards, c.OutDiscards, c.Samples, c.Speed, c.OperUp, c.Last.Sub(c.Start))
}

// TestCounterSamples runs sFlow counter samples of leaf1 through
// HandleDatagram into a SQLite store: the agent and ifIndex resolve to the
// port as flow records' do, successive samples become differences per
// minute (a 32-bit error counter wrapping on the way), a duplicate is
// dropped, an agent restart starts a new baseline, and what resolves to no
// port is counted.
func TestCounterSamples(t *testing.T) {
	ctx := context.Background()
	st := testStore(t)
	reg := prometheus.NewRegistry()
	c, err := New(DefaultConfiguration(), st, appRules, st, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadIndex(ctx, at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	from := netip.AddrPortFrom(addr("10.20.255.200"), 6343) // the agent address is what counts
	eth1 := func(seq uint32, in, out uint64, inErr uint32) ifc {
		return ifc{ifIndex: 1, seq: seq, speed: 10e9, up: true, inOctets: in, outOctets: out,
			inPackets: uint32(in / 1000), outPackets: uint32(out / 1000), inErrors: inErr, outDiscards: seq}
	}
	t10 := at(10)
	send := func(offset time.Duration, uptime uint32, cs ...ifc) {
		c.HandleDatagram(0, from, sflowCounters(leaf1, uptime, cs), t10.Add(offset))
	}
	send(5*time.Second, 100_000,
		eth1(1, 1_000_000, 2_000_000, 0xfffffffe),
		ifc{ifIndex: 99, seq: 1, speed: 1e9, up: true},        // no port of leaf1
		ifc{ifIndex: 2, seq: 1, ether: true, noGeneric: true}) // Ethernet counters only
	send(35*time.Second, 130_000, eth1(2, 4_750_000, 9_500_000, 0)) // +1 Mb/s in, +2 out; errors wrap: +2
	send(36*time.Second, 130_000, eth1(2, 4_750_000, 9_500_000, 0)) // the same sample again
	send(65*time.Second, 160_000, eth1(3, 8_500_000, 17_000_000, 1),
		ifc{ifIndex: 1000, seq: 1, speed: 20e9, up: true, inOctets: 5}) // the port-channel's own counters
	send(95*time.Second, 5_000, ifc{ifIndex: 1, seq: 1, speed: 10e9, up: false, inOctets: 100}) // the agent restarted
	send(125*time.Second, 35_000, ifc{ifIndex: 1, seq: 2, speed: 10e9, up: false, inOctets: 100 + 30_000, outOctets: 9000,
		inPackets: 30, outDiscards: 3})
	c.HandleDatagram(0, from, sflowCounters(addr("10.20.255.77"), 1000, []ifc{{ifIndex: 1, seq: 1}}), t10) // no known switch
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := st.PortCounterMinutes(ctx, at(0), at(50))
	if err != nil {
		t.Fatal(err)
	}
	e1, po := "port:leaf1/Ethernet1/1", "portchannel:leaf1/Port-channel1"
	diff(t, "port counters", sorted(got, describeCounters), []string{
		"+10m " + e1 + " covered=30s in=3750000/3750 out=7500000/7500 errors=2/0 discards=0/1 samples=2 speed=10000000000 up=true last=+35s",
		"+11m " + e1 + " covered=30s in=3750000/3750 out=7500000/7500 errors=1/0 discards=0/1 samples=2 speed=10000000000 up=false last=+35s",
		"+11m " + po + " covered=0s in=0/0 out=0/0 errors=0/0 discards=0/0 samples=1 speed=20000000000 up=true last=+5s",
		"+12m " + e1 + " covered=30s in=30000/30 out=9000/0 errors=0/0 discards=0/3 samples=1 speed=10000000000 up=false last=+5s",
	})
	for _, m := range []struct {
		result string
		want   float64
	}{
		{"stored", 3}, {"baseline", 2}, {"reset", 1}, {"out_of_order", 1}, {"unknown_exporter", 1},
		{"unknown_port", 1}, {"no_interface_counters", 1}, {"no_sink", 0},
	} {
		if got := metric(t, reg, "vnetmap_flow_counter_samples_total", "result", m.result); got != m.want {
			t.Errorf("counter samples %s: got %v; want %v", m.result, got, m.want)
		}
	}
	if got := metric(t, reg, "vnetmap_flow_counter_minutes_written_total"); got != 4 {
		t.Errorf("minutes written: got %v; want 4", got)
	}
	if got := metric(t, reg, "vnetmap_flow_counter_interfaces"); got != 2 {
		t.Errorf("interfaces kept: got %v; want 2", got)
	}
}

// TestCounterDifference: how two successive samples of an interface
// become a difference, or why they do not.
func TestCounterDifference(t *testing.T) {
	base := sample{time: t0, uptime: time.Hour, seq: 100, inOctets: 1e9, outOctets: 2e9, inPackets: 1e6, outPackets: 2e6,
		inErrors: 10, outErrors: 20, inDiscards: 30, outDiscards: 40}
	next := func(mod func(*sample)) sample {
		s := base
		s.time, s.uptime, s.seq = t0.Add(30*time.Second), time.Hour+30*time.Second, 101
		s.inOctets, s.outOctets, s.inPackets, s.outPackets = 1e9+3000, 2e9+6000, 1e6+3, 2e6+6
		s.inErrors, s.outErrors, s.inDiscards, s.outDiscards = 11, 22, 33, 44
		if mod != nil {
			mod(&s)
		}
		return s
	}
	normal := flow.PortCounters{Covered: 30 * time.Second, InOctets: 3000, OutOctets: 6000, InPackets: 3, OutPackets: 6,
		InErrors: 1, OutErrors: 2, InDiscards: 3, OutDiscards: 4}
	for _, tc := range []struct {
		name   string
		prev   sample
		cur    sample
		want   flow.PortCounters
		result int
	}{
		{"next sample", base, next(nil), normal, resultStored},
		{"the same sample again", base, base, flow.PortCounters{}, resultOutOfOrder},
		{"an older sample (reordered)", next(nil), base, flow.PortCounters{}, resultOutOfOrder},
		{"an older sample arriving after the newer one", next(nil), func() sample { s := base; s.time = t0.Add(31 * time.Second); return s }(),
			flow.PortCounters{}, resultOutOfOrder},
		{"a young agent restarted", sample{time: t0, uptime: 40 * time.Second, seq: 3, inOctets: 900},
			sample{time: t0.Add(30 * time.Second), uptime: 5 * time.Second, seq: 1, inOctets: 1000}, flow.PortCounters{}, resultReset},
		{"agent restarted", base, next(func(s *sample) { s.uptime, s.seq, s.inOctets, s.outOctets = 30*time.Second, 1, 500, 600 }),
			flow.PortCounters{}, resultReset},
		{"agent restarted, counters kept", base, next(func(s *sample) { s.uptime = time.Minute }), flow.PortCounters{}, resultReset},
		{"sequence restarted", base, next(func(s *sample) { s.seq = 1 }), flow.PortCounters{}, resultReset},
		{"counters cleared", base, next(func(s *sample) { s.inOctets, s.outOctets, s.inErrors = 10, 20, 0 }), flow.PortCounters{}, resultReset},
		{"only out octets went down", base, next(func(s *sample) { s.outOctets = 1 }), flow.PortCounters{}, resultReset},
		{"32-bit octets in a 64-bit field wrapped (lost, not a burst)",
			sample{uptime: time.Hour, seq: 1, inOctets: 1<<32 - 100}, sample{uptime: time.Hour + time.Second, seq: 2, inOctets: 50},
			flow.PortCounters{}, resultReset},
		{"32-bit counters wrapped", sample{time: t0, uptime: time.Hour, seq: 7, inErrors: 1<<32 - 2, inPackets: 3<<32 - 3},
			sample{time: t0, uptime: time.Hour + time.Second, seq: 8, inErrors: 3, inPackets: 3<<32 - 5 + 7 - 1<<32},
			flow.PortCounters{Covered: time.Second, InErrors: 5, InPackets: 5}, resultStored},
		{"a 32-bit counter down by little is no wrap", base, next(func(s *sample) { s.outDiscards = 39 }), flow.PortCounters{}, resultReset},
		{"sequence wraps past 2^32", sample{uptime: time.Hour, seq: 1<<32 - 1}, sample{uptime: time.Hour + time.Second, seq: 0, inOctets: 8},
			flow.PortCounters{Covered: time.Second, InOctets: 8}, resultStored},
		{"silent longer than max_gap", base, next(func(s *sample) { s.uptime += time.Hour }), flow.PortCounters{}, resultBaseline},
		{"agent without uptime: reception times", sample{time: t0, seq: 1}, sample{time: t0.Add(20 * time.Second), seq: 2, inOctets: 1},
			flow.PortCounters{Covered: 20 * time.Second, InOctets: 1}, resultStored},
		{"agent without uptime nor time between", sample{time: t0, seq: 1}, sample{time: t0, seq: 2},
			flow.PortCounters{}, resultOutOfOrder},
	} {
		got, result := difference(&tc.prev, &tc.cur, 10*time.Minute)
		if result != tc.result || got != tc.want {
			t.Errorf("%s: got %s %+v; want %s %+v", tc.name, counterResults[result], got, counterResults[tc.result], tc.want)
		}
	}
}

// TestCounterEviction: the previous samples kept are bounded; the least
// recently sampled interface is forgotten first.
func TestCounterEviction(t *testing.T) {
	cfg := DefaultConfiguration()
	cfg.Counters.Interfaces = 2
	sink := &counterSink{}
	reg := prometheus.NewRegistry()
	c, err := New(cfg, testStore(t), appRules, sink, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadIndex(context.Background(), at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	// Round 1: 1, 2, 3 (3 evicts 1). Round 2: 2 and 3 are differences, 1
	// evicts 2 and is a baseline again; then 2 evicts 3 and is a baseline.
	for round, ifIndexes := range [][]uint32{{1, 2, 3}, {3, 1, 2}} {
		for i, ix := range ifIndexes {
			uptime := uint32(1000 * (10*round + i + 1))
			c.HandleDatagram(0, leaf1Export, sflowCounters(leaf1, uptime, []ifc{{ifIndex: ix, seq: uint32(round + 1), inOctets: uint64(100 * (round + 1))}}),
				at(10).Add(time.Duration(uptime)*time.Millisecond))
		}
	}
	for _, m := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vnetmap_flow_counter_samples_total", []string{"result", "baseline"}, 5},
		{"vnetmap_flow_counter_samples_total", []string{"result", "stored"}, 1},
		{"vnetmap_flow_counter_evictions_total", nil, 3},
		{"vnetmap_flow_counter_interfaces", nil, 2},
	} {
		if got := metric(t, reg, m.name, m.labels...); got != m.want {
			t.Errorf("%s%v: got %v; want %v", m.name, m.labels, got, m.want)
		}
	}
}

// TestCounterRetry: minutes the sink refuses stay in memory and are
// written, added up, by the next flush.
func TestCounterRetry(t *testing.T) {
	ctx := context.Background()
	sink := &counterSink{}
	c, err := New(DefaultConfiguration(), testStore(t), appRules, sink, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadIndex(ctx, at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("database down")
	sink.setErr(refused)
	c.HandleDatagram(0, leaf1Export, sflowCounters(leaf1, 1000, []ifc{{ifIndex: 3, seq: 1, speed: 1e9, up: true}}), at(10))
	c.HandleDatagram(0, leaf1Export, sflowCounters(leaf1, 21000, []ifc{{ifIndex: 3, seq: 2, speed: 1e9, up: true, inOctets: 700}}), at(10).Add(20*time.Second))
	if err := c.Flush(ctx); !errors.Is(err, refused) {
		t.Fatalf("flush with the sink down: got %v; want %v", err, refused)
	}
	c.HandleDatagram(0, leaf1Export, sflowCounters(leaf1, 41000, []ifc{{ifIndex: 3, seq: 3, speed: 1e9, up: true, inOctets: 1000}}), at(10).Add(40*time.Second))
	sink.setErr(nil)
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	diff(t, "port counters", sorted(sink.written(), describeCounters), []string{
		"+10m port:leaf1/Ethernet1/3 covered=40s in=1000/0 out=0/0 errors=0/0 discards=0/0 samples=3 speed=1000000000 up=true last=+40s",
	})
}

// TestCounterFlusher: once started, the pipeline writes the port counter
// minutes that have ended without being asked.
func TestCounterFlusher(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfiguration()
	cfg.Aggregate.FlushInterval = 100 * time.Millisecond
	sink := &counterSink{}
	c, err := New(cfg, testStore(t), appRules, sink, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx)
	then := time.Now().Add(-2 * time.Minute)
	c.HandleDatagram(0, leaf1Export, sflowCounters(leaf1, 1000, []ifc{{ifIndex: 1, seq: 1}}), then)
	c.HandleDatagram(0, leaf1Export, sflowCounters(leaf1, 2000, []ifc{{ifIndex: 1, seq: 2, inOctets: 10}}), then.Add(time.Second))
	for deadline := time.Now().Add(5 * time.Second); len(sink.written()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no port counters written within 5s")
		}
	}
	var in uint64
	for _, r := range sink.written() {
		in += r.InOctets
	}
	if in != 10 {
		t.Errorf("in octets written: got %d; want 10", in)
	}
}

// TestCounterAllocs: a datagram of counter samples of known interfaces, in
// a minute already pending, allocates nothing.
func TestCounterAllocs(t *testing.T) {
	c, err := New(DefaultConfiguration(), testStore(t), appRules, &counterSink{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadIndex(context.Background(), at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	cs := []ifc{{ifIndex: 1, seq: 1}, {ifIndex: 2, seq: 1}, {ifIndex: 3, seq: 1}}
	c.HandleDatagram(0, leaf1Export, sflowCounters(leaf1, 1000, cs), at(10))
	for i := range cs {
		cs[i].seq, cs[i].inOctets = 2, 100
	}
	data := sflowCounters(leaf1, 2000, cs)
	c.HandleDatagram(0, leaf1Export, data, at(10).Add(time.Second))
	if n := testing.AllocsPerRun(100, func() { c.HandleDatagram(0, leaf1Export, data, at(10).Add(time.Second)) }); n != 0 {
		t.Errorf("allocations per datagram of counter samples: got %v; want 0", n)
	}
}
