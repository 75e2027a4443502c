package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
)

// pc is a port counter minute min minutes after t0 whose last sample was
// last seconds into the minute.
func pc(min int, port string, covered time.Duration, in, out uint64, last int, speed uint64, up bool) flow.PortCounters {
	return flow.PortCounters{Start: at(min), Port: port, Covered: covered, InOctets: in, OutOctets: out,
		InPackets: in / 100, OutPackets: out / 100, InErrors: 1, OutErrors: 2, InDiscards: 3, OutDiscards: 4,
		Samples: 1, Speed: speed, OperUp: up, Last: at(min).Add(time.Duration(last) * time.Second)}
}

func describeCounters(cs []flow.PortCounters) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s %s covered=%v in=%d/%d out=%d/%d err=%d/%d disc=%d/%d samples=%d speed=%d up=%v last=+%v",
			minutes(c.Start), c.Port, c.Covered, c.InOctets, c.InPackets, c.OutOctets, c.OutPackets, c.InErrors, c.OutErrors,
			c.InDiscards, c.OutDiscards, c.Samples, c.Speed, c.OperUp, c.Last.Sub(c.Start))
	}
	return out
}

const (
	eth1 = "port:leaf1/Ethernet1/1"
	eth2 = "port:leaf1/Ethernet1/2"
)

func TestWriteCounters(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		// Minute 0 of eth1 comes in three writes: twice in the first call
		// (added before writing), once more in a later call whose sample
		// is older (its counters add, its speed and status do not win).
		if err := s.WriteCounters(ctx, []flow.PortCounters{
			pc(0, eth1, 30*time.Second, 1000, 2000, 30, 10e9, true),
			pc(0, eth2, 0, 0, 0, 10, 1e9, false),
			pc(0, eth1, 20*time.Second, 500, 700, 50, 10e9, false),
			pc(1, eth1, 60*time.Second, 3000, 4000, 50, 25e9, true),
		}); err != nil {
			t.Fatal(err)
		}
		old := pc(0, eth1, 10*time.Second, 100, 100, 20, 1e9, true)
		old.Start = old.Start.Add(17 * time.Second) // truncated to its minute
		if err := s.WriteCounters(ctx, []flow.PortCounters{old}); err != nil {
			t.Fatal(err)
		}
		got, err := s.PortCounterMinutes(ctx, at(0), at(2))
		if err != nil {
			t.Fatal(err)
		}
		wantRows := []string{
			"0 " + eth1 + " covered=1m0s in=1600/16 out=2800/28 err=3/6 disc=9/12 samples=3 speed=10000000000 up=false last=+50s",
			"0 " + eth2 + " covered=0s in=0/0 out=0/0 err=1/2 disc=3/4 samples=1 speed=1000000000 up=false last=+10s",
			"1 " + eth1 + " covered=1m0s in=3000/30 out=4000/40 err=1/2 disc=3/4 samples=1 speed=25000000000 up=true last=+50s",
		}
		if d := diff(describeCounters(got), wantRows); d != "" {
			t.Errorf("port counter minutes (-got +want):\n%s", d)
		}
		if got, err := s.PortCounterMinutes(ctx, at(1), time.Time{}); err != nil || len(got) != 1 || got[0].Port != eth1 {
			t.Errorf("minutes from 1 on: got %v, %v; want eth1's minute 1", describeCounters(got), err)
		}
		// Pruned with the flow minutes.
		n, err := s.PruneFlows(ctx, at(1))
		if err != nil || n != 2 {
			t.Errorf("PruneFlows = %d, %v; want 2 port counter rows", n, err)
		}
		if got, err := s.PortCounterMinutes(ctx, time.Time{}, time.Time{}); err != nil || len(got) != 1 {
			t.Errorf("after pruning: got %v, %v; want minute 1 only", describeCounters(got), err)
		}
	})
}

func TestWriteCountersInvalid(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		good := pc(0, eth1, time.Second, 1, 1, 0, 0, true)
		for _, tc := range []struct {
			name string
			bad  flow.PortCounters
			msg  string
		}{
			{"no start", flow.PortCounters{Port: eth1}, "no start"},
			{"no port", flow.PortCounters{Start: at(0)}, "no port"},
			{"negative covered", flow.PortCounters{Start: at(0), Port: eth1, Covered: -time.Second}, "negative"},
		} {
			err := s.WriteCounters(ctx, []flow.PortCounters{good, tc.bad})
			if !errors.Is(err, ErrInvalidFlows) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: got %v; want ErrInvalidFlows saying %q", tc.name, err, tc.msg)
			}
		}
		if got, err := s.PortCounterMinutes(ctx, time.Time{}, time.Time{}); err != nil || len(got) != 0 {
			t.Errorf("after rejected writes: got %v, %v; want nothing", describeCounters(got), err)
		}
		if err := s.WriteCounters(ctx, nil); err != nil {
			t.Errorf("no rows: %v", err)
		}
	})
}

// TestWriteCountersBatches writes more rows than one statement carries and
// counters at the limit: sums saturate at 2^63-1.
func TestWriteCountersBatches(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		var cs []flow.PortCounters
		for i := range 2*counterBatch + 7 {
			cs = append(cs, pc(i%3, fmt.Sprintf("port:sw%d/Ethernet1/1", i), time.Second, uint64(i), 0, 0, 0, true))
		}
		huge := pc(5, eth1, math.MaxInt64, math.MaxUint64, math.MaxInt64, 0, math.MaxUint64, true)
		cs = append(cs, huge)
		for range 2 {
			if err := s.WriteCounters(ctx, cs); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.PortCounterMinutes(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(cs) {
			t.Fatalf("got %d rows; want %d", len(got), len(cs))
		}
		for _, c := range got {
			if c.Port == eth1 {
				if c.InOctets != math.MaxInt64 || c.OutOctets != math.MaxInt64 || c.Speed != math.MaxInt64 || c.Samples != 2 {
					t.Errorf("saturated row: got %v", describeCounters([]flow.PortCounters{c}))
				}
				continue
			}
			var i int
			fmt.Sscanf(c.Port, "port:sw%d/", &i)
			if c.InOctets != 2*uint64(i) || c.Covered != 2*time.Second || !c.Start.Equal(at(i%3)) {
				t.Errorf("row %d: got %v; want in=%d covered=2s at minute %d", i, describeCounters([]flow.PortCounters{c}), 2*i, i%3)
			}
		}
	})
}
