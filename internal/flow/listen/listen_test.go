package listen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// datagram is what a test handler saw.
type datagram struct {
	worker int
	from   netip.AddrPort
	b      []byte
}

// recorder is a Handler that keeps copies of every datagram.
type recorder struct {
	mu  sync.Mutex
	got []datagram
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) HandleDatagram(worker int, from netip.AddrPort, b []byte, _ time.Time) {
	r.mu.Lock()
	r.got = append(r.got, datagram{worker, from, bytes.Clone(b)})
	r.mu.Unlock()
}

func (r *recorder) snapshot() []datagram {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]datagram(nil), r.got...)
}

// waitFor polls until cond holds, failing the test after a generous bound
// (this is about delivery, not speed).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// start starts a listener with cfg and stops it at the end of the test.
func start(t *testing.T, cfg Configuration, h Handler) (*Component, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	c, err := New(cfg, h, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c, reg
}

// metric returns the value of a listener metric for one listener.
func metric(t *testing.T, reg *prometheus.Registry, name, listener string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() != listener {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s{listener=%q}", name, listener)
	return 0
}

func testConfig(sockets, batch int, addrs ...string) Configuration {
	c := DefaultConfiguration()
	c.Listen, c.Sockets, c.BatchSize = addrs, sockets, batch
	c.ReceiveBuffer = 1 << 20
	return c
}

// dial opens n client sockets towards to; each has its own source port.
func dial(t *testing.T, to netip.AddrPort, n int) []*net.UDPConn {
	t.Helper()
	conns := make([]*net.UDPConn, n)
	for i := range conns {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

func TestDatagramsReachHandler(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		batch int
	}{
		{"127.0.0.1:0", 1},
		{"127.0.0.1:0", 16},
		{"[::1]:0", 1},
		{"[::1]:0", 16},
	} {
		t.Run(fmt.Sprintf("%s/batch=%d", tc.addr, tc.batch), func(t *testing.T) {
			rec := newRecorder()
			c, reg := start(t, testConfig(2, tc.batch, tc.addr), rec)
			addr := c.Addrs()[0]
			const senders, each = 6, 25
			conns := dial(t, addr, senders)
			want := map[string]netip.AddrPort{} // payload → sender
			var wantBytes int
			for i := 0; i < each; i++ {
				for s, conn := range conns {
					// Sizes vary so that a mix-up of buffers would show.
					p := fmt.Sprintf("sender %d datagram %d %s", s, i, strings.Repeat("x", (s*each+i)%700))
					if _, err := conn.Write([]byte(p)); err != nil {
						t.Fatal(err)
					}
					want[p] = conn.LocalAddr().(*net.UDPAddr).AddrPort()
					wantBytes += len(p)
				}
			}
			waitFor(t, "every datagram", func() bool { return len(rec.snapshot()) >= senders*each })
			got := rec.snapshot()
			if len(got) != senders*each {
				t.Fatalf("handled %d datagrams; want %d", len(got), senders*each)
			}
			for _, d := range got {
				from, ok := want[string(d.b)]
				if !ok {
					t.Fatalf("handled %q, which no sender sent", d.b)
				}
				if d.from != from {
					t.Errorf("%q from %v; want %v", d.b, d.from, from)
				}
				if d.worker < 0 || d.worker >= c.Workers() {
					t.Errorf("worker %d; want in [0, %d)", d.worker, c.Workers())
				}
				delete(want, string(d.b))
			}
			if len(want) != 0 {
				t.Errorf("%d datagrams handled twice, as many never", len(want))
			}
			label := addr.String()
			if got := metric(t, reg, "vnetmap_flow_datagrams_total", label); got != senders*each {
				t.Errorf("vnetmap_flow_datagrams_total = %v; want %d", got, senders*each)
			}
			if got := metric(t, reg, "vnetmap_flow_received_bytes_total", label); got != float64(wantBytes) {
				t.Errorf("vnetmap_flow_received_bytes_total = %v; want %d", got, wantBytes)
			}
			if got := metric(t, reg, "vnetmap_flow_kernel_drops_total", label); got != 0 {
				t.Errorf("vnetmap_flow_kernel_drops_total = %v; want 0", got)
			}
			if got := metric(t, reg, "vnetmap_flow_receive_buffer_bytes", label); got < 2<<20 {
				t.Errorf("vnetmap_flow_receive_buffer_bytes = %v; want at least twice the 1 MiB asked", got)
			}
		})
	}
}

// udpSockets counts the sockets in /proc/net/udp{,6} bound to port.
func udpSockets(t *testing.T, port uint16) int {
	t.Helper()
	n := 0
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 {
				continue
			}
			_, hexPort, ok := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); ok && err == nil && uint16(p) == port {
				n++
			}
		}
	}
	return n
}

