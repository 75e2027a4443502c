package pipeline

import (
	"context"
	"net/netip"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

var itoa = strconv.Itoa

// bigTemplate is a NetFlow v9 datagram of one template (id 256) of 2250
// distinct 4-byte fields: 9,028 bytes, the flood of issue 14.
func bigTemplate(secs uint32) []byte {
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, 1)
	b = be.AppendUint32(b, 5000)
	b = be.AppendUint32(b, secs)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 17)
	t := be.AppendUint16(nil, 256)
	t = be.AppendUint16(t, 2250)
	for i := range 2250 {
		t = be.AppendUint16(t, uint16(1000+i))
		t = be.AppendUint16(t, 4)
	}
	return appendSet(b, 0, t)
}

// TestTemplateFloodKeepsExporterRecords: 70,000 datagrams from spoofed
// addresses, each a 9 KB template, while the switch exports as usual (its
// template refreshed now and then, data in between): the cache stays within
// its byte budget (14,000 such templates would hold 945 MB), the switch's
// template is never evicted, and each of its records is attributed.
func TestTemplateFloodKeepsExporterRecords(t *testing.T) {
	ctx := context.Background()
	c, sink, reg := newPipeline(t, testStore(t), 1)
	if err := c.LoadIndex(ctx, at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	n := 70000
	if testing.Short() {
		n = 7000
	}
	web, db := addr("10.20.0.10"), addr("10.20.0.20")
	r := []rec{{src: web, dst: db, srcMAC: macA, dstMAC: macB, proto: 6, srcPort: 40000, dstPort: 5432, bytes: 1000, packets: 10, in: 1, out: 3}}
	now := at(10)
	c.HandleDatagram(0, leaf1Export, netflow9(secs(now), 5000, true, 100, r), now)
	flood := bigTemplate(secs(now))
	budget := metric(t, reg, "vnetmap_flow_template_cache_budget_bytes")
	var maxBytes float64
	for i := range n {
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18 + byte(i>>16), byte(i >> 8), byte(i)}), 2055)
		c.HandleDatagram(0, from, flood, now)
		if i%1000 == 999 {
			// The switch's data, and its templates again now and then.
			c.HandleDatagram(0, leaf1Export, netflow9(secs(now), 5000, i%10000 == 9999, 100, r), now)
			maxBytes = max(maxBytes, metric(t, reg, "vnetmap_flow_template_cache_bytes"))
		}
	}
	if maxBytes == 0 || maxBytes > budget {
		t.Errorf("template cache held up to %v bytes; want at most the budget, %v", maxBytes, budget)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent := 1 + n/1000
	diff(t, "minutes", sorted(sink.Minutes(), describe), []string{
		"+10m vm:vm:a/shop@10.20.0.10 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=" + itoa(sent*100000) + " packets=" + itoa(sent*1000) + " flows=" + itoa(sent),
	})
	for _, m := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vnetmap_flow_template_misses_total", nil, 0},
		{"vnetmap_flow_templates", []string{"exporter", "10.20.255.1"}, 3},
		{"vnetmap_flow_template_evictions_total", []string{"exporter", "10.20.255.1"}, 0},
		{"vnetmap_flow_records_total", []string{"protocol", "netflow9"}, float64(sent)},
	} {
		if got := metric(t, reg, m.name, m.labels...); got != m.want {
			t.Errorf("%s%v: got %v; want %v", m.name, m.labels, got, m.want)
		}
	}
	if got := metric(t, reg, "vnetmap_flow_template_evictions_total", "exporter", "other", "reason", "budget"); got < float64(n)/2 {
		t.Errorf("spoofed templates evicted for the budget: %v; want most of %d", got, n)
	}
}

// TestImplausibleSFlowSamples: a spoofed sample whose rate times frame
// length is absurd (9.2e18 bytes), and one more than its port's speed
// (from its counter samples) carries in a minute, are counted and not
// summed; a plausible one is, and so is a large one on a port of unknown
// speed.
func TestImplausibleSFlowSamples(t *testing.T) {
	ctx := context.Background()
	sink := &counterSink{}
	reg := prometheus.NewRegistry()
	c, err := New(DefaultConfiguration(), testStore(t), appRules, sink, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadIndex(ctx, at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	from := netip.AddrPortFrom(leaf1, 6343)
	// Ethernet1/2 runs at 1 Gb/s: 7.5 GB a minute.
	c.HandleDatagram(0, from, sflowCounters(leaf1, 100000, []ifc{{ifIndex: 2, seq: 1, speed: 1e9, up: true}}), at(12))
	web, db := addr("10.20.0.10"), addr("10.20.0.20")
	sample := func(rate, frame uint32, in uint32) []byte {
		return sflow(leaf1, rate, []rec{{src: web, dst: db, srcMAC: macA, dstMAC: macB, proto: 6, srcPort: 40000, dstPort: 5432, bytes: frame, in: in, out: 3}})
	}
	c.HandleDatagram(0, from, sample(0xffffffff, 0x80000000, 2), at(12)) // 9.2e18 bytes
	c.HandleDatagram(0, from, sample(10_000_000, 1500, 2), at(12))       // 15 GB on 1 Gb/s
	c.HandleDatagram(0, from, sample(512, 1500, 2), at(12))              // 768 kB
	c.HandleDatagram(0, from, sample(10_000_000, 1500, 1), at(12))       // 15 GB, speed unknown
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	diff(t, "minutes", sorted(sink.Minutes(), describe), []string{
		"+12m vm:vm:a/shop@10.20.0.10 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=15000768000 packets=10000512 flows=2",
	})
	for _, m := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vnetmap_flow_implausible_samples_total", []string{"reason", "absurd"}, 1},
		{"vnetmap_flow_implausible_samples_total", []string{"reason", "over_speed"}, 1},
		{"vnetmap_flow_records_total", []string{"protocol", "sflow5"}, 4},
	} {
		if got := metric(t, reg, m.name, m.labels...); got != m.want {
			t.Errorf("%s%v: got %v; want %v", m.name, m.labels, got, m.want)
		}
	}
}
