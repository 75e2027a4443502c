package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/flow/decode"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// t0 is the origin of test time, close enough to now that an index loaded
// by Start (the last hour) covers the test's facts.
var t0 = time.Now().UTC().Truncate(time.Minute).Add(-50 * time.Minute)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

var (
	macA, macB  = [6]byte{0, 0x50, 0x56, 0, 0, 0x0a}, [6]byte{0, 0x50, 0x56, 0, 0, 0x0b}
	leaf1       = netip.MustParseAddr("10.20.255.1")
	hypervisor  = netip.MustParseAddr("10.20.254.5")
	appRules    = []correlate.AppRule{{FromAttribute: "app"}}
	addr        = netip.MustParseAddr
	leaf1Export = netip.AddrPortFrom(leaf1, 50000)
)

// snapshots: VM a (web01, app shop) is re-addressed from 10.20.0.10 to
// 10.20.0.11 at minute 30; VM b (db01, app db) keeps 10.20.0.20; switch
// leaf1 has Ethernet1/1-2 in Port-channel1 and Ethernet1/3 alone.
func snapshots(min int) []model.Snapshot {
	aAddr := "10.20.0.10"
	if min >= 30 {
		aAddr = "10.20.0.11"
	}
	var vfs []model.Fact
	for _, v := range []struct{ uuid, name, app, mac, addr string }{
		{"a", "web01", "shop", "00:50:56:00:00:0a", aAddr},
		{"b", "db01", "db", "00:50:56:00:00:0b", "10.20.0.20"},
	} {
		vm, nic, ip := model.NewID(model.KindVM, v.uuid), model.NewID(model.KindVNIC, v.uuid+"/4000"), model.NewID(model.KindIP, v.addr)
		vfs = append(vfs, model.Entity(vm, vm, v.name, model.Attrs{"attr.app": v.app}),
			model.Entity(vm, nic, "Network adapter 1", model.Attrs{"mac": v.mac}),
			model.Relation(vm, vm, model.RelHasVNIC, nic, nil),
			model.Entity(vm, ip, v.addr, nil),
			model.Relation(vm, nic, model.RelHasIP, ip, nil))
	}
	sw := model.NewID(model.KindSwitch, "leaf1")
	pc := model.NewID(model.KindPortChannel, "leaf1/Port-channel1")
	ffs := []model.Fact{
		model.Entity(sw, sw, "leaf1", model.Attrs{"address": leaf1.String()}),
		model.Entity(sw, pc, "Port-channel1", model.Attrs{"ifindex": "1000"}),
	}
	for i := 1; i <= 3; i++ {
		p := model.NewID(model.KindPort, fmt.Sprintf("leaf1/Ethernet1/%d", i))
		ffs = append(ffs, model.Entity(sw, p, fmt.Sprintf("Ethernet1/%d", i), model.Attrs{"ifindex": fmt.Sprint(i)}),
			model.Relation(sw, sw, model.RelHasPort, p, nil))
		if i <= 2 {
			ffs = append(ffs, model.Relation(sw, p, model.RelInLAG, pc, nil))
		}
	}
	return []model.Snapshot{{Source: "vc1", Taken: at(min), Facts: vfs}, {Source: "fabric", Taken: at(min), Facts: ffs}}
}

// testStore is a SQLite store with the snapshots of minutes 0 and 30.
func testStore(t testing.TB) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "facts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, min := range []int{0, 30} {
		for _, snap := range snapshots(min) {
			if _, err := st.Apply(ctx, snap); err != nil {
				t.Fatalf("apply %s at %d: %v", snap.Source, min, err)
			}
		}
	}
	return st
}

