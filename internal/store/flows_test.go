package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
)

// vmEnd is the endpoint of VM name in application app.
func vmEnd(name, app, addr string) flow.Endpoint {
	return flow.Endpoint{Class: flow.ClassVM, VM: string(vmID(name)), App: app, Addr: addr}
}

// extEnd is an external address.
func extEnd(addr string) flow.Endpoint { return flow.Endpoint{Class: flow.ClassExternal, Addr: addr} }

// fm is a flow minute min minutes after t0.
func fm(min int, src, dst flow.Endpoint, proto uint8, port uint16, bytes, packets, flows uint64) flow.Minute {
	return flow.Minute{Start: at(min), Src: src, Dst: dst, Proto: proto, DstPort: port, Bytes: bytes, Packets: packets, Flows: flows}
}

// lm is a link minute min minutes after t0.
func lm(min int, port, channel, dir string, bytes, packets uint64) flow.LinkMinute {
	return flow.LinkMinute{Start: at(min), Port: port, Channel: channel, Direction: dir, Bytes: bytes, Packets: packets}
}

// describeFlow renders a flow minute for comparisons.
func describeFlow(m flow.Minute) string {
	return fmt.Sprintf("%s %s/%s/%s/%s → %s/%s/%s/%s %d/%d %d %d %d", minutes(m.Start),
		m.Src.Class, m.Src.VM, m.Src.App, m.Src.Addr, m.Dst.Class, m.Dst.VM, m.Dst.App, m.Dst.Addr,
		m.Proto, m.DstPort, m.Bytes, m.Packets, m.Flows)
}

func describeFlows(ms []flow.Minute) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = describeFlow(m)
	}
	return out
}

func describeLinks(ls []flow.LinkMinute) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprintf("%s %s %s %s %d %d", minutes(l.Start), l.Port, l.Channel, l.Direction, l.Bytes, l.Packets)
	}
	return out
}

var (
	web1 = vmEnd("web1", "shop", "10.0.0.1")
	db1  = vmEnd("db1", "shop", "10.0.0.2")
	mon1 = vmEnd("mon1", "", "10.0.0.3")
	inet = extEnd("198.51.100.7")
)

func TestWriteFlowsAddsCounters(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		first := []flow.Minute{
			fm(0, web1, db1, 6, 5432, 1000, 10, 2),
			fm(0, db1, web1, 6, 0, 500, 5, 2),
			fm(1, web1, db1, 6, 5432, 10, 1, 1),
		}
		// Within one call, two rows of one key are added before the upsert,
		// and a start within the minute is the minute.
		late := fm(0, web1, db1, 6, 5432, 7, 1, 1)
		late.Start = late.Start.Add(42 * time.Second)
		second := []flow.Minute{fm(0, web1, db1, 6, 5432, 100, 2, 1), late, fm(0, web1, db1, 17, 53, 60, 1, 1)}
		if err := s.WriteFlows(ctx, first, []flow.LinkMinute{lm(0, "port:leaf1/Ethernet1/2", "", flow.LinkIn, 900, 9)}); err != nil {
			t.Fatalf("WriteFlows: %v", err)
		}
		if err := s.WriteFlows(ctx, second, []flow.LinkMinute{
			lm(0, "port:leaf1/Ethernet1/2", "", flow.LinkIn, 100, 1),
			lm(0, "port:leaf1/Ethernet1/2", "", flow.LinkOut, 50, 1),
		}); err != nil {
			t.Fatalf("WriteFlows again: %v", err)
		}
		got, err := s.FlowMinutes(ctx, FlowFilter{From: at(0), To: at(10)})
		if err != nil {
			t.Fatal(err)
		}
		want := []flow.Minute{
			fm(0, db1, web1, 6, 0, 500, 5, 2),
			fm(0, web1, db1, 6, 5432, 1107, 13, 4),
			fm(0, web1, db1, 17, 53, 60, 1, 1),
			fm(1, web1, db1, 6, 5432, 10, 1, 1),
		}
		if d := diff(describeFlows(got), describeFlows(want)); d != "" {
			t.Errorf("flow minutes (-got +want):\n%s", d)
		}
		links, err := s.LinkMinutes(ctx, at(0), at(10))
		if err != nil {
			t.Fatal(err)
		}
		wantLinks := []flow.LinkMinute{
			lm(0, "port:leaf1/Ethernet1/2", "", flow.LinkIn, 1000, 10),
			lm(0, "port:leaf1/Ethernet1/2", "", flow.LinkOut, 50, 1),
		}
		if d := diff(describeLinks(links), describeLinks(wantLinks)); d != "" {
			t.Errorf("link minutes (-got +want):\n%s", d)
		}
		if err := s.WriteFlows(ctx, nil, nil); err != nil {
			t.Errorf("WriteFlows(nothing): %v", err)
		}
	})
}

func TestFlowRanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		var ms []flow.Minute
		for min := range 6 {
			ms = append(ms,
				fm(min, web1, db1, 6, 5432, 100, 1, 1),
				fm(min, mon1, web1, 6, 443, 10, 1, 1),
				fm(min, inet, web1, 6, 443, 1000, 10, 1))
		}
		// A VM of two applications, and names that are LIKE patterns.
		multi := vmEnd("pay1", "billing,shop", "10.0.0.4")
		odd := vmEnd("odd1", "a_b", "10.0.0.5")
		ms = append(ms, fm(7, multi, inet, 6, 443, 1, 1, 1), fm(7, odd, inet, 6, 443, 2, 1, 1))
		if err := s.WriteFlows(ctx, ms, nil); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			f    FlowFilter
			want []string
		}{
			{"from inclusive, to exclusive", FlowFilter{From: at(2), To: at(4)}, describeFlows([]flow.Minute{
				fm(2, web1, db1, 6, 5432, 100, 1, 1), fm(2, mon1, web1, 6, 443, 10, 1, 1), fm(2, inet, web1, 6, 443, 1000, 10, 1),
				fm(3, web1, db1, 6, 5432, 100, 1, 1), fm(3, mon1, web1, 6, 443, 10, 1, 1), fm(3, inet, web1, 6, 443, 1000, 10, 1),
			})},
			{"no upper bound", FlowFilter{From: at(5)}, describeFlows([]flow.Minute{
				fm(5, web1, db1, 6, 5432, 100, 1, 1), fm(5, mon1, web1, 6, 443, 10, 1, 1), fm(5, inet, web1, 6, 443, 1000, 10, 1),
				fm(7, multi, inet, 6, 443, 1, 1, 1), fm(7, odd, inet, 6, 443, 2, 1, 1),
			})},
			{"a VM on either side", FlowFilter{From: at(0), To: at(2), VM: db1.VM}, describeFlows([]flow.Minute{
				fm(0, web1, db1, 6, 5432, 100, 1, 1), fm(1, web1, db1, 6, 5432, 100, 1, 1),
			})},
			{"a VM as source", FlowFilter{From: at(0), To: at(1), VM: mon1.VM}, describeFlows([]flow.Minute{
				fm(0, mon1, web1, 6, 443, 10, 1, 1),
			})},
			{"an application", FlowFilter{From: at(1), To: at(2), App: "shop"}, describeFlows([]flow.Minute{
				fm(1, web1, db1, 6, 5432, 100, 1, 1), fm(1, mon1, web1, 6, 443, 10, 1, 1), fm(1, inet, web1, 6, 443, 1000, 10, 1),
			})},
			{"VM and application", FlowFilter{From: at(1), To: at(2), App: "shop", VM: mon1.VM}, describeFlows([]flow.Minute{
				fm(1, mon1, web1, 6, 443, 10, 1, 1),
			})},
			{"one of several applications", FlowFilter{From: at(7), App: "billing"}, describeFlows([]flow.Minute{fm(7, multi, inet, 6, 443, 1, 1, 1)})},
			{"the other of several", FlowFilter{From: at(7), App: "shop"}, describeFlows([]flow.Minute{fm(7, multi, inet, 6, 443, 1, 1, 1)})},
			{"a prefix is no application", FlowFilter{From: at(7), App: "sho"}, nil},
			{"a different case is another application", FlowFilter{From: at(7), App: "SHOP"}, nil},
			{"underscore is no wildcard", FlowFilter{From: at(7), App: "axb"}, nil},
			{"underscore in a name", FlowFilter{From: at(7), App: "a_b"}, describeFlows([]flow.Minute{fm(7, odd, inet, 6, 443, 2, 1, 1)})},
			{"empty window", FlowFilter{From: at(6), To: at(7)}, nil},
			{"unknown VM", FlowFilter{From: at(0), To: at(9), VM: "vm:nobody"}, nil},
			{"unknown application", FlowFilter{From: at(0), To: at(9), App: "nope"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.FlowMinutes(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if d := diff(describeFlows(got), tt.want); d != "" {
					t.Errorf("(-got +want):\n%s", d)
				}
				if !slices.IsSortedFunc(got, func(a, b flow.Minute) int { return a.Start.Compare(b.Start) }) {
					t.Errorf("not ordered by minute: %v", describeFlows(got))
				}
			})
		}

		totals, err := s.FlowTotals(ctx, FlowFilter{From: at(1), To: at(4)})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{ // largest first; Start is each key's first minute in the window
			describeFlow(fm(1, inet, web1, 6, 443, 3000, 30, 3)),
			describeFlow(fm(1, web1, db1, 6, 5432, 300, 3, 3)),
			describeFlow(fm(1, mon1, web1, 6, 443, 30, 3, 3)),
		}
		if got := describeFlows(totals); !slices.Equal(got, want) {
			t.Errorf("FlowTotals = %q; want %q", got, want)
		}
		totals, err = s.FlowTotals(ctx, FlowFilter{From: at(0), VM: db1.VM})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := describeFlows(totals), []string{describeFlow(fm(0, web1, db1, 6, 5432, 600, 6, 6))}; !slices.Equal(got, want) {
			t.Errorf("FlowTotals of db1 = %q; want %q", got, want)
		}
	})
}

func TestLinkRanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		const e1, e2 = "port:leaf1/Ethernet1/1", "port:leaf1/Ethernet1/2"
		var ls []flow.LinkMinute
		for min := range 4 {
			ls = append(ls,
				lm(min, e1, "portchannel:leaf1/Port-channel20", flow.LinkIn, 100, 1),
				lm(min, e1, "portchannel:leaf1/Port-channel20", flow.LinkOut, 10, 1),
				lm(min, e2, "", flow.LinkIn, 7, 1))
		}
		if err := s.WriteFlows(ctx, nil, ls); err != nil {
			t.Fatal(err)
		}
		got, err := s.LinkMinutes(ctx, at(3), at(10))
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(describeLinks(got), describeLinks(ls[9:])); d != "" {
			t.Errorf("LinkMinutes from 3 (-got +want):\n%s", d)
		}
		totals, err := s.LinkTotals(ctx, at(1), at(3))
		if err != nil {
			t.Fatal(err)
		}
		want := describeLinks([]flow.LinkMinute{
			lm(1, e1, "portchannel:leaf1/Port-channel20", flow.LinkIn, 200, 2),
			lm(1, e1, "portchannel:leaf1/Port-channel20", flow.LinkOut, 20, 2),
			lm(1, e2, "", flow.LinkIn, 14, 2),
		})
		if got := describeLinks(totals); !slices.Equal(got, want) {
			t.Errorf("LinkTotals = %q; want %q", got, want)
		}
	})
}

func TestPruneFlows(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		var ms []flow.Minute
		var ls []flow.LinkMinute
		for min := range 5 {
			ms = append(ms, fm(min, web1, db1, 6, 5432, 100, 1, 1), fm(min, db1, web1, 6, 0, 50, 1, 1))
			ls = append(ls, lm(min, "port:leaf1/Ethernet1/1", "", flow.LinkIn, 100, 1))
		}
		if err := s.WriteFlows(ctx, ms, ls); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneFlows(ctx, at(3))
		if err != nil {
			t.Fatal(err)
		}
		if n != 9 { // minutes 0, 1 and 2: two flow rows and one link row each
			t.Errorf("PruneFlows deleted %d rows; want 9", n)
		}
		left, err := s.FlowMinutes(ctx, FlowFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(describeFlows(left), describeFlows(ms[6:])); d != "" {
			t.Errorf("flow minutes left (-got +want):\n%s", d)
		}
		links, err := s.LinkMinutes(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(describeLinks(links), describeLinks(ls[3:])); d != "" {
			t.Errorf("link minutes left (-got +want):\n%s", d)
		}
		if n, err := s.PruneFlows(ctx, at(3)); err != nil || n != 0 {
			t.Errorf("PruneFlows again = %d, %v; want 0", n, err)
		}
	})
}

