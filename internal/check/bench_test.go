package check_test

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// inventory generates the facts of a data center of vms VMs on hosts hosts
// (25 per cluster) cabled to leaf pairs of 64-port switches (an MLAG pair
// per 25 hosts, peer link Ethernet1/64), as the vSphere and SNMP sources
// state them, with both sides' neighbour evidence so that correlation
// cables every pNIC. Each host has vSwitch0 (vmnic0 active on one leaf,
// vmnic1 standby on the other) with 4 port groups on VLANs 100-103, and
// is a member of one distributed switch whose LACP LAG (vmnic2, vmnic3)
// is bundled on a vPC port-channel and carries 20 port groups on VLANs
// 200-219. Every VM has one vNIC, alternately on a standard and a
// distributed port group. One host in 500 has VLAN 102 missing on
// vmnic0's trunk (a seeded fault).
func inventory(vms, hosts int) []model.Version {
	const perCluster, perPair, stdPGs, dvPGs = 25, 25, 4, 20
	var vs []model.Version
	add := func(src string, f model.Fact) { vs = append(vs, model.Version{Fact: f, Source: src, From: t0}) }
	vc := func(f model.Fact) { add("vc1", f) }
	sw := func(f model.Fact) { add("fabric", f) }
	dvs := model.NewID(model.KindDVSwitch, "dvs-1")
	lag := model.NewID(model.KindHostLAG, "dvs-1/lag1")
	vc(model.Entity(dvs, dvs, "dvs-prod", model.Attrs{"mtu": "9000", "policy": "loadbalance_srcid"}))
	vc(model.Entity(dvs, lag, "lag1", model.Attrs{"mode": "active"}))
	vc(model.Relation(dvs, dvs, model.RelHasLAG, lag, nil))
	for p := range dvPGs {
		id := model.NewID(model.KindPortgroup, fmt.Sprintf("dvs-1/dvportgroup-%d", p))
		vc(model.Entity(dvs, id, fmt.Sprintf("prod-v%d", 200+p), model.Attrs{"type": "distributed", "vlan": fmt.Sprint(200 + p), "active": "lag1", "policy": "loadbalance_srcid"}))
		vc(model.Relation(dvs, id, model.RelMemberOf, dvs, nil))
	}
	pairs := (hosts + perPair - 1) / perPair
	for p := range pairs {
		for side := range 2 {
			name := fmt.Sprintf("leaf%03d", 2*p+side)
			peer := fmt.Sprintf("leaf%03d", 2*p+1-side)
			id := model.NewID(model.KindSwitch, name)
			sw(model.Entity(id, id, name, nil))
			port := func(ifname string, a model.Attrs) model.ID {
				pid := model.NewID(model.KindPort, name+"/"+ifname)
				if len(ifname) > 12 && ifname[:12] == "Port-channel" {
					pid = model.NewID(model.KindPortChannel, name+"/"+ifname)
				}
				a["oper"], a["mtu"] = "up", "9216"
				sw(model.Entity(id, pid, ifname, a))
				sw(model.Relation(id, id, model.RelHasPort, pid, nil))
				return pid
			}
			port("Ethernet1/64", model.Attrs{"mode": "trunk", "allowed_vlans": "1,100-103,200-219", "native_vlan": "1", "lldp_system": peer, "lldp_port": "Ethernet1/64"})
			for _, v := range append([]int{1, 100, 101, 102, 103}, seq(200, 219)...) {
				sw(model.Entity(id, model.NewID(model.KindVLAN, fmt.Sprintf("%s/%d", name, v)), fmt.Sprint(v), model.Attrs{"vid": fmt.Sprint(v)}))
			}
			for slot := range perPair {
				h := p + pairs*slot
				if h >= hosts {
					continue
				}
				hn := fmt.Sprintf("esx%04d", h)
				allowed := "1,100-103"
				if side == 0 && h%500 == 7 {
					allowed = "1,100,101,103"
				}
				port(fmt.Sprintf("Ethernet1/%d", 1+slot), model.Attrs{"mode": "trunk", "allowed_vlans": allowed, "native_vlan": "1", "lldp_system": hn, "lldp_port": fmt.Sprintf("vmnic%d", side)})
				pc := port(fmt.Sprintf("Port-channel%d", 100+slot), model.Attrs{"mode": "trunk", "allowed_vlans": "1,200-219", "native_vlan": "1"})
				m := port(fmt.Sprintf("Ethernet1/%d", 31+slot), model.Attrs{"lldp_system": hn, "lldp_port": fmt.Sprintf("vmnic%d", 2+side)})
				sw(model.Relation(id, m, model.RelInLAG, pc, nil))
			}
		}
	}
	for h := range hosts {
		hn := fmt.Sprintf("esx%04d", h)
		host := model.NewID(model.KindHost, hn)
		vsw := model.NewID(model.KindVSwitch, hn+"/vSwitch0")
		pair, slot := h%pairs, h/pairs
		if h%perCluster == 0 {
			c := model.NewID(model.KindCluster, fmt.Sprintf("vc1/dc1/c%03d", h/perCluster))
			vc(model.Entity(c, c, c.Key(), nil))
		}
		vc(model.Relation(host, model.NewID(model.KindCluster, fmt.Sprintf("vc1/dc1/c%03d", h/perCluster)), model.RelContains, host, nil))
		vc(model.Entity(host, host, hn, model.Attrs{"connection": "connected"}))
		vc(model.Entity(host, vsw, "vSwitch0", model.Attrs{"host": hn, "mtu": "1500"}))
		vc(model.Relation(host, host, model.RelHasSwitch, vsw, nil))
		vc(model.Relation(host, host, model.RelHasSwitch, dvs, nil))
		for n := range 4 {
			nic := model.NewID(model.KindPNIC, fmt.Sprintf("%s/vmnic%d", hn, n))
			leaf := fmt.Sprintf("leaf%03d", 2*pair+n%2)
			port := fmt.Sprintf("Ethernet1/%d", 1+slot+30*(n/2))
			vc(model.Entity(host, nic, fmt.Sprintf("vmnic%d", n), model.Attrs{"host": hn, "device": fmt.Sprintf("vmnic%d", n), "link": "up",
				"mac": fmt.Sprintf("00:25:b5:%02x:%02x:%02x", h>>8, h&255, n), "cdp_device": leaf, "cdp_port": port}))
			vc(model.Relation(host, host, model.RelHasPNIC, nic, nil))
			if n < 2 {
				vc(model.Relation(host, vsw, model.RelUplink, nic, model.Attrs{"uplink": fmt.Sprintf("vmnic%d", n)}))
			} else {
				vc(model.Relation(dvs, dvs, model.RelUplink, nic, model.Attrs{"host": hn, "uplink": fmt.Sprintf("lag1-%d", n-2), "lag": "lag1"}))
			}
		}
		for p := range stdPGs {
			pg := model.NewID(model.KindPortgroup, fmt.Sprintf("%s/app-v%d", hn, 100+p))
			vc(model.Entity(host, pg, fmt.Sprintf("app-v%d", 100+p), model.Attrs{"type": "standard", "vlan": fmt.Sprint(100 + p), "active": "vmnic0", "standby": "vmnic1"}))
			vc(model.Relation(host, pg, model.RelMemberOf, vsw, nil))
		}
	}
	for v := range vms {
		vm := model.NewID(model.KindVM, fmt.Sprintf("uuid-%06d", v))
		nic := model.NewID(model.KindVNIC, vm.Key()+"/4000")
		h := v % hosts
		pg := model.NewID(model.KindPortgroup, fmt.Sprintf("esx%04d/app-v%d", h, 100+v%stdPGs))
		if v%2 == 1 {
			pg = model.NewID(model.KindPortgroup, fmt.Sprintf("dvs-1/dvportgroup-%d", v%dvPGs))
		}
		vc(model.Entity(vm, vm, fmt.Sprintf("vm%06d", v), model.Attrs{"power": "poweredOn"}))
		vc(model.Relation(vm, vm, model.RelRunsOn, model.NewID(model.KindHost, fmt.Sprintf("esx%04d", h)), nil))
		vc(model.Relation(vm, vm, model.RelHasVNIC, nic, nil))
		vc(model.Entity(vm, nic, "Network adapter 1", model.Attrs{"label": "Network adapter 1", "connected": "true",
			"mac": fmt.Sprintf("00:50:56:%02x:%02x:%02x", v>>16, (v>>8)&255, v&255)}))
		vc(model.Relation(vm, nic, model.RelAttached, pg, nil))
		vc(model.Relation(vm, nic, model.RelHasIP, model.NewID(model.KindIP, fmt.Sprintf("10.%d.%d.%d", v>>16, (v>>8)&255, v&255)), nil))
	}
	return vs
}

