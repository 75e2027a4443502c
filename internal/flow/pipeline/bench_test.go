package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
	gfsflow "github.com/netsampler/goflow2/v2/decoders/sflow"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
	"github.com/vnetmap/vnetmap/internal/model"
)

// Decode + attribute + aggregate throughput, per record, side by side with
// goflow2's decode-only rate for the same datagrams (goflow2 is a test-only
// reference). The index holds benchVMs VMs (MAC and address each) and a
// switch with 48 ports in pairs of port-channels; the switch exports every
// datagram, so each record also resolves its input and output ports.
// Datagrams: NetFlow v9 and IPFIX with 30 records, sFlow with 8 flow
// samples carrying 128-byte raw headers. Of every 3 records, 2 go from a VM
// (MAC and address) to a VM (address only) and 1 from a VM to an external
// address.

const benchVMs = 10000

var benchSwitch = netip.MustParseAddr("10.30.255.1")

func benchMAC(i int) [6]byte     { return [6]byte{0, 0x50, 0x56, 0x01, byte(i >> 8), byte(i)} }
func benchAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 30, byte(i >> 8), byte(i)}) }

// benchIndex is the index of benchVMs VMs (one in 4 in an application)
// and the exporting switch.
func benchIndex() *attribute.Index {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var vs []model.Version
	add := func(f model.Fact) { vs = append(vs, model.Version{Fact: f, Source: "bench", From: from}) }
	for i := range benchVMs {
		vm, nic := model.NewID(model.KindVM, fmt.Sprint(i)), model.NewID(model.KindVNIC, fmt.Sprint(i, "/4000"))
		ip := model.NewID(model.KindIP, benchAddr(i).String())
		attrs := model.Attrs{}
		if i%4 == 0 {
			attrs["attr.app"] = fmt.Sprint("app", i%50)
		}
		m := benchMAC(i)
		add(model.Entity(vm, vm, fmt.Sprint("vm", i), attrs))
		add(model.Entity(vm, nic, "Network adapter 1", model.Attrs{"mac": fmt.Sprintf("%x:%x:%x:%x:%x:%x", m[0], m[1], m[2], m[3], m[4], m[5])}))
		add(model.Relation(vm, vm, model.RelHasVNIC, nic, nil))
		add(model.Relation(vm, nic, model.RelHasIP, ip, nil))
	}
	sw := model.NewID(model.KindSwitch, "leaf9")
	add(model.Entity(sw, sw, "leaf9", model.Attrs{"address": benchSwitch.String()}))
	for p := 1; p <= 48; p++ {
		port := model.NewID(model.KindPort, fmt.Sprint("leaf9/Ethernet1/", p))
		add(model.Entity(sw, port, "", model.Attrs{"ifindex": fmt.Sprint(p)}))
		pc := model.NewID(model.KindPortChannel, fmt.Sprint("leaf9/Port-channel", (p+1)/2))
		add(model.Relation(sw, port, model.RelInLAG, pc, nil))
	}
	return attribute.Build(vs, appRules, nil)
}

func benchRecs(n int) []rec {
	rs := make([]rec, n)
	for i := range rs {
		src := (i * 331) % benchVMs
		r := rec{src: benchAddr(src), srcMAC: benchMAC(src), proto: 6, srcPort: uint16(40000 + i), dstPort: 443,
			bytes: uint32(1500 * (i + 1)), packets: uint32(i + 1), in: uint32(1 + i%48), out: uint32(1 + (i+7)%48)}
		if i%3 == 2 {
			r.dst = netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		} else {
			r.dst = benchAddr((i * 977) % benchVMs)
		}
		rs[i] = r
	}
	return rs
}