func TestWriteFlowsInvalid(t *testing.T) {
	good := fm(0, web1, db1, 6, 5432, 100, 1, 1)
	goodLink := lm(0, "port:leaf1/Ethernet1/1", "", flow.LinkIn, 1, 1)
	tests := []struct {
		name    string
		minutes []flow.Minute
		links   []flow.LinkMinute
		wantErr string
	}{
		{"flow without start", []flow.Minute{good, {Src: inet, Dst: web1}}, nil, "flow minute 1 (external 198.51.100.7 → vm 10.0.0.1): no start"},
		{"link without start", []flow.Minute{good}, []flow.LinkMinute{{Port: "port:x/y", Direction: flow.LinkIn}}, "link minute 0 (port:x/y): no start"},
		{"link without port", nil, []flow.LinkMinute{goodLink, {Start: at(0), Direction: flow.LinkIn}}, "link minute 1: no port"},
		{"bad direction", nil, []flow.LinkMinute{{Start: at(0), Port: "port:x/y", Direction: "sideways"}}, `link minute 0 (port:x/y): direction "sideways"`},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.WriteFlows(ctx, tt.minutes, tt.links)
				if !errors.Is(err, ErrInvalidFlows) || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("WriteFlows: %v; want ErrInvalidFlows with %q", err, tt.wantErr)
				}
			})
		}
		ms, err := s.FlowMinutes(ctx, FlowFilter{})
		if err != nil || len(ms) != 0 {
			t.Errorf("after rejected writes: %d flow minutes, %v; want none", len(ms), err)
		}
		ls, err := s.LinkMinutes(ctx, time.Time{}, time.Time{})
		if err != nil || len(ls) != 0 {
			t.Errorf("after rejected writes: %d link minutes, %v; want none", len(ls), err)
		}
	})
}

// TestFlowCountersSaturate: counters beyond what a BIGINT holds (a hostile
// exporter's sampling rate times its byte count) saturate at 2^63-1, on
// write, on the upsert and in the totals, instead of failing.
func TestFlowCountersSaturate(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		huge := fm(0, inet, web1, 17, 53, math.MaxUint64, math.MaxInt64-1, 1)
		for range 2 {
			if err := s.WriteFlows(ctx, []flow.Minute{huge, fm(1, inet, web1, 17, 53, 5, 5, 1)},
				[]flow.LinkMinute{lm(0, "port:a/b", "", flow.LinkIn, math.MaxUint64, 1)}); err != nil {
				t.Fatalf("WriteFlows: %v", err)
			}
		}
		ms, err := s.FlowMinutes(ctx, FlowFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{describeFlow(fm(0, inet, web1, 17, 53, math.MaxInt64, math.MaxInt64, 2)), describeFlow(fm(1, inet, web1, 17, 53, 10, 10, 2))}
		if got := describeFlows(ms); !slices.Equal(got, want) {
			t.Errorf("FlowMinutes = %q; want %q", got, want)
		}
		totals, err := s.FlowTotals(ctx, FlowFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := describeFlows(totals), []string{describeFlow(fm(0, inet, web1, 17, 53, math.MaxInt64, math.MaxInt64, 4))}; !slices.Equal(got, want) {
			t.Errorf("FlowTotals = %q; want %q", got, want)
		}
		ls, err := s.LinkTotals(ctx, time.Time{}, time.Time{})
		if err != nil || len(ls) != 1 || ls[0].Bytes != math.MaxInt64 || ls[0].Packets != 2 {
			t.Errorf("LinkTotals = %q, %v; want one link of 2^63-1 bytes, 2 packets", describeLinks(ls), err)
		}
	})
}

// TestWriteFlowsConcurrent: writers flushing overlapping keys at once (the
// listeners of several processes) neither deadlock nor lose a count.
func TestWriteFlowsConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		dsn := b.dsn(t)
		ctx := context.Background()
		const writers, rounds, keys = 4, 5, 200
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			s := openStore(t, dsn)
			wg.Go(func() {
				for r := range rounds {
					ms := make([]flow.Minute, keys)
					for k := range keys {
						ms[k] = fm(0, web1, extEnd(fmt.Sprintf("198.51.100.%d", k)), 6, 443, 1, 1, 1)
					}
					if (w+r)%2 == 1 {
						slices.Reverse(ms) // the store orders the rows, not the caller
					}
					if err := s.WriteFlows(ctx, ms, []flow.LinkMinute{lm(0, "port:a/b", "", flow.LinkOut, 1, 1)}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("WriteFlows: %v", err)
		}
		s := openStore(t, dsn)
		ms, err := s.FlowMinutes(ctx, FlowFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != keys {
			t.Fatalf("got %d keys; want %d", len(ms), keys)
		}
		for _, m := range ms {
			if m.Bytes != writers*rounds || m.Flows != writers*rounds {
				t.Errorf("%s: got %d bytes, %d flows; want %d", m.Dst.Addr, m.Bytes, m.Flows, writers*rounds)
			}
		}
		ls, err := s.LinkMinutes(ctx, time.Time{}, time.Time{})
		if err != nil || len(ls) != 1 || ls[0].Bytes != writers*rounds {
			t.Errorf("links = %q, %v; want one of %d bytes", describeLinks(ls), err, writers*rounds)
		}
	})
}
