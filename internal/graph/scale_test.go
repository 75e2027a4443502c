package graph

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// fabric adds to inventory(vms, hosts) a leaf-spine fabric of switches
// leaves with 48 ports each: every host's 4 pNICs are cabled to one leaf
// pair (vmnic0/2 on the first leaf, vmnic1/3 on the second), as
// correlation derives it.
func fabric(vs []model.Version, hosts, switches int) []model.Version {
	add := func(f model.Fact) { vs = append(vs, model.Version{Fact: f, Source: "snmp", From: t0}) }
	for s := range switches {
		sw := model.NewID(model.KindSwitch, fmt.Sprintf("leaf%03d", s))
		add(model.Entity(sw, sw, sw.Key(), nil))
		for p := 1; p <= 48; p++ {
			port := model.NewID(model.KindPort, fmt.Sprintf("%s/Ethernet1/%d", sw.Key(), p))
			add(model.Relation(sw, sw, model.RelHasPort, port, nil))
			add(model.Entity(sw, port, fmt.Sprintf("Ethernet1/%d", p), model.Attrs{"mode": "trunk", "allowed_vlans": "1-4094"}))
		}
	}
	pairs := switches / 2
	for h := range hosts {
		pair := h % pairs
		slot := (h / pairs) % 24
		for n := range 4 {
			leaf := 2*pair + n%2
			port := model.NewID(model.KindPort, fmt.Sprintf("leaf%03d/Ethernet1/%d", leaf, 1+slot+24*(n/2)))
			nic := model.NewID(model.KindPNIC, fmt.Sprintf("esx%03d/vmnic%d", h, n))
			add(model.Relation(nic, nic, model.RelCabled, port, model.Attrs{"confidence": "high", "evidence": "switch-lldp"}))
		}
	}
	return vs
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkScale100k measures the issue 4 targets on a generated inventory
// of 100,000 VMs, 5,000 hosts and 400 switches: graph build time and heap,
// where and impact switch:X latency (p50/p99 over many queries), and a diff
// of two moments a day apart with 1,000 migrations.
func BenchmarkScale100k(b *testing.B) {
	const vms, hosts, switches = 100000, 5000, 400
	vs := fabric(inventory(vms, hosts), hosts, switches)
	t1 := t0.Add(24 * time.Hour)
	rnd := rand.New(rand.NewPCG(1, 1))
	for range 1000 { // migrations during the day
		i := rnd.IntN(vms)
		vm := model.NewID(model.KindVM, fmt.Sprintf("uuid-%05d", i))
		for j := range vs {
			if vs[j].Rel == model.RelRunsOn && vs[j].Subject == vm && vs[j].To.IsZero() {
				vs[j].To = t0.Add(time.Duration(rnd.IntN(86400)) * time.Second)
				to := model.NewID(model.KindHost, fmt.Sprintf("esx%03d", rnd.IntN(hosts)))
				vs = append(vs, model.Version{Fact: model.Relation(vm, vm, model.RelRunsOn, to, nil), Source: "vc1", From: vs[j].To})
				break
			}
		}
	}
	b.ReportAllocs()
	var g *Graph
	var buildTime time.Duration
	var heap uint64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		g = Build(t1, vs)
		buildTime = time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
	}
	b.ReportMetric(buildTime.Seconds(), "build-s")
	b.ReportMetric(float64(heap)/(1<<20), "graph-MiB")

	var where []time.Duration
	for i := range 20000 {
		q := fmt.Sprintf("vm%05d", (i*7919)%vms)
		start := time.Now()
		if _, err := g.Where(q); err != nil {
			b.Fatal(err)
		}
		where = append(where, time.Since(start))
	}
	b.ReportMetric(float64(percentile(where, 0.5).Microseconds()), "where-p50-µs")
	b.ReportMetric(float64(percentile(where, 0.99).Microseconds()), "where-p99-µs")

	var impact []time.Duration
	down := 0
	for i := range 400 {
		start := time.Now()
		r, err := g.Impact(fmt.Sprintf("switch:leaf%03d", i%switches))
		if err != nil {
			b.Fatal(err)
		}
		impact = append(impact, time.Since(start))
		down += len(r.Down) + len(r.Degraded)
	}
	if down == 0 {
		b.Fatal("no switch failure affected any VM")
	}
	b.ReportMetric(float64(percentile(impact, 0.5).Microseconds())/1000, "impact-p50-ms")
	b.ReportMetric(float64(percentile(impact, 0.99).Microseconds())/1000, "impact-p99-ms")

	start := time.Now()
	d := Diff(Build(t0, vs), g)
	b.ReportMetric(time.Since(start).Seconds(), "diff-day-s")
	if d.Counts["migrations"] < 900 {
		b.Fatalf("diff found %d migrations; want about 1,000", d.Counts["migrations"])
	}
}