// cpuTime returns the CPU time the process used so far (every thread: the
// garbage collector's work counts).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report reports records per second of wall time and per second of CPU
// time (records/cpu-s, what one core does when the machine is shared),
// since cpu0 was read just before the loop.
func report(b *testing.B, perDatagram int, cpu0 time.Duration) {
	recs := float64(b.N) * float64(perDatagram)
	b.ReportMetric(recs/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(recs/(cpuTime(b)-cpu0).Seconds(), "records/cpu-s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/recs, "ns/record")
}

func benchPipeline(b *testing.B, tmpl, data []byte, perDatagram int, now time.Time) {
	sink := &aggregate.MemorySink{}
	c, err := New(DefaultConfiguration(), nil, appRules, sink, nil, prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	c.SetIndex(benchIndex())
	from := netip.AddrPortFrom(benchSwitch, 50000)
	if tmpl != nil {
		c.HandleDatagram(0, from, tmpl, now)
	}
	// Warm up, and check that the records are attributed as described.
	c.HandleDatagram(0, from, data, now)
	if err := c.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	classes := map[string]int{}
	for _, m := range sink.Minutes() {
		classes[m.Src.Class+"->"+m.Dst.Class] += int(m.Flows)
	}
	if vms, ext := classes["vm->vm"], classes["vm->external"]; vms+ext != perDatagram || ext != perDatagram/3 || len(sink.Links()) == 0 {
		b.Fatalf("warm-up: got %v and %d link aggregates", classes, len(sink.Links()))
	}
	c.HandleDatagram(0, from, data, now)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		c.HandleDatagram(0, from, data, now)
	}
	report(b, perDatagram, cpu0)
}

func benchGoflowNF(b *testing.B, tmpl, data []byte, perDatagram int) {
	ts := netflow.CreateTemplateSystem()
	var v9 netflow.NFv9Packet
	var ipx netflow.IPFIXPacket
	if err := netflow.DecodeMessageVersion(bytes.NewBuffer(tmpl), ts, &v9, &ipx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		v9, ipx = netflow.NFv9Packet{}, netflow.IPFIXPacket{}
		if err := netflow.DecodeMessageVersion(bytes.NewBuffer(data), ts, &v9, &ipx); err != nil {
			b.Fatal(err)
		}
	}
	report(b, perDatagram, cpu0)
}

func benchGoflowSFlow(b *testing.B, data []byte, perDatagram int) {
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		var p gfsflow.Packet
		if err := gfsflow.DecodeMessageVersion(bytes.NewBuffer(data), &p); err != nil {
			b.Fatal(err)
		}
	}
	report(b, perDatagram, cpu0)
}

// BenchmarkPipeline: "vnetmap" is HandleDatagram (decode, attribute,
// aggregate); "goflow2" is goflow2's decode alone.
func BenchmarkPipeline(b *testing.B) {
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	s := uint32(now.Unix())
	nf, sf := benchRecs(30), benchRecs(8)
	nfTmpl, nfData := netflow9(s, 5000, true, 100, nil), netflow9(s, 5000, false, 0, nf)
	ipTmpl, ipData := ipfix(s, true, nil), ipfix(s, false, nf)
	sfData := sflow(benchSwitch, 512, sf)
	b.Run("netflow9/vnetmap", func(b *testing.B) { benchPipeline(b, nfTmpl, nfData, 30, now) })
	b.Run("netflow9/goflow2-decode", func(b *testing.B) { benchGoflowNF(b, nfTmpl, nfData, 30) })
	b.Run("ipfix/vnetmap", func(b *testing.B) { benchPipeline(b, ipTmpl, ipData, 30, now) })
	b.Run("ipfix/goflow2-decode", func(b *testing.B) { benchGoflowNF(b, ipTmpl, ipData, 30) })
	b.Run("sflow/vnetmap", func(b *testing.B) { benchPipeline(b, nil, sfData, 8, now) })
	b.Run("sflow/goflow2-decode", func(b *testing.B) { benchGoflowSFlow(b, sfData, 8) })
}

// BenchmarkCounterSamples: HandleDatagram of an sFlow datagram with 8
// counter samples of the switch's ports, each a difference from the
// previous datagram's (the uptime and sequence numbers advance every time).
func BenchmarkCounterSamples(b *testing.B) {
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	cs := make([]ifc, 8)
	for i := range cs {
		cs[i] = ifc{ifIndex: uint32(i + 1), seq: 1, speed: 10e9, up: true, inOctets: 1 << 30, outOctets: 1 << 31}
	}
	data := sflowCounters(benchSwitch, 1000, cs)
	sampleLen := (len(data) - 28) / len(cs)
	reg := prometheus.NewRegistry()
	c, err := New(DefaultConfiguration(), nil, appRules, &counterSink{}, nil, reg)
	if err != nil {
		b.Fatal(err)
	}
	c.SetIndex(benchIndex())
	from := netip.AddrPortFrom(benchSwitch, 6343)
	next := func() {
		be.PutUint32(data[20:], be.Uint32(data[20:])+1000) // uptime
		for i := range cs {
			off := 28 + i*sampleLen + 8
			be.PutUint32(data[off:], be.Uint32(data[off:])+1) // sample sequence
		}
		c.HandleDatagram(0, from, data, now)
	}
	c.HandleDatagram(0, from, data, now)
	next()
	if got := metric(b, reg, "vnetmap_flow_counter_samples_total", "result", "stored"); got != float64(len(cs)) {
		b.Fatalf("warm-up: %v differences stored; want %d", got, len(cs))
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		next()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/sample")
	b.ReportMetric(float64(b.N*len(cs))/(cpuTime(b)-cpu0).Seconds(), "samples/cpu-s")
}