func newPipeline(t testing.TB, st store.Store, workers int) (*Component, *aggregate.MemorySink, *prometheus.Registry) {
	t.Helper()
	cfg := DefaultConfiguration()
	cfg.Workers = workers
	sink := &aggregate.MemorySink{}
	reg := prometheus.NewRegistry()
	c, err := New(cfg, st, appRules, sink, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sink, reg
}

// metric returns the sum of the series of name whose labels include every
// label=value pair given.
func metric(t testing.TB, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
				}
				if !found {
					continue series
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// describe renders a minute aggregate for comparisons.
func describe(m flow.Minute) string {
	ep := func(e flow.Endpoint) string {
		s := e.Class
		if e.VM != "" {
			s += ":" + e.VM + "/" + e.App
		}
		return s + "@" + e.Addr
	}
	return fmt.Sprintf("+%dm %s -> %s %d/%d bytes=%d packets=%d flows=%d", int(m.Start.Sub(t0)/time.Minute),
		ep(m.Src), ep(m.Dst), m.Proto, m.DstPort, m.Bytes, m.Packets, m.Flows)
}

func describeLink(l flow.LinkMinute) string {
	return fmt.Sprintf("+%dm %s [%s] %s bytes=%d packets=%d", int(l.Start.Sub(t0)/time.Minute), l.Port, l.Channel, l.Direction, l.Bytes, l.Packets)
}

func sorted[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	sort.Strings(out)
	return out
}

func diff(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func secs(t time.Time) uint32 { return uint32(t.Unix()) }

func TestPipeline(t *testing.T) {
	ctx := context.Background()
	c, sink, reg := newPipeline(t, testStore(t), 2)
	if err := c.LoadIndex(ctx, at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	web, db := addr("10.20.0.10"), addr("10.20.0.20")
	nf := []rec{
		{src: web, dst: db, srcMAC: macA, dstMAC: macB, proto: 6, srcPort: 40000, dstPort: 5432, bytes: 1000, packets: 10, in: 1, out: 3},
		{src: addr("8.8.8.8"), dst: web, proto: 17, srcPort: 53, dstPort: 40001, bytes: 500, packets: 5, in: 3, out: 2},
		{src: addr("10.20.0.99"), dst: db, proto: 6, srcPort: 40002, dstPort: 5432, bytes: 100, packets: 1},
	}
	// NetFlow v9 from the switch, 1 in 100, templates first.
	c.HandleDatagram(0, leaf1Export, netflow9(secs(at(10)), 5000, true, 100, nil), at(10))
	c.HandleDatagram(1, leaf1Export, netflow9(secs(at(10)), 5000, false, 0, nf), at(10).Add(time.Second))
	// sFlow from the switch's agent address, 1 in 512.
	c.HandleDatagram(1, netip.AddrPortFrom(addr("127.0.0.1"), 6343),
		sflow(leaf1, 512, []rec{{src: web, dst: db, srcMAC: macA, dstMAC: macB, proto: 6, srcPort: 40000, dstPort: 5432, bytes: 1500, in: 2, out: 3}}), at(12))
	// IPFIX from a hypervisor (no ports), no MACs, unsampled: VM a by its
	// address before and after its re-addressing at 30.
	hv := netip.AddrPortFrom(hypervisor, 4739)
	c.HandleDatagram(0, hv, ipfix(secs(at(20)), true, []rec{{src: web, dst: db, proto: 6, dstPort: 5432, bytes: 300, packets: 3}}), at(20))
	c.HandleDatagram(0, hv, ipfix(secs(at(35)), false, []rec{
		{src: web, dst: db, proto: 6, dstPort: 5432, bytes: 300, packets: 3},
		{src: addr("10.20.0.11"), dst: db, proto: 6, dstPort: 5432, bytes: 300, packets: 3},
	}), at(35))
	// Hostile input: counted, logged (sampled), never fatal.
	c.HandleDatagram(0, hv, []byte{0, 9, 0}, at(35))
	c.HandleDatagram(0, hv, []byte{0, 42, 0, 0, 0, 0}, at(35))
	c.HandleDatagram(1, netip.AddrPortFrom(addr("10.20.254.6"), 4739), ipfix(secs(at(35)), false, nf), at(35))

	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	diff(t, "minutes", sorted(sink.Minutes(), describe), []string{
		"+10m vm:vm:a/shop@10.20.0.10 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=100000 packets=1000 flows=1",
		// A reply (from port 53 to an ephemeral one) is summed with its
		// conversation: client to server, with the service port.
		"+10m vm:vm:a/shop@10.20.0.10 -> external@8.8.8.8 17/53 bytes=50000 packets=500 flows=1",
		"+10m unknown@10.20.0.99 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=10000 packets=100 flows=1",
		"+12m vm:vm:a/shop@10.20.0.10 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=768000 packets=512 flows=1",
		"+20m vm:vm:a/shop@10.20.0.10 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=300 packets=3 flows=1",
		"+35m unknown@10.20.0.10 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=300 packets=3 flows=1",
		"+35m vm:vm:a/shop@10.20.0.11 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=300 packets=3 flows=1",
	})
	po := "portchannel:leaf1/Port-channel1"
	diff(t, "links", sorted(sink.Links(), describeLink), []string{
		"+10m port:leaf1/Ethernet1/1 [" + po + "] in bytes=100000 packets=1000",
		"+10m port:leaf1/Ethernet1/3 [] out bytes=100000 packets=1000",
		"+10m port:leaf1/Ethernet1/3 [] in bytes=50000 packets=500",
		"+10m port:leaf1/Ethernet1/2 [" + po + "] out bytes=50000 packets=500",
		"+12m port:leaf1/Ethernet1/2 [" + po + "] in bytes=768000 packets=512",
		"+12m port:leaf1/Ethernet1/3 [] out bytes=768000 packets=512",
	})
	for _, m := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vnetmap_flow_records_total", []string{"protocol", "netflow9"}, 3},
		{"vnetmap_flow_records_total", []string{"protocol", "ipfix"}, 3},
		{"vnetmap_flow_records_total", []string{"protocol", "sflow5"}, 1},
		{"vnetmap_flow_unattributed_records_total", []string{"side", "src", "class", "external"}, 1}, // counted as the record went
		{"vnetmap_flow_unattributed_records_total", []string{"side", "src", "class", "unknown"}, 2},
		{"vnetmap_flow_unattributed_records_total", []string{"side", "dst"}, 0},
		{"vnetmap_flow_decode_errors_total", []string{"kind", "truncated"}, 1},
		{"vnetmap_flow_decode_errors_total", []string{"kind", "unknown_version"}, 1},
		{"vnetmap_flow_decode_errors_total", nil, 2},
		{"vnetmap_flow_template_misses_total", []string{"protocol", "ipfix"}, 1},
		{"vnetmap_flow_clock_skew_records_total", nil, 0},
		{"vnetmap_flow_index_keys", []string{"kind", "exporters"}, 1},
		{"vnetmap_flow_index_keys", []string{"kind", "ports"}, 4},
	} {
		if got := metric(t, reg, m.name, m.labels...); got != m.want {
			t.Errorf("%s%v: got %v; want %v", m.name, m.labels, got, m.want)
		}
	}
}

func TestClockSkew(t *testing.T) {
	c, sink, reg := newPipeline(t, testStore(t), 1)
	if err := c.LoadIndex(context.Background(), at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	r := []rec{{src: addr("10.20.0.20"), dst: addr("10.20.0.10"), proto: 6, srcPort: 5432, dstPort: 40000, bytes: 10, packets: 1}}
	// An exporter whose clock is a day behind: its records are taken at
	// their reception, and attributed as of then.
	c.HandleDatagram(0, netip.AddrPortFrom(hypervisor, 4739), ipfix(secs(at(20).Add(-24*time.Hour)), true, r), at(20))
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	diff(t, "minutes", sorted(sink.Minutes(), describe), []string{
		"+20m vm:vm:a/shop@10.20.0.10 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=10 packets=1 flows=1",
	})
	if got := metric(t, reg, "vnetmap_flow_clock_skew_records_total"); got != 1 {
		t.Errorf("clock skew records: got %v; want 1", got)
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	c, sink, _ := newPipeline(t, testStore(t), 1)
	if err := c.LoadIndex(ctx, at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	from := netip.AddrPortFrom(hypervisor, 4739)
	r := []rec{{src: addr("10.20.0.11"), dst: addr("10.20.0.20"), proto: 6, dstPort: 5432, bytes: 70, packets: 1}}
	if err := c.Import(from, ipfix(secs(at(40)), false, r), at(40)); !errors.Is(err, decode.ErrTemplateMissing) {
		t.Errorf("data before its template: got %v; want a template miss", err)
	}
	if err := c.Import(from, ipfix(secs(at(40)), true, r), at(40)); err != nil {
		t.Errorf("valid datagram: %v", err)
	}
	if err := c.Import(from, []byte{0, 10, 0, 200, 1, 2}, at(40)); !errors.Is(err, decode.ErrTruncated) {
		t.Errorf("truncated datagram: got %v; want ErrTruncated", err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	diff(t, "minutes", sorted(sink.Minutes(), describe), []string{
		"+40m vm:vm:a/shop@10.20.0.11 -> vm:vm:b/db@10.20.0.20 6/5432 bytes=70 packets=1 flows=1",
	})
}

// TestStartStop runs the pipeline as serve does: Start loads the index of
// the last hour, datagrams come from several workers concurrently while the
// index is refreshed, and Stop writes everything.
func TestStartStop(t *testing.T) {
	ctx := context.Background()
	c, sink, _ := newPipeline(t, testStore(t), 4)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: got %v; want ErrStarted", err)
	}
	now := time.Now()
	r := []rec{{src: addr("10.20.0.11"), dst: addr("10.20.0.20"), srcMAC: macA, dstMAC: macB, proto: 6, dstPort: 5432, bytes: 100, packets: 1, in: 1, out: 3}}
	tmpl := netflow9(uint32(now.Unix()), 1000, true, 0, nil)
	c.HandleDatagram(0, leaf1Export, tmpl, now)
	const perWorker = 200
	var wg sync.WaitGroup
	for w := range 5 { // one more than Workers: it shares worker 0's state
		wg.Go(func() {
			for range perWorker {
				now := time.Now()
				c.HandleDatagram(w, leaf1Export, netflow9(uint32(now.Unix()), 1000, false, 0, r), now)
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			c.Invalidate()
			if err := c.Refresh(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	var bytes, flows uint64
	for _, m := range sink.Minutes() {
		if m.Src.VM != "vm:a" || m.Dst.VM != "vm:b" {
			t.Errorf("got %s; want vm:a -> vm:b", describe(m))
		}
		bytes += m.Bytes
		flows += m.Flows
	}
	if flows != 5*perWorker || bytes != 100*5*perWorker {
		t.Errorf("got %d flows, %d bytes; want %d flows, %d bytes", flows, bytes, 5*perWorker, 100*5*perWorker)
	}
	var linkBytes uint64
	for _, l := range sink.Links() {
		linkBytes += l.Bytes
	}
	if linkBytes != 2*100*5*perWorker {
		t.Errorf("link bytes: got %d; want %d (in and out)", linkBytes, 2*100*5*perWorker)
	}
}

func TestHandleAllocs(t *testing.T) {
	c, _, _ := newPipeline(t, testStore(t), 1)
	if err := c.LoadIndex(context.Background(), at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	var rs []rec
	for i := range 30 {
		rs = append(rs, rec{src: addr("10.20.0.10"), dst: addr("10.20.0.20"), srcMAC: macA, dstMAC: macB, proto: 6,
			srcPort: uint16(40000 + i), dstPort: 5432, bytes: 100, packets: 1, in: 1, out: 3})
	}
	now := at(10)
	c.HandleDatagram(0, leaf1Export, netflow9(secs(now), 1000, true, 10, nil), now)
	data := netflow9(secs(now), 1000, false, 0, rs)
	c.HandleDatagram(0, leaf1Export, data, now)
	if n := testing.AllocsPerRun(100, func() { c.HandleDatagram(0, leaf1Export, data, now) }); n != 0 {
		t.Errorf("allocations per datagram of known keys: got %v; want 0", n)
	}
}

func TestConfiguration(t *testing.T) {
	if err := DefaultConfiguration().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for name, mod := range map[string]func(*Configuration){
		"no workers":               func(c *Configuration) { c.Workers = 0 },
		"no templates":             func(c *Configuration) { c.TemplateCapacity = 0 },
		"tiny skew":                func(c *Configuration) { c.MaxClockSkew = time.Millisecond },
		"window shorter than skew": func(c *Configuration) { c.Attribute.Window = 5 * time.Minute },
		"bad aggregate":            func(c *Configuration) { c.Aggregate.MaxKeysPerMinute = 0 },
	} {
		c := DefaultConfiguration()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: got no error", name)
		}
		if _, err := New(c, nil, nil, &aggregate.MemorySink{}, nil, nil); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func TestConfigurationYAML(t *testing.T) {
	c := DefaultConfiguration()
	example := `
template_capacity: 1000
max_clock_skew: 2m
attribute:
  internal_networks: [10.0.0.0/8, "2001:db8::/32"]
  window: 30m
  refresh: 1m
aggregate:
  max_keys_per_minute: 5000
  grace: 30s
`
	if err := yaml.Unmarshal([]byte(example), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	if c.TemplateCapacity != 1000 || c.MaxClockSkew != 2*time.Minute || c.Attribute.Window != 30*time.Minute ||
		c.Aggregate.MaxKeysPerMinute != 5000 || c.Aggregate.Grace != 30*time.Second ||
		c.Aggregate.FlushInterval != DefaultConfiguration().Aggregate.FlushInterval || !slices.Equal(c.Attribute.InternalNetworks, want) {
		t.Errorf("got %+v", c)
	}
	if err := yaml.Unmarshal([]byte("attribute:\n  internal_networks: [10.0.0.300/8]\n"), &c); err == nil {
		t.Error("bad prefix: got no error")
	}
}