func TestSocketsSharePort(t *testing.T) {
	const sockets = 4
	rec := newRecorder()
	c, _ := start(t, testConfig(sockets, 8, "127.0.0.1:0", "[::1]:0"), rec)
	if got, want := c.Workers(), 2*sockets; got != want {
		t.Fatalf("Workers() = %d; want %d", got, want)
	}
	addrs := c.Addrs()
	for _, a := range addrs {
		if got := udpSockets(t, a.Port()); got != sockets {
			t.Errorf("%d sockets bound to port %d; want %d", got, a.Port(), sockets)
		}
	}
	// 32 source ports over 4 sockets: the kernel's hash leaves a socket
	// without any with a probability of about 4·(3/4)^32 ≈ 0.04 %.
	const senders = 32
	for _, a := range addrs {
		for _, conn := range dial(t, a, senders) {
			if _, err := conn.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "every datagram", func() bool { return len(rec.snapshot()) >= 2*senders })
	workers := map[int]int{}
	for _, d := range rec.snapshot() {
		workers[d.worker]++
		// The first address's sockets are workers [0, 4), the second's [4, 8).
		first := d.from.Addr().Is4()
		if first != (d.worker < sockets) {
			t.Errorf("datagram from %v handled by worker %d", d.from, d.worker)
		}
	}
	if len(workers) != 2*sockets {
		t.Errorf("datagrams per worker %v; want every one of the %d workers used", workers, 2*sockets)
	}
}

// blocker is a Handler that holds its first datagram until released.
type blocker struct {
	*recorder
	first   sync.Once
	holding chan struct{}
	release chan struct{}
}

func (b *blocker) HandleDatagram(worker int, from netip.AddrPort, p []byte, at time.Time) {
	b.first.Do(func() {
		close(b.holding)
		<-b.release
	})
	b.recorder.HandleDatagram(worker, from, p, at)
}

func TestKernelDropsCounted(t *testing.T) {
	for _, batch := range []int{1, 64} {
		t.Run(fmt.Sprintf("batch=%d", batch), func(t *testing.T) {
			h := &blocker{recorder: newRecorder(), holding: make(chan struct{}), release: make(chan struct{})}
			cfg := testConfig(1, batch, "127.0.0.1:0")
			cfg.ReceiveBuffer = 16 << 10 // a few datagrams
			c, reg := start(t, cfg, h)
			label := c.Addrs()[0].String()
			if got := metric(t, reg, "vnetmap_flow_receive_buffer_bytes", label); got > 64<<10 {
				t.Fatalf("receive buffer %v; want at most 64 KiB", got)
			}
			conn := dial(t, c.Addrs()[0], 1)[0]
			payload := bytes.Repeat([]byte{0xab}, 1000)
			sent := 0
			send := func(p []byte) {
				t.Helper()
				if _, err := conn.Write(p); err != nil {
					t.Fatal(err)
				}
				sent++
			}
			send(payload)
			<-h.holding // the reader is stuck in the handler: the queue fills, then overflows
			for i := 0; i < 200; i++ {
				send(payload)
			}
			close(h.release)
			// The drop counter travels with the next datagram queued: send
			// markers until one is handled.
			marker := []byte("marker")
			handledMarker := func() bool {
				for _, d := range h.snapshot() {
					if bytes.Equal(d.b, marker) {
						return true
					}
				}
				return false
			}
			for i := 0; !handledMarker(); i++ {
				if i == 100 {
					t.Fatal("no marker handled after 100 tries")
				}
				send(marker)
				time.Sleep(20 * time.Millisecond)
			}
			handled := len(h.snapshot())
			drops := metric(t, reg, "vnetmap_flow_kernel_drops_total", label)
			datagrams := metric(t, reg, "vnetmap_flow_datagrams_total", label)
			t.Logf("sent %d, handled %d, kernel drops %v", sent, handled, drops)
			if drops == 0 {
				t.Fatalf("no kernel drop counted; sent %d, handled %d", sent, handled)
			}
			if datagrams != float64(handled) {
				t.Errorf("vnetmap_flow_datagrams_total = %v; handler saw %d", datagrams, handled)
			}
			if got := float64(handled) + drops; got != float64(sent) {
				t.Errorf("handled %d + dropped %v = %v; want %d sent", handled, drops, got, sent)
			}
		})
	}
}

func TestTruncatedCounted(t *testing.T) {
	for _, batch := range []int{1, 8} {
		t.Run(fmt.Sprintf("batch=%d", batch), func(t *testing.T) {
			rec := newRecorder()
			cfg := testConfig(1, batch, "127.0.0.1:0")
			cfg.MaxDatagramSize = MinDatagramSize
			c, reg := start(t, cfg, rec)
			conn := dial(t, c.Addrs()[0], 1)[0]
			for _, p := range [][]byte{
				bytes.Repeat([]byte{1}, MinDatagramSize+1),
				bytes.Repeat([]byte{2}, MinDatagramSize),
				bytes.Repeat([]byte{3}, 9000),
				[]byte("last"),
			} {
				if _, err := conn.Write(p); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "the last datagram", func() bool {
				got := rec.snapshot()
				return len(got) > 0 && string(got[len(got)-1].b) == "last"
			})
			got := rec.snapshot()
			if len(got) != 2 || len(got[0].b) != MinDatagramSize || got[0].b[0] != 2 {
				t.Errorf("handled %d datagrams (first %d bytes); want the %d-byte one and the last", len(got), len(got[0].b), MinDatagramSize)
			}
			if n := metric(t, reg, "vnetmap_flow_truncated_datagrams_total", c.Addrs()[0].String()); n != 2 {
				t.Errorf("vnetmap_flow_truncated_datagrams_total = %v; want 2", n)
			}
		})
	}
}

// noReaders fails the test if goroutines created by Start are still there.
// A reader has returned when Stop returns; its goroutine ends right after,
// so this waits for that briefly.
func noReaders(t *testing.T, when string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		r := readers()
		if len(r) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("readers left %s:\n%s", when, strings.Join(r, "\n\n"))
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// readers returns the stacks of the goroutines Start created: the readers.
func readers() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "created by github.com/vnetmap/vnetmap/internal/flow/listen.(*Component).Start") {
			out = append(out, g)
		}
	}
	return out
}

