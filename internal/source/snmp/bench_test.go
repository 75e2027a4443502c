package snmp

import (
	"fmt"
	"testing"
	"time"
)

// benchFabric generates n Arista-like switches with 48 ports and fdb FDB
// entries each, cabled in a ring (port 48 to the next switch's port 47, with
// its management address) so that discovery walks them all from one seed.
func benchFabric(n, fdbPerSwitch int) ([]string, map[string]map[string][]byte) {
	endpoints := make([]string, n)
	for i := range n {
		endpoints[i] = fmt.Sprintf("127.0.1.%d", i+1)
	}
	files := map[string]map[string][]byte{}
	for i := range n {
		w := &walkFile{}
		chassis := fmt.Sprintf("28:99:3a:01:%02x:00", i)
		w.system("Arista Networks EOS version 4.31.2F", "1.3.6.1.4.1.30065.1.3011.7050.3741.48", fmt.Sprintf("bench%03d.dc.example", i))
		ifs := make([]ifSpec, 48)
		locals := map[int][2]string{}
		bridge := map[int]int{}
		pvid := map[int]int{}
		egress := make([]int, 0, 48)
		for p := 1; p <= 48; p++ {
			ifs[p-1] = ifSpec{p, fmt.Sprintf("Ethernet%d", p), fmt.Sprintf("Ethernet%d", p), 6, 25000, ""}
			locals[p] = [2]string{fmt.Sprintf("Ethernet%d", p), ""}
			bridge[p], pvid[p] = p, 100
			egress = append(egress, p)
		}
		w.interfaces(chassis, ifs)
		next, prev := (i+1)%n, (i+n-1)%n
		w.lldp(chassis, locals, 5, []lldpRem{
			{48, fmt.Sprintf("28:99:3a:01:%02x:00", next), 5, "Ethernet47", "", fmt.Sprintf("bench%03d", next), endpoints[next]},
			{47, fmt.Sprintf("28:99:3a:01:%02x:00", prev), 5, "Ethernet48", "", fmt.Sprintf("bench%03d", prev), endpoints[prev]},
		})
		w.qbridge(bridge, []qVLAN{{100, 100, "v100", egress, egress[:46]}, {200, 200, "v200", []int{47, 48}, nil}}, pvid)
		entries := make([]fdb, fdbPerSwitch)
		for e := range entries {
			entries[e] = fdb{100, e%46 + 1, fmt.Sprintf("00:50:56:%02x:%02x:%02x", i, e>>8, e&0xff)}
		}
		w.qfdb(entries)
		files[endpoints[i]] = map[string][]byte{"public": w.bytes()}
	}
	return endpoints, files
}

// BenchmarkDiscovery discovers 100 simulated switches (48 ports, 2,000 FDB
// entries each) served by one snmpsimd, with GETBULK and with GETNEXT, and
// reports the requests sent per run. Run it with -benchtime=1x: one run is
// one whole discovery.
func BenchmarkDiscovery(b *testing.B) {
	endpoints, files := benchFabric(100, 2000)
	sim := startSim(b, endpoints, files, nil)
	for _, mode := range []struct {
		name    string
		getNext bool
	}{{"getbulk", false}, {"getnext", true}} {
		b.Run(mode.name, func(b *testing.B) {
			cfg := testConfig(b, sim.port, endpoints[0])
			cfg.GetNext = mode.getNext
			cfg.Timeout = 5 * time.Second
			cfg.Concurrency = 16
			cfg.Discovery.AllowedSubnets = []string{"127.0.1.0/24"}
			cfg.Discovery.MaxDepth = 100
			var last Requests
			start := time.Now()
			for b.Loop() {
				snap, c, err := collectWithin(b, cfg, 30*time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				sw := 0
				for _, f := range snap.Facts {
					if f.Kind == "switch" {
						sw++
					}
				}
				if sw != 100 || len(snap.Failures) != 0 {
					b.Fatalf("got %d switches, failures %v; want 100, none", sw, snap.Failures)
				}
				last = c.Requests()
			}
			b.Logf("%s: %d switches in %s, requests %+v", mode.name, 100, time.Since(start).Round(time.Millisecond), last)
			b.ReportMetric(float64(last.GetBulk), "getbulk/op")
			b.ReportMetric(float64(last.GetNext), "getnext/op")
			b.ReportMetric(float64(last.Get), "get/op")
			b.ReportMetric(float64(last.Retries), "retries/op")
		})
	}
}
