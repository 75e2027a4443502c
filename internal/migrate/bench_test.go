package migrate

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// scaleGraph is the known-truth site grown to vms VMs on hosts hosts in
// clusters of 25: every host correct but one in 500, whose vmnic1 port
// misses VLAN 110; VMs alternate between app-110 and db-120 and are
// spread over the hosts round robin (so VM i runs on host i mod hosts,
// and with an even number of hosts, the VMs of an even host are all on
// app-110).
func scaleGraph(b testing.TB, vms, hosts int) *graph.Graph {
	b.Helper()
	s := newSite()
	for c := 0; c*25 < hosts; c++ {
		var hs []hostSpec
		for h := c * 25; h < min(hosts, (c+1)*25); h++ {
			spec := hostSpec{name: fmt.Sprintf("esx%04d", h)}
			if h%500 == 8 {
				spec.port[1] = model.Attrs{"allowed_vlans": "1,120"}
			}
			hs = append(hs, spec)
		}
		s.cluster(fmt.Sprintf("c%03d", c), hs...)
	}
	for i := range vms {
		pg := "app-110"
		if i%2 == 1 {
			pg = "db-120"
		}
		s.vm(fmt.Sprintf("vm%06d", i), fmt.Sprintf("esx%04d", i%hosts), pg)
	}
	return s.graph(b)
}

// BenchmarkUnsafePlacements100k evaluates every VM of a 100,000-VM, 5,000
// host map on its current host (the check rule's cost).
func BenchmarkUnsafePlacements100k(b *testing.B) {
	g := scaleGraph(b, 100000, 5000)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if got := UnsafePlacements(g); len(got) != 200 { // 10 bad hosts × 20 VMs, all on app-110
			b.Fatalf("%d unsafe placements; want 200", len(got))
		}
	}
}

// BenchmarkDRSRules100k plans the DRS rules of the same map: every VM
// against every host of its cluster (25).
func BenchmarkDRSRules100k(b *testing.B) { benchmarkDRSRules(b, 100000, 5000) }

// BenchmarkDRSRules10k is the same on 10,000 VMs and 500 hosts.
func BenchmarkDRSRules10k(b *testing.B) { benchmarkDRSRules(b, 10000, 500) }

func benchmarkDRSRules(b *testing.B, vms, hosts int) {
	g := scaleGraph(b, vms, hosts)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		p, err := DRSRules(g, DRSOptions{})
		if err != nil || len(p.Clusters) != hosts/25 {
			b.Fatalf("plan of %d clusters, %v; want %d", len(p.Clusters), err, hosts/25)
		}
	}
}

// reportCPU starts measuring the process's CPU time (user and system, GC
// workers included); the returned function reports it per operation as
// cpu-ms/op, a figure that holds on a machine shared with other work,
// where ns/op (wall time) does not.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