func TestStopIsClean(t *testing.T) {
	noReaders(t, "by the tests before")
	for _, batch := range []int{1, 32} {
		rec := newRecorder()
		c, err := New(testConfig(3, batch, "127.0.0.1:0", "[::1]:0"), rec, nil, prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		if got := len(readers()); got != 6 {
			t.Errorf("batch=%d: %d readers running; want 6", batch, got)
		}
		for _, a := range c.Addrs() {
			for _, conn := range dial(t, a, 4) {
				if _, err := conn.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
			}
		}
		waitFor(t, "the datagrams", func() bool { return len(rec.snapshot()) == 8 })
		addrs := c.Addrs()
		c.Stop()
		noReaders(t, fmt.Sprintf("after Stop (batch=%d)", batch))
		for _, a := range addrs {
			if n := udpSockets(t, a.Port()); n != 0 {
				t.Errorf("batch=%d: %d sockets still bound to %v after Stop", batch, n, a)
			}
		}
		c.Stop() // a second Stop is harmless
		if err := c.Start(); !errors.Is(err, ErrStarted) {
			t.Errorf("Start after Stop: got %v; want ErrStarted", err)
		}
	}
}

func TestStartFailsOnBusyPort(t *testing.T) {
	// A socket without SO_REUSEPORT holds the port.
	busy, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.LocalAddr().(*net.UDPAddr).Port
	busyAddr := fmt.Sprintf("127.0.0.1:%d", port)
	c, err := New(testConfig(2, 4, "[::1]:0", busyAddr), newRecorder(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Start()
	if err == nil || !strings.Contains(err.Error(), busyAddr) {
		t.Fatalf("got %v; want an error naming %s", err, busyAddr)
	}
	noReaders(t, "after a failed Start")
	if c.Addrs() != nil {
		t.Errorf("Addrs() = %v after a failed Start; want none", c.Addrs())
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(Configuration{}, newRecorder(), nil, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("empty configuration: got %v; want ErrConfig", err)
	}
	if _, err := New(DefaultConfiguration(), nil, nil, nil); err == nil {
		t.Error("nil handler: got no error")
	}
	reg := prometheus.NewRegistry()
	if _, err := New(DefaultConfiguration(), newRecorder(), nil, reg); err != nil {
		t.Fatal(err)
	}
	if _, err := New(DefaultConfiguration(), newRecorder(), nil, reg); err == nil {
		t.Error("a second listener on the same registry: got no error")
	}
}

func TestStartLogsReceiveBuffer(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := testConfig(2, 8, "127.0.0.1:0")
	cfg.ReceiveBuffer = 256 << 10
	c, err := New(cfg, newRecorder(), logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	want := fmt.Sprintf("msg=\"flow listener started\" listener=%s sockets=2 batch_size=8 receive_buffer_asked=262144 receive_buffer_granted=", c.Addrs()[0])
	if lines := strings.Count(logs.String(), "\n"); !strings.Contains(logs.String(), want) || lines != 1 {
		t.Errorf("logged %q; want one line with %q", logs.String(), want)
	}
}

// TestExportersAllowList: with exporters set, datagrams from other source
// addresses are counted and never reach the handler; an IPv4 exporter
// reaching a dual-stack socket is matched by its IPv4 prefix.
func TestExportersAllowList(t *testing.T) {
	for _, tc := range []struct {
		listen string
		batch  int
	}{
		{"127.0.0.1:0", 1},
		{"127.0.0.1:0", 16},
		{"[::]:0", 16},
	} {
		t.Run(fmt.Sprintf("%s/batch=%d", tc.listen, tc.batch), func(t *testing.T) {
			rec := newRecorder()
			cfg := testConfig(1, tc.batch, tc.listen)
			cfg.Exporters = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32"), netip.MustParsePrefix("192.0.2.0/24")}
			c, reg := start(t, cfg, rec)
			to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), c.Addrs()[0].Port())
			send := func(from string, p string) {
				conn, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(from)), net.UDPAddrFromAddrPort(to))
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if _, err := conn.Write([]byte(p)); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 5 {
				send("127.0.0.3:0", fmt.Sprint("spoofed ", i))
			}
			send("127.0.0.2:0", "exporter")
			waitFor(t, "the exporter's datagram", func() bool { return len(rec.snapshot()) > 0 })
			label := c.Addrs()[0].String()
			waitFor(t, "the others counted", func() bool { return metric(t, reg, "vnetmap_flow_disallowed_datagrams_total", label) == 5 })
			got := rec.snapshot()
			if len(got) != 1 || string(got[0].b) != "exporter" || got[0].from.Addr() != netip.MustParseAddr("127.0.0.2") {
				t.Errorf("handled %d datagrams (%v); want the exporter's alone", len(got), got)
			}
			if n := metric(t, reg, "vnetmap_flow_datagrams_total", label); n != 1 {
				t.Errorf("vnetmap_flow_datagrams_total = %v; want 1", n)
			}
		})
	}
}
