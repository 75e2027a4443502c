package query

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
)

// counterAt is a port counter minute min minutes into the window whose
// differences cover covered seconds.
func counterAt(min int, port string, covered int, in, out, inErr, outDisc, speed uint64, up bool) flow.PortCounters {
	start := wFrom.Add(time.Duration(min) * time.Minute)
	return flow.PortCounters{Start: start, Port: port, Covered: time.Duration(covered) * time.Second,
		InOctets: in, OutOctets: out, InPackets: in / 1000, OutPackets: out / 1000, InErrors: inErr, OutDiscards: outDisc,
		Samples: 2, Speed: speed, OperUp: up, Last: start.Add(50 * time.Second)}
}

// utilText renders what the counters say, "-" for none.
func utilText(u *PortUtilization) string {
	if u == nil {
		return "-"
	}
	return fmt.Sprintf("in %.0f bps %.2f%% peak %.0f, out %.0f bps %.2f%% peak %.0f, in errors %d (%.3f/s), out discards %d (%.3f/s), bytes %d/%d, %gs, speed %d up=%v",
		u.InBps, u.InPercent, u.PeakInBps, u.OutBps, u.OutPercent, u.PeakOutBps, u.InErrors, u.InErrorsPerSec,
		u.OutDiscards, u.OutDiscardsPerSec, u.InBytes, u.OutBytes, u.CoveredSeconds, u.SpeedBps, u.OperUp)
}

// counterRows renders a links answer with the counters of each port,
// channel and member.
func counterRows(a *LinkAnswer) []string {
	var r []string
	for _, p := range a.Ports {
		r = append(r, fmt.Sprintf("port %s %s flows in %d: %s", p.Switch, p.Name, p.InBytes, utilText(p.Counters)))
	}
	for _, c := range a.Channels {
		r = append(r, fmt.Sprintf("channel %s: %s", c.Name, utilText(c.Counters)))
		for _, m := range c.Members {
			r = append(r, fmt.Sprintf("  %s flows in %d: %s", m.Name, m.InBytes, utilText(m.Counters)))
		}
	}
	return r
}

// TestLinkTrafficCounters: the links answer shows, next to the flow
// traffic, what the ports' interface counters say over the window: rates
// over the time the samples cover, the busiest minute, percentages of the
// speed, error and discard rates, status; a port-channel its own counters,
// else its members' together; a port with counters and no flows is listed
// and can be asked for; minutes outside the window are left out.
func TestLinkTrafficCounters(t *testing.T) {
	q := flowScenario(t)
	ctx := context.Background()
	idle := "port:spine1/Ethernet1/20" // in no flow and not in the map
	if err := q.Store.WriteCounters(ctx, []flow.PortCounters{
		// Ethernet1/10: 10 Mb/s in and 20 out, then 20 in and 0 out.
		counterAt(0, spinePort(10), 60, 75_000_000, 150_000_000, 6, 0, 1e9, true),
		counterAt(1, spinePort(10), 60, 150_000_000, 0, 0, 3, 1e9, true),
		counterAt(-1, spinePort(10), 60, 9e12, 9e12, 999, 999, 1e9, false), // before the window
		counterAt(60, spinePort(10), 60, 9e12, 9e12, 999, 999, 1e9, false), // at its end: outside
		// Port-channel1's members, 10 Gb/s each; Ethernet1/2 down at last.
		counterAt(0, spinePort(1), 30, 375_000_000, 0, 0, 0, 10e9, true),
		counterAt(0, spinePort(2), 60, 75_000_000, 0, 0, 0, 10e9, false),
		counterAt(0, spinePort(3), 60, 0, 0, 0, 0, 10e9, true),
		// Port-channel2's own interface counters.
		counterAt(2, string(po2), 60, 750_000_000, 15_000_000, 0, 0, 20e9, true),
		// A port known by its counters only; a baseline minute covers nothing.
		counterAt(3, idle, 0, 0, 0, 0, 0, 1e9, false),
	}); err != nil {
		t.Fatal(err)
	}
	e10 := "port spine1 Ethernet1/10 flows in 100: in 15000000 bps 1.50% peak 20000000, out 10000000 bps 1.00% peak 20000000, " +
		"in errors 6 (0.050/s), out discards 3 (0.025/s), bytes 225000000/150000000, 120s, speed 1000000000 up=true"
	e20 := "port spine1 Ethernet1/20 flows in 0: in 0 bps 0.00% peak 0, out 0 bps 0.00% peak 0, in errors 0 (0.000/s), " +
		"out discards 0 (0.000/s), bytes 0/0, 0s, speed 1000000000 up=false"
	po1Rows := []string{
		"channel Port-channel1: in 110000000 bps 0.37% peak 110000000, out 0 bps 0.00% peak 0, in errors 0 (0.000/s), " +
			"out discards 0 (0.000/s), bytes 450000000/0, 60s, speed 30000000000 up=false",
		"  Ethernet1/1 flows in 9000: in 100000000 bps 1.00% peak 100000000, out 0 bps 0.00% peak 0, in errors 0 (0.000/s), " +
			"out discards 0 (0.000/s), bytes 375000000/0, 30s, speed 10000000000 up=true",
		"  Ethernet1/2 flows in 1000: in 10000000 bps 0.10% peak 10000000, out 0 bps 0.00% peak 0, in errors 0 (0.000/s), " +
			"out discards 0 (0.000/s), bytes 75000000/0, 60s, speed 10000000000 up=false",
		"  Ethernet1/3 flows in 0: in 0 bps 0.00% peak 0, out 0 bps 0.00% peak 0, in errors 0 (0.000/s), " +
			"out discards 0 (0.000/s), bytes 0/0, 60s, speed 10000000000 up=true",
	}
	po2Rows := []string{
		"channel Port-channel2: in 100000000 bps 0.50% peak 100000000, out 2000000 bps 0.01% peak 2000000, in errors 0 (0.000/s), " +
			"out discards 0 (0.000/s), bytes 750000000/15000000, 60s, speed 20000000000 up=true",
		"  Ethernet1/4 flows in 5000: -",
		"  Ethernet1/5 flows in 5100: -",
	}
	for _, tt := range []struct {
		target string
		want   []string
	}{
		{"spine1", append(append([]string{e10, e20}, po1Rows...), po2Rows...)},
		{"spine1/po1", po1Rows},
		{"spine1/Port-channel2", po2Rows},
		{"spine1/Eth1/20", []string{e20}},
		{"spine1/Ethernet1/1", []string{"port spine1 Ethernet1/1 flows in 9000: " + po1Rows[1][len("  Ethernet1/1 flows in 9000: "):]}},
	} {
		t.Run(tt.target, func(t *testing.T) {
			a, err := q.LinkTraffic(ctx, tt.target, wFrom, wTo)
			if err != nil {
				t.Fatal(err)
			}
			if got := counterRows(a); !slices.Equal(got, tt.want) {
				t.Errorf("links:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	// Flows alone are what they were: the counters add no flow traffic.
	a, err := q.LinkTraffic(ctx, "", wFrom, wTo)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LinkCounters{InBytes: 20200, InPackets: 14001, OutBytes: 2200, OutPackets: 32}); a.Total != want {
		t.Errorf("total = %+v; want %+v", a.Total, want)
	}
}
