package sim

import (
	"context"
	"runtime"
	"testing"
)

// benchmarkStart starts and closes the data center, reporting the live heap
// (after a GC) and the memory obtained from the OS while it runs.
func benchmarkStart(b *testing.B, cfg Config) {
	var heap, sys uint64
	for b.Loop() {
		d, err := Start(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap, sys = max(heap, m.HeapAlloc), max(sys, m.Sys)
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(sys)/(1<<20), "sys-MiB")
}

// BenchmarkStart measures the default data center (2 clusters, 8 hosts,
// 120 VMs).
func BenchmarkStart(b *testing.B) { benchmarkStart(b, DefaultConfig()) }

// BenchmarkStartScale measures the inventory of the cold-collection
// benchmark, 10,000 VMs on 500 hosts. One start takes tens of seconds, so
// run it once:
//
//	go test -run '^$' -bench StartScale -benchtime 1x ./internal/sim/
func BenchmarkStartScale(b *testing.B) { benchmarkStart(b, ScaleConfig()) }
