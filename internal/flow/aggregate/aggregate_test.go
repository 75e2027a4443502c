package aggregate

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
)

var (
	t0  = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	web = &flow.Endpoint{Class: flow.ClassVM, VM: "vm:a", App: "shop"}
	db  = &flow.Endpoint{Class: flow.ClassVM, VM: "vm:b", App: "db"}
	ext = &flow.Endpoint{Class: flow.ClassExternal}
	p7  = &attribute.Port{ID: "port:leaf1/Ethernet1/7", Channel: "portchannel:leaf1/Port-channel10"}
	p8  = &attribute.Port{ID: "port:leaf1/Ethernet1/8"}
)

func rec(at time.Time, bytes, packets uint64, rate uint32) Record {
	return Record{At: attribute.MomentOf(at), Src: web, Dst: db, SrcAddr: netip.MustParseAddr("10.1.0.10"),
		DstAddr: netip.MustParseAddr("10.1.0.20"), Proto: 6, DstPort: 5432, Bytes: bytes, Packets: packets, SamplingRate: rate}
}

func newAgg(t *testing.T, cfg Configuration, shards int) (*Aggregator, *MemorySink, *prometheus.Registry) {
	t.Helper()
	sink := &MemorySink{}
	reg := prometheus.NewRegistry()
	a, err := New(cfg, shards, sink, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	return a, sink, reg
}

// metric returns the value of the counter name (with the given label value,
// if any) in reg.
func metric(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
			if label == "" {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

type total struct{ bytes, packets, flows uint64 }

func sumMinutes(ms []flow.Minute) map[time.Time]total {
	out := map[time.Time]total{}
	for _, m := range ms {
		s := out[m.Start]
		s.bytes += m.Bytes
		s.packets += m.Packets
		s.flows += m.Flows
		out[m.Start] = s
	}
	return out
}

func TestSampling(t *testing.T) {
	tests := []struct {
		name                   string
		bytes, packets         uint64
		rate                   uint32
		wantBytes, wantPackets uint64
	}{
		{"unsampled (rate 0 means 1)", 1500, 2, 0, 1500, 2},
		{"rate 1", 1500, 2, 1, 1500, 2},
		{"1 in 512", 1500, 2, 512, 768000, 1024},
		{"saturates instead of wrapping", math.MaxUint64 / 2, 1, math.MaxUint32, math.MaxUint64, math.MaxUint32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, sink, _ := newAgg(t, DefaultConfiguration(), 1)
			a.Add(0, []Record{rec(t0, tt.bytes, tt.packets, tt.rate)})
			if err := a.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			ms := sink.Minutes()
			if len(ms) != 1 {
				t.Fatalf("got %d minutes; want 1", len(ms))
			}
			if m := ms[0]; m.Bytes != tt.wantBytes || m.Packets != tt.wantPackets || m.Flows != 1 {
				t.Errorf("got bytes %d packets %d flows %d; want %d %d 1", m.Bytes, m.Packets, m.Flows, tt.wantBytes, tt.wantPackets)
			}
		})
	}
}

func TestMinutes(t *testing.T) {
	a, sink, _ := newAgg(t, DefaultConfiguration(), 2)
	a.Add(0, []Record{
		rec(t0.Add(59*time.Second+999999*time.Microsecond), 100, 1, 0), // last microsecond of 10:00
		rec(t0.Add(time.Minute), 200, 2, 0),                            // first of 10:01
		rec(t0.Add(90*time.Second), 300, 3, 0),
	})
	a.Add(1, []Record{rec(t0, 1000, 10, 0)}) // same key as the first, in another shard
	a.Add(0, []Record{rec(time.Date(1969, 12, 31, 23, 59, 30, 0, time.UTC), 7, 1, 0)})
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sumMinutes(sink.Minutes())
	want := map[time.Time]total{
		t0:                  {1100, 11, 2},
		t0.Add(time.Minute): {500, 5, 2},
		time.Date(1969, 12, 31, 23, 59, 0, 0, time.UTC): {7, 1, 1},
	}
	if len(got) != len(want) {
		t.Errorf("got minutes %v; want %v", got, want)
	}
	for m, w := range want {
		if got[m] != w {
			t.Errorf("minute %v: got %+v; want %+v", m, got[m], w)
		}
	}
	for _, m := range sink.Minutes() {
		if m.Src.Addr != "10.1.0.10" || m.Dst.Addr != "10.1.0.20" || m.Src.VM != "vm:a" || m.Dst.App != "db" || m.Proto != 6 || m.DstPort != 5432 {
			t.Errorf("key: got %+v", m)
		}
	}
	if n := len(sink.Minutes()); n != 3 {
		t.Errorf("got %d keys; want 3 (the shards' keys of one minute merged)", n)
	}
}

func TestOverflow(t *testing.T) {
	cfg := DefaultConfiguration()
	cfg.MaxKeysPerMinute = 10
	a, sink, reg := newAgg(t, cfg, 2) // 5 keys per shard and minute
	var recs []Record
	for i := range 20 {
		r := rec(t0, 100, 1, 0)
		r.DstPort = uint16(1000 + i)
		r.In = p7
		recs = append(recs, r)
	}
	a.Add(0, recs)
	a.Add(1, recs[:3])
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var keys int
	var over flow.Minute
	var all total
	for _, m := range sink.Minutes() {
		all.bytes += m.Bytes
		all.flows += m.Flows
		if m.Src.Class == flow.ClassOverflow {
			over = m
			continue
		}
		keys++
	}
	if keys != 5 {
		t.Errorf("got %d keys; want 5 (shard 0's share)", keys)
	}
	if over.Flows != 15 || over.Bytes != 1500 || over.Dst.Class != flow.ClassOverflow {
		t.Errorf("overflow: got %+v; want 15 flows, 1500 bytes", over)
	}
	if all.flows != 23 || all.bytes != 2300 {
		t.Errorf("total: got %+v; want 23 flows, 2300 bytes (nothing dropped)", all)
	}
	if links := sink.Links(); len(links) != 1 || links[0].Bytes != 2300 || links[0].Port != p7.ID {
		t.Errorf("links: got %+v; want one of 2300 bytes on %s (overflow records included)", links, p7.ID)
	}
	if got := metric(t, reg, "vnetmap_flow_aggregate_overflow_records_total", ""); got != 15 {
		t.Errorf("overflow metric: got %v; want 15", got)
	}
}

func TestGraceAndLate(t *testing.T) {
	cfg := DefaultConfiguration()
	cfg.Grace = 30 * time.Second
	a, sink, reg := newAgg(t, cfg, 1)
	ctx := context.Background()
	a.Add(0, []Record{rec(t0.Add(10*time.Second), 100, 1, 0), rec(t0.Add(70*time.Second), 50, 1, 0)})

	// 10:00 ends at 10:01:00 and is due 30 s later.
	if err := a.FlushDue(ctx, t0.Add(89*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := sink.Writes(); n != 0 {
		t.Fatalf("before the grace: got %d writes; want 0", n)
	}
	if err := a.FlushDue(ctx, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := sumMinutes(sink.Minutes()); got[t0] != (total{100, 1, 1}) || len(got) != 1 {
		t.Fatalf("after the grace: got %v; want only 10:00 with 100 bytes", got)
	}

	// A late record for 10:00 is written again, and the sink adds it.
	a.Add(0, []Record{rec(t0.Add(20*time.Second), 400, 4, 0)})
	if got := metric(t, reg, "vnetmap_flow_aggregate_late_records_total", ""); got != 1 {
		t.Errorf("late metric: got %v; want 1", got)
	}
	if err := a.FlushDue(ctx, t0.Add(100*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := sumMinutes(sink.Minutes()); got[t0] != (total{500, 5, 2}) {
		t.Errorf("after the late record: got %+v; want 500 bytes, 5 packets, 2 flows", got[t0])
	}
	if n := sink.Writes(); n != 2 {
		t.Errorf("got %d writes; want 2", n)
	}

	// Flush writes the minute not yet due.
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sumMinutes(sink.Minutes()); got[t0.Add(time.Minute)] != (total{50, 1, 1}) {
		t.Errorf("after Flush: got %+v for 10:01; want 50 bytes", got[t0.Add(time.Minute)])
	}
	if got := metric(t, reg, "vnetmap_flow_aggregate_late_records_total", ""); got != 1 {
		t.Errorf("late metric after Flush: got %v; want still 1", got)
	}
}

func TestLinks(t *testing.T) {
	a, sink, _ := newAgg(t, DefaultConfiguration(), 2)
	r := rec(t0, 1000, 2, 10)
	r.In, r.Out = p7, p8
	r2 := rec(t0, 500, 1, 0)
	r2.In = p7
	a.Add(0, []Record{r, r2})
	a.Add(1, []Record{r2})
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sink.Links()
	slices.SortFunc(got, func(a, b flow.LinkMinute) int {
		return len(a.Port)*10 + len(a.Direction) - len(b.Port)*10 - len(b.Direction)
	})
	want := []flow.LinkMinute{
		{Start: t0, Port: p7.ID, Channel: p7.Channel, Direction: flow.LinkIn, Bytes: 11000, Packets: 22},
		{Start: t0, Port: p8.ID, Direction: flow.LinkOut, Bytes: 10000, Packets: 20},
	}
	byKey := map[string]flow.LinkMinute{}
	for _, l := range got {
		byKey[l.Port+" "+l.Direction] = l
	}
	if len(got) != len(want) {
		t.Errorf("got %d links; want %d: %+v", len(got), len(want), got)
	}
	for _, w := range want {
		if g := byKey[w.Port+" "+w.Direction]; g != w {
			t.Errorf("got %+v; want %+v", g, w)
		}
	}
}

func TestSinkFailure(t *testing.T) {
	cfg := DefaultConfiguration()
	cfg.MaxPending = 2
	a, sink, reg := newAgg(t, cfg, 1)
	ctx := context.Background()
	down := errors.New("database down")
	sink.SetErr(down)
	for i := range 3 {
		a.Add(0, []Record{rec(t0.Add(time.Duration(i)*time.Minute), 100, 1, 0)})
		if err := a.Flush(ctx); !errors.Is(err, down) {
			t.Fatalf("flush %d: got %v; want the sink's error", i, err)
		}
	}
	if got := metric(t, reg, "vnetmap_flow_aggregate_dropped_rows_total", ""); got != 1 {
		t.Errorf("dropped: got %v; want 1 (the oldest flush beyond max_pending 2)", got)
	}
	if got := metric(t, reg, "vnetmap_flow_aggregate_flushes_total", "error"); got != 3 {
		t.Errorf("failed flushes: got %v; want 3", got)
	}
	sink.SetErr(nil)
	if err := a.FlushDue(ctx, t0); err != nil {
		t.Fatal(err)
	}
	got := sumMinutes(sink.Minutes())
	want := map[time.Time]total{t0.Add(time.Minute): {100, 1, 1}, t0.Add(2 * time.Minute): {100, 1, 1}}
	if len(got) != 2 || got[t0.Add(time.Minute)] != want[t0.Add(time.Minute)] || got[t0.Add(2*time.Minute)] != want[t0.Add(2*time.Minute)] {
		t.Errorf("after the sink recovered: got %v; want %v", got, want)
	}
}

func TestStartStop(t *testing.T) {
	cfg := DefaultConfiguration()
	cfg.FlushInterval = 100 * time.Millisecond
	cfg.Grace = 0
	a, sink, _ := newAgg(t, cfg, 1)
	a.Start()
	old := time.Now().Add(-2 * time.Minute)
	a.Add(0, []Record{rec(old, 100, 1, 0)})
	deadline := time.Now().Add(10 * time.Second)
	for sink.Writes() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if sink.Writes() == 0 {
		t.Fatal("the periodic flush wrote nothing in 10 s")
	}
	a.Add(0, []Record{rec(time.Now(), 7, 1, 0)})
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var all uint64
	for _, m := range sink.Minutes() {
		all += m.Bytes
	}
	if all != 107 {
		t.Errorf("after Stop: got %d bytes; want 107 (the current minute flushed too)", all)
	}
}

func TestAddAllocs(t *testing.T) {
	a, _, _ := newAgg(t, DefaultConfiguration(), 1)
	recs := []Record{rec(t0, 100, 1, 0), rec(t0, 100, 1, 0)}
	recs[1].DstPort = 80
	recs[1].In = p7
	a.Add(0, recs)
	if n := testing.AllocsPerRun(100, func() { a.Add(0, recs) }); n != 0 {
		t.Errorf("allocations per Add of known keys: got %v; want 0", n)
	}
}

func TestConfiguration(t *testing.T) {
	if err := DefaultConfiguration().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for name, mod := range map[string]func(*Configuration){
		"no keys":        func(c *Configuration) { c.MaxKeysPerMinute = 0 },
		"negative grace": func(c *Configuration) { c.Grace = -time.Second },
		"tiny interval":  func(c *Configuration) { c.FlushInterval = time.Millisecond },
		"no pending":     func(c *Configuration) { c.MaxPending = 0 },
	} {
		c := DefaultConfiguration()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: got no error", name)
		}
		if _, err := New(c, 1, &MemorySink{}, nil, nil); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := New(DefaultConfiguration(), 1, nil, nil, nil); err == nil {
		t.Error("no sink: got no error")
	}
}
