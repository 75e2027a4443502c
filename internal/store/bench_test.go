package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// benchVMs is the size of the benchmark data center: 10,000 VMs.
const benchVMs = 10000

// datacenter returns the facts a vCenter states about vms VMs spread over
// hosts of 40 VMs: per VM 31 facts (the VM, its placement and application,
// four vNICs, each attached and with an IPv4 and an IPv6 address), per host
// its pNICs and switches. The power attribute of every VM is power.
func datacenter(vms int, power string) []model.Fact {
	facts := make([]model.Fact, 0, vms*32)
	for h := range (vms + 39) / 40 {
		host := model.NewID(model.KindHost, fmt.Sprintf("esx%03d", h))
		facts = append(facts, model.Entity(host, host, host.Key(), model.Attrs{
			"connection": "connected", "power": "poweredOn", "model": "PowerEdge R750", "version": "8.0.3",
		}))
		for n := range 4 {
			pnic := model.NewID(model.KindPNIC, host.Key(), fmt.Sprintf("vmnic%d", n))
			facts = append(facts,
				model.Entity(host, pnic, pnic.Key(), model.Attrs{
					"mac": fmt.Sprintf("00:50:56:%02x:%02x:%02x", h>>8, h&0xff, n), "link": "up", "speed_mbps": "25000",
					"cdp_device": fmt.Sprintf("leaf%d", n%2+1), "cdp_port": fmt.Sprintf("Ethernet1/%d", h+1),
				}),
				model.Relation(host, host, model.RelHasPNIC, pnic, nil))
		}
	}
	for v := range vms {
		vm := model.NewID(model.KindVM, fmt.Sprintf("4201%08x-0000-0000-0000-%012x", v, v))
		host := model.NewID(model.KindHost, fmt.Sprintf("esx%03d", v/40))
		app := model.NewID(model.KindApplication, fmt.Sprintf("app%d", v/10))
		facts = append(facts,
			model.Entity(vm, vm, fmt.Sprintf("vm%05d", v), model.Attrs{
				"moref": fmt.Sprintf("vm-%d", 1000+v), "vcenter": "vc1", "power": power, "guest_os": "debian12_64Guest",
				"folder": "/dc1/vm/prod", "hostname": fmt.Sprintf("vm%05d.example.net", v),
			}),
			model.Relation(vm, vm, model.RelRunsOn, host, nil),
			model.Relation(vm, app, model.RelContains, vm, nil))
		for n := range 4 {
			vnic := model.NewID(model.KindVNIC, vm.Key(), fmt.Sprint(4000+n))
			pg := model.NewID(model.KindPortgroup, "dvs-1", fmt.Sprintf("dvportgroup-%d", 100+n))
			v4 := model.NewID(model.KindIP, fmt.Sprintf("10.%d.%d.%d", n, v>>8, v&0xff))
			v6 := model.NewID(model.KindIP, fmt.Sprintf("2001:db8:%x::%x", n, v))
			facts = append(facts,
				model.Entity(vm, vnic, fmt.Sprintf("Network adapter %d", n+1), model.Attrs{
					"mac": fmt.Sprintf("00:50:56:%02x:%02x:%02x", v>>8, v&0xff, n), "connected": "true", "type": "vmxnet3",
					"dvport": fmt.Sprint(v*4 + n),
				}),
				model.Relation(vm, vm, model.RelHasVNIC, vnic, nil),
				model.Relation(vm, vnic, model.RelAttached, pg, nil),
				model.Entity(vm, v4, v4.Key(), model.Attrs{"family": "4"}),
				model.Relation(vm, vnic, model.RelHasIP, v4, nil),
				model.Entity(vm, v6, v6.Key(), model.Attrs{"family": "6"}),
				model.Relation(vm, vnic, model.RelHasIP, v6, nil))
		}
	}
	return facts
}

// BenchmarkApply measures Apply of a 10,000-VM vCenter snapshot (about
// 310,000 facts): into an empty store ("first"), again unchanged, and with
// every VM's power state changed (10,000 facts closed and reopened).
func BenchmarkApply(b *testing.B) {
	facts := datacenter(benchVMs, "on")
	changed := datacenter(benchVMs, "off")
	ctx := context.Background()
	taken := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			b.Run("first", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					s := openStore(b, be.dsn(b))
					b.StartTimer()
					if _, err := s.Apply(ctx, model.Snapshot{Source: "vc1", Taken: taken, Facts: facts}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(facts)), "facts/op")
			})
			for _, tt := range []struct {
				name  string
				facts []model.Fact
			}{{"unchanged", facts}, {"changed", changed}} {
				b.Run(tt.name, func(b *testing.B) {
					b.ReportAllocs()
					s := openStore(b, be.dsn(b))
					if _, err := s.Apply(ctx, model.Snapshot{Source: "vc1", Taken: taken, Facts: facts}); err != nil {
						b.Fatal(err)
					}
					i := 0
					for b.Loop() {
						i++
						snap := model.Snapshot{Source: "vc1", Taken: taken.Add(time.Duration(i) * time.Minute), Facts: tt.facts}
						if i%2 == 0 {
							// Back to the first state, so that "changed" changes every time.
							snap.Facts = facts
						}
						if _, err := s.Apply(ctx, snap); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(len(tt.facts)), "facts/op")
				})
			}
		})
	}
}

// BenchmarkFactsAt measures reading the 310,000 facts valid now.
func BenchmarkFactsAt(b *testing.B) {
	facts := datacenter(benchVMs, "on")
	ctx := context.Background()
	taken := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := openStore(b, be.dsn(b))
			if _, err := s.Apply(ctx, model.Snapshot{Source: "vc1", Taken: taken, Facts: facts}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				vs, err := s.FactsAt(ctx, taken.Add(time.Hour))
				if err != nil || len(vs) != len(facts) {
					b.Fatalf("FactsAt: got %d versions, %v; want %d", len(vs), err, len(facts))
				}
			}
		})
	}
}
