package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// counterSample is one interface's generic counters in an sFlow counter
// sample.
type counterSample struct {
	ifIndex, seq        uint32
	speed               uint64
	up                  bool
	inOctets, outOctets uint64
	inErrors            uint32
}

// sflowCounterDatagram is an sFlow v5 datagram from agent 10.214.0.254 whose
// header carries uptime (milliseconds), with one counter sample (generic
// interface counters, sflow_version_5.txt) per sample.
func sflowCounterDatagram(uptime uint32, samples ...counterSample) []byte {
	be := binary.BigEndian
	b := be.AppendUint32(nil, 5)
	b = be.AppendUint32(b, 1)
	b = append(b, 10, 214, 0, 254)
	b = be.AppendUint32(b, 0) // sub-agent
	b = be.AppendUint32(b, 1) // datagram sequence
	b = be.AppendUint32(b, uptime)
	b = be.AppendUint32(b, uint32(len(samples)))
	for _, c := range samples {
		status := uint32(1)
		if c.up {
			status = 3
		}
		g := be.AppendUint32(nil, c.ifIndex)
		g = be.AppendUint32(g, 6)
		g = be.AppendUint64(g, c.speed)
		g = be.AppendUint32(g, 1)
		g = be.AppendUint32(g, status)
		g = be.AppendUint64(g, c.inOctets)
		for _, v := range []uint32{uint32(c.inOctets / 1000), 0, 0, 0, c.inErrors, 0} {
			g = be.AppendUint32(g, v)
		}
		g = be.AppendUint64(g, c.outOctets)
		for _, v := range []uint32{uint32(c.outOctets / 1000), 0, 0, 0, 0, 0, 0} { // ..., promiscuous
			g = be.AppendUint32(g, v)
		}
		s := be.AppendUint32(nil, c.seq)
		s = be.AppendUint32(s, c.ifIndex)
		s = be.AppendUint32(s, 1)
		s = be.AppendUint32(s, 1) // generic interface counters
		s = be.AppendUint32(s, uint32(len(g)))
		s = append(s, g...)
		b = be.AppendUint32(b, 2) // counter sample
		b = be.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// writeCapture writes frames captured at the given moments.
func writeCapture(t *testing.T, at []time.Time, frames [][]byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at[i], CaptureLength: len(f), Length: len(f)}, f); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "counters.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFlowsLinksCounters: sFlow counter samples of a switch, captured and
// imported, come out of flows links as each port's utilization, errors
// and status (issue 13, cause 16): the agent address and ifIndex resolve to
// the switch's ports, successive samples become rates, a port-channel
// shows its members together; --json is the REST answer.
func TestFlowsLinksCounters(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	db := "sqlite:" + filepath.Join(t.TempDir(), "counters.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	sw := model.NewID(model.KindSwitch, "leaf1")
	pc := model.NewID(model.KindPortChannel, "leaf1/Port-channel1")
	facts := []model.Fact{
		model.Entity(sw, sw, "leaf1", model.Attrs{"address": "10.214.0.254"}),
		model.Entity(sw, pc, "Port-channel1", model.Attrs{"ifindex": "1000"}),
		model.Relation(sw, sw, model.RelHasPort, pc, nil),
	}
	for i := 1; i <= 3; i++ {
		p := model.NewID(model.KindPort, fmt.Sprintf("leaf1/Ethernet1/%d", i))
		facts = append(facts, model.Entity(sw, p, fmt.Sprintf("Ethernet1/%d", i), model.Attrs{"ifindex": fmt.Sprint(i)}),
			model.Relation(sw, sw, model.RelHasPort, p, nil))
		if i <= 2 {
			facts = append(facts, model.Relation(sw, p, model.RelInLAG, pc, nil))
		}
	}
	if _, err := st.Apply(ctx, model.Snapshot{Source: "fabric", Taken: t0.Add(-time.Hour), Facts: facts}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Every 30 s for 2 minutes: Ethernet1/1 10 Mb/s in and 20 out,
	// Ethernet1/2 1 Mb/s in (down at the last sample), Ethernet1/3 (1 Gb/s)
	// 100 Mb/s in with 3 input errors an interval.
	var at []time.Time
	var frames [][]byte
	for i := range 5 {
		n := uint64(i)
		at = append(at, t0.Add(time.Duration(i)*30*time.Second))
		frames = append(frames, udpFrame(t, 6343, sflowCounterDatagram(100_000+uint32(i)*30_000,
			counterSample{ifIndex: 1, seq: uint32(i + 1), speed: 10e9, up: true, inOctets: 1e9 + n*37_500_000, outOctets: 2e9 + n*75_000_000},
			counterSample{ifIndex: 2, seq: uint32(i + 1), speed: 10e9, up: i < 4, inOctets: n * 3_750_000},
			counterSample{ifIndex: 3, seq: uint32(i + 1), speed: 1e9, up: true, inOctets: n * 375_000_000, inErrors: uint32(3 * i)},
		)))
	}
	capture := writeCapture(t, at, frames)
	if code, out, errOut := vnetmap(t, "--db", db, "import", capture); code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, errOut)
	}

	from, to := t0.Format(time.RFC3339), t0.Add(5*time.Minute).Format(time.RFC3339)
	code, out, errOut := vnetmap(t, "--db", db, "flows", "links", "leaf1", "--from", from, "--to", to, "--json")
	if code != 0 {
		t.Fatalf("flows links --json: exit %d: %s", code, errOut)
	}
	if rest := restBody(t, db, "/api/v1/flows/links", url.Values{"target": {"leaf1"}, "from": {from}, "to": {to}}); out != rest {
		t.Errorf("--json differs from REST:\n%s\nREST:\n%s", out, rest)
	}
	var a query.LinkAnswer
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Ports) != 1 || len(a.Channels) != 1 || len(a.Channels[0].Members) != 2 {
		t.Fatalf("got ports %+v and channels %+v; want Ethernet1/3 and Port-channel1 with two members", a.Ports, a.Channels)
	}
	type want struct {
		inBps, outBps, inPct, errPerS float64
		inErrors                      uint64
		up                            bool
	}
	for _, c := range []struct {
		name string
		got  *query.PortUtilization
		want want
	}{
		{"Ethernet1/3", a.Ports[0].Counters, want{inBps: 100e6, inPct: 10, inErrors: 12, errPerS: 0.1, up: true}},
		{"Port-channel1", a.Channels[0].Counters, want{inBps: 11e6, outBps: 20e6, inPct: 0.055}},
		{"Ethernet1/1", a.Channels[0].Members[0].Counters, want{inBps: 10e6, outBps: 20e6, inPct: 0.1, up: true}},
		{"Ethernet1/2", a.Channels[0].Members[1].Counters, want{inBps: 1e6, inPct: 0.01}},
	} {
		u := c.got
		if u == nil {
			t.Errorf("%s: no counters", c.name)
			continue
		}
		g := want{inBps: u.InBps, outBps: u.OutBps, inPct: u.InPercent, errPerS: u.InErrorsPerSec, inErrors: u.InErrors, up: u.OperUp}
		if !near(g.inBps, c.want.inBps) || !near(g.outBps, c.want.outBps) || !near(g.inPct, c.want.inPct) ||
			!near(g.errPerS, c.want.errPerS) || g.inErrors != c.want.inErrors || g.up != c.want.up || u.CoveredSeconds != 120 {
			t.Errorf("%s: got %+v (covered %vs); want %+v (covered 120s)", c.name, g, u.CoveredSeconds, c.want)
		}
	}

	code, out, errOut = vnetmap(t, "--db", db, "flows", "links", "leaf1", "--from", from, "--to", to)
	if code != 0 {
		t.Fatalf("flows links: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"RATE IN", "DISCARDS", "100 Mb/s 10.0%", "12, 0.1/s", "10 Mb/s 0.1%", "20 Mb/s 0.1%", "11 Mb/s 0.1%", "DOWN"} {
		if !strings.Contains(out, want) {
			t.Errorf("flows links output lacks %q:\n%s", want, out)
		}
	}
}

// near reports whether got is within a millionth of want.
func near(got, want float64) bool {
	d := got - want
	return d < 1e-6*max(1, want) && -d < 1e-6*max(1, want)
}
