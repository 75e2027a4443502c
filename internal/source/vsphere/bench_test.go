package vsphere

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/simulator"
)

// BenchmarkCollect measures a full collection of a vCenter with 2,000 VMs
// on 32 hosts in 4 clusters, over TLS to the in-process simulator (the
// simulator's own work is included in the figures).
func BenchmarkCollect(b *testing.B) {
	m := simulator.VPX()
	m.Host = 0
	m.Cluster = 4
	m.ClusterHost = 8
	m.Machine = 500
	m.Autostart = false
	if err := m.Create(); err != nil {
		b.Fatal(err)
	}
	s := startSim(b, m, "127.0.0.1:0")
	cfg := testConfig(b, s)
	cfg.PageSize = DefaultConfiguration().PageSize
	cfg.Timeout = DefaultConfiguration().Timeout
	c, _ := newCollector(b, cfg)
	ctx := context.Background()
	snap, err := c.Collect(ctx) // log in, warm up
	if err != nil {
		b.Fatal(err)
	}
	vms := 0
	for _, f := range snap.Facts {
		if f.Kind == "vm" {
			vms++
		}
	}
	if vms != 2000 {
		b.Fatalf("got %d VMs; want 2000", vms)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(snap.Facts)), "facts")
}