func seq(lo, hi int) []int {
	var r []int
	for v := lo; v <= hi; v++ {
		r = append(r, v)
	}
	return r
}

// mapOf correlates the versions and builds the graph, as the query
// service does.
func mapOf(at time.Time, vs []model.Version) *graph.Graph {
	r := correlate.Run(at, vs)
	g := graph.Build(at, append(vs, r.Links...))
	g.Conflicts = r.Conflicts
	return g
}

// TestGeneratedInventory checks the generator on a small size: the seeded
// trunks are found, and nothing else.
func TestGeneratedInventory(t *testing.T) {
	g := mapOf(t0.Add(time.Minute), inventory(2000, 1000))
	byRule := map[string]int{}
	for _, f := range check.Run(g, check.Options{}) {
		byRule[f.Rule]++
	}
	// Hosts 7 and 507 lack VLAN 102 on vmnic0's trunk: vlan-not-carried
	// on each, and their clusters (c000, c020), whose other VMs use VLAN
	// 102, are inconsistent. The VMs of hosts 7 and 507 (v = 7, 507, 1007,
	// 1507: odd) are on distributed port groups, so none runs unsafe.
	want := map[string]int{check.RuleVLANNotCarried: 2, check.RuleVLANClusterInconsistent: 2}
	if fmt.Sprint(byRule) != fmt.Sprint(want) {
		t.Errorf("findings by rule = %v; want %v", byRule, want)
	}
}

