package pipeline

import (
	"context"
	"net"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/flow/listen"
)

// rssKiB is the process's resident set (VmRSS).
func rssKiB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestFloodRSS is the flood of BENCHMARKS.md ("Flow template flood"), run
// when VNETMAP_FLOOD_RSS is set: serve's listener and pipeline (default
// configurations) on loopback receive 70,000 datagrams of one 9 KB template
// each, from as many addresses (127.1.0.0 on), while an exporter
// (127.0.0.2) sends a record from VM a to VM b after every 1,000 of them,
// its template again after every 10,000. It prints the RSS before, after,
// and after a GC returned what it could to the system, and what became of
// the exporter's records.
func TestFloodRSS(t *testing.T) {
	if os.Getenv("VNETMAP_FLOOD_RSS") == "" {
		t.Skip("set VNETMAP_FLOOD_RSS=1 to run the flood")
	}
	ctx := context.Background()
	lc := listen.DefaultConfiguration()
	lc.Listen = []string{"127.0.0.1:0"}
	pc := DefaultConfiguration()
	pc.Workers = lc.Workers()
	sink := &aggregate.MemorySink{}
	reg := prometheus.NewRegistry()
	c, err := New(pc, testStore(t), appRules, sink, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadIndex(ctx, at(0), at(50)); err != nil {
		t.Fatal(err)
	}
	l, err := listen.New(lc, c, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	to := net.UDPAddrFromAddrPort(l.Addrs()[0])
	send := func(from netip.Addr, p []byte) {
		conn, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(from, 0)), to)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(p); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	handled := func() float64 { return metric(t, reg, "vnetmap_flow_datagrams_total") }
	exporter := netip.MustParseAddr("127.0.0.2")
	r := []rec{{src: addr("10.20.0.10"), dst: addr("10.20.0.20"), srcMAC: macA, dstMAC: macB, proto: 6, srcPort: 40000,
		dstPort: 5432, bytes: 1000, packets: 10, in: 1, out: 3}}
	now := time.Now()
	send(exporter, netflow9(secs(now), 5000, true, 100, r))
	waitHandled := func(n float64) {
		for deadline := time.Now().Add(10 * time.Second); handled() < n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	waitHandled(1)
	runtime.GC()
	debug.FreeOSMemory()
	before := rssKiB(t)
	const n = 70000
	flood := bigTemplate(secs(now))
	sent, data := 1, 1
	start := time.Now()
	for i := range n {
		send(netip.AddrFrom4([4]byte{127, 1 + byte(i>>16), byte(i >> 8), byte(i)}), flood)
		sent++
		if i%1000 == 999 {
			send(exporter, netflow9(secs(now), 5000, i%10000 == 9999, 100, r))
			sent++
			data++
		}
		if i%200 == 199 {
			// Within the sockets' queues: the kernel drops nothing.
			waitHandled(float64(sent - 100))
		}
	}
	waitHandled(float64(sent))
	elapsed := time.Since(start)
	after := rssKiB(t)
	cacheBytes := metric(t, reg, "vnetmap_flow_template_cache_bytes")
	runtime.GC()
	debug.FreeOSMemory()
	kept := rssKiB(t)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var flows, bytes uint64
	for _, m := range sink.Minutes() {
		if m.Src.VM == "vm:a" && m.Dst.VM == "vm:b" {
			flows += m.Flows
			bytes += m.Bytes
		}
	}
	t.Logf("%d flood datagrams (%d bytes each) in %v; handled %v of %d, kernel drops %v", n, len(flood), elapsed.Round(time.Millisecond),
		handled(), sent, metric(t, reg, "vnetmap_flow_kernel_drops_total"))
	t.Logf("RSS before %d MiB, after %d MiB, after GC %d MiB (heap in use %d MiB); template cache %.1f MiB",
		before>>10, after>>10, kept>>10, ms.HeapInuse>>20, cacheBytes/(1<<20))
	t.Logf("exporter: %d datagrams of 1 record sent, %d records attributed VM a -> VM b (%d bytes), template misses %v, records decoded (netflow9) %v",
		data, flows, bytes, metric(t, reg, "vnetmap_flow_template_misses_total"), metric(t, reg, "vnetmap_flow_records_total", "protocol", "netflow9"))
}
