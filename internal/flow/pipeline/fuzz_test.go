package pipeline

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// FuzzHandleDatagram feeds hostile datagrams through the whole pipeline:
// it must never panic, and every record decoded must be in the aggregates
// (as a flow of some key, or of the overflow key), whatever its times,
// counters or addresses; counter samples go through the port counters.
func FuzzHandleDatagram(f *testing.F) {
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	s := uint32(now.Unix())
	rs := benchRecs(6)
	f.Add(netflow9(s, 5000, true, 100, rs))
	f.Add(ipfix(s, true, rs))
	f.Add(sflow(benchSwitch, 512, rs))
	f.Add(netflow9(0, 0xffffffff, true, 0xffffffff, rs))
	f.Add(ipfix(0xffffffff, true, rs))
	f.Add(sflowCounters(benchSwitch, 5000, []ifc{{ifIndex: 1, seq: 7, inOctets: 1 << 40, inErrors: 1}, {ifIndex: 2, ether: true}}))
	ix := benchIndex()
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := DefaultConfiguration()
		cfg.Aggregate.MaxKeysPerMinute = 4
		sink := &counterSink{}
		reg := prometheus.NewRegistry()
		c, err := New(cfg, nil, appRules, sink, nil, reg)
		if err != nil {
			t.Fatal(err)
		}
		c.SetIndex(ix)
		from := netip.AddrPortFrom(benchSwitch, 2055)
		c.HandleDatagram(0, from, b, now)
		c.HandleDatagram(0, from, b, now) // templates of the first now known
		if err := c.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var flows uint64
		minutes := map[time.Time]int{}
		for _, m := range sink.Minutes() {
			flows += m.Flows
			minutes[m.Start]++
		}
		if want := metric(t, reg, "vnetmap_flow_records_total"); float64(flows) != want {
			t.Errorf("aggregated %d flows; decoded %v records", flows, want)
		}
		for m, n := range minutes {
			if n > 4+1 {
				t.Errorf("minute %v: %d keys; want at most 4 and the overflow key", m, n)
			}
			if d := m.Sub(now); d < -cfg.MaxClockSkew-time.Minute || d > cfg.MaxClockSkew {
				t.Errorf("minute %v is %v from the reception", m, d)
			}
		}
	})
}