// BenchmarkCheck100k evaluates every rule on the 100,000-VM, 5,000-host,
// 400-switch generated inventory (issue 6: ≤ 2 s). map-s is correlation
// and graph build of the facts (what `vnetmap check` does before Run,
// besides reading the store) and heap-MiB the live heap of the map (facts
// excluded); then, for every rule and for every rule but vm-unsafe-host
// (which is migrate.UnsafePlacements), run-s is the wall time of
// check.Run and run-cpu-s the process CPU time (user+sys, GC included) it
// took: on a shared machine the CPU time is the steadier figure.
func BenchmarkCheck100k(b *testing.B) {
	const vms, hosts = 100000, 5000
	vs := inventory(vms, hosts)
	at := t0.Add(time.Minute)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	g := mapOf(at, vs)
	mapTime := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(vs) // else the facts count as freed by the map
	heap := float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc)) / (1 << 20)
	var own []string
	for _, r := range check.Rules() {
		if r.Name != check.RuleVMUnsafeHost {
			own = append(own, r.Name)
		}
	}
	for _, bc := range []struct {
		name string
		opts check.Options
	}{
		{"all-rules", check.Options{}},
		{"without-vm-unsafe-host", check.Options{Rules: own}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			var wall, cpu time.Duration
			for b.Loop() {
				runtime.GC()
				c0, start := cpuTime(b), time.Now()
				n = len(check.Run(g, bc.opts))
				wall, cpu = time.Since(start), cpuTime(b)-c0
			}
			b.ReportMetric(float64(len(vs)), "facts")
			b.ReportMetric(mapTime.Seconds(), "map-s")
			b.ReportMetric(heap, "heap-MiB")
			b.ReportMetric(wall.Seconds(), "run-s")
			b.ReportMetric(cpu.Seconds(), "run-cpu-s")
			b.ReportMetric(float64(n), "findings")
			if n == 0 {
				b.Fatal("no finding on an inventory with seeded faults")
			}
		})
	}
}

// cpuTime is the CPU time (user+sys) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
