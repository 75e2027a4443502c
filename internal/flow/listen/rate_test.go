package listen

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/cpu"

	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// The loopback measurement: a sender process paces NetFlow v9 datagrams
// (a template and 30 records each) at fixed rates to a listener in this
// process whose handler decodes them; each step reports what was sent,
// received and decoded and the CPU each side used. See BENCHMARKS.md.
//
//	VNETMAP_LOOPBACK_RATE=1 go test -run TestLoopbackRate -v ./internal/flow/listen
//
// Optional: VNETMAP_LOOPBACK_SECONDS (per step, default 5, at most 10),
// VNETMAP_LOOPBACK_BATCH (batch sizes compared, default "1,64"),
// VNETMAP_LOOPBACK_RCVBUF (receive buffer in bytes, default the default).

const recordsPerDatagram = 30

// Test NetFlow v9 encoding (RFC 3954): a template of IPv4 5-tuple,
// counters, ifIndexes, MACs, VLAN and uptime stamps, as exporters send.
var nf9Fields = [][2]uint16{
	{8, 4}, {12, 4}, {4, 1}, {7, 2}, {11, 2}, // addresses, protocol, ports
	{1, 4}, {2, 4}, {10, 4}, {14, 4}, // octets, packets, input and output ifIndex
	{56, 6}, {80, 6}, {58, 2}, {22, 4}, {21, 4}, // MACs, VLAN, first and last switched
}

// nf9Datagram builds a NetFlow v9 datagram with the template (id 256) and
// 30 records; seq varies the sequence number and the addresses.
func nf9Datagram(seq uint32) []byte {
	be := binary.BigEndian
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, 1+recordsPerDatagram) // records of all sets
	b = be.AppendUint32(b, 3600_000)             // uptime, ms
	b = be.AppendUint32(b, uint32(time.Now().Unix()))
	b = be.AppendUint32(b, seq)
	b = be.AppendUint32(b, 1) // source id
	// Template set.
	b = be.AppendUint16(b, 0)
	b = be.AppendUint16(b, uint16(4+4+4*len(nf9Fields)))
	b = be.AppendUint16(b, 256)
	b = be.AppendUint16(b, uint16(len(nf9Fields)))
	for _, f := range nf9Fields {
		b = be.AppendUint16(b, f[0])
		b = be.AppendUint16(b, f[1])
	}
	// Data set.
	start := len(b)
	b = be.AppendUint16(b, 256)
	b = be.AppendUint16(b, 0) // length, set below
	for i := range recordsPerDatagram {
		n := byte(seq) + byte(i)
		b = append(b, 10, 1, 0, n, 10, 2, 0, n) // addresses
		b = append(b, 6)                        // TCP
		b = be.AppendUint16(b, uint16(40000+i))
		b = be.AppendUint16(b, 443)
		b = be.AppendUint32(b, uint32(1500*(i+1)))
		b = be.AppendUint32(b, uint32(i+1))
		b = be.AppendUint32(b, 3)
		b = be.AppendUint32(b, 7)
		b = append(b, 2, 0, 0, 1, 0, n, 2, 0, 0, 2, 0, n) // MACs
		b = be.AppendUint16(b, 110)
		b = be.AppendUint32(b, 3500_000)
		b = be.AppendUint32(b, 3599_000)
	}
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	be.PutUint16(b[start+2:], uint16(len(b)-start))
	return b
}

func TestNF9DatagramDecodes(t *testing.T) {
	d := decode.NewDecoder(0)
	var out decode.Batch
	if err := d.Decode(netip.MustParseAddr("127.0.0.1"), time.Now(), nf9Datagram(7), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != recordsPerDatagram {
		t.Fatalf("decoded %d records; want %d", len(out.Records), recordsPerDatagram)
	}
	r := out.Records[29]
	if r.SrcAddr != netip.MustParseAddr("10.1.0.36") || r.DstPort != 443 || r.Bytes != 45000 || r.VLAN != 110 || r.OutIf != 7 {
		t.Errorf("record 29 = %+v", r)
	}
}

// senderSpec is what the parent tells the sender process.
type senderSpec struct {
	To       string        `json:"to"`
	Rate     int           `json:"rate"` // datagrams per second
	Duration time.Duration `json:"duration"`
	Sockets  int           `json:"sockets"`
}

// senderReport is what the sender process answers on its standard output.
type senderReport struct {
	Sent       int     `json:"sent"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	Errors     int     `json:"errors"`
}

func TestMain(m *testing.M) {
	if spec := os.Getenv("VNETMAP_LOOPBACK_SENDER"); spec != "" {
		os.Exit(runSender(spec))
	}
	os.Exit(m.Run())
}

// runSender paces datagrams with sendmmsg from several sockets (so that
// the listener's SO_REUSEPORT sockets share them) and reports.
func runSender(specJSON string) int {
	var spec senderSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	to, err := net.ResolveUDPAddr("udp", spec.To)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var conns []*ipv4.PacketConn
	for range spec.Sockets {
		c, err := net.DialUDP("udp", nil, to)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		conns = append(conns, ipv4.NewPacketConn(c))
	}
	const burst = 32
	msgs := make([]ipv4.Message, burst)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{nf9Datagram(uint32(i))}
	}
	// A sender that fell behind (descheduled) does not catch up with a
	// burst of more than 5 ms of traffic: exporters do not either. What it
	// skips shows as a sent rate below the rate asked.
	maxBehind := max(spec.Rate/200, burst)
	skipped := 0
	var rep senderReport
	begin := time.Now()
	for i := 0; ; i++ {
		elapsed := time.Since(begin)
		if elapsed >= spec.Duration {
			break
		}
		target := int(float64(spec.Rate)*elapsed.Seconds()) - skipped
		if behind := target - rep.Sent; behind > maxBehind {
			skipped += behind - maxBehind
			target -= behind - maxBehind
		}
		for rep.Sent < target {
			k := min(target-rep.Sent, burst)
			n, err := conns[i%len(conns)].WriteBatch(msgs[:k], 0)
			rep.Sent += n
			if err != nil {
				rep.Errors++
			}
			i++
		}
		time.Sleep(100 * time.Microsecond)
	}
	rep.Seconds = time.Since(begin).Seconds()
	rep.CPUSeconds = cpuSeconds()
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return 2
	}
	return 0
}

// cpuSeconds is the user and system CPU time of this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// decoding is the measured handler: it decodes with one shared decoder and
// a batch per worker, and counts.
type decoding struct {
	dec     *decode.Decoder
	workers []decodingWorker
}

type decodingWorker struct {
	_         cpu.CacheLinePad
	batch     decode.Batch
	datagrams atomic.Uint64
	records   atomic.Uint64
	errors    atomic.Uint64
	_         cpu.CacheLinePad
}

func (d *decoding) HandleDatagram(worker int, from netip.AddrPort, b []byte, received time.Time) {
	w := &d.workers[worker]
	w.batch.Reset()
	if err := d.dec.Decode(from.Addr(), received, b, &w.batch); err != nil {
		w.errors.Add(1)
	}
	w.datagrams.Add(1)
	w.records.Add(uint64(len(w.batch.Records)))
}

func (d *decoding) totals() (datagrams, records, errors uint64) {
	for i := range d.workers {
		datagrams += d.workers[i].datagrams.Load()
		records += d.workers[i].records.Load()
		errors += d.workers[i].errors.Load()
	}
	return
}

// step is one measured rate.
type step struct {
	batch                    int
	load                     string // load average (1 min) at the end
	rate                     int    // datagrams/s asked
	sent, received, records  uint64
	sendSeconds, listenerCPU float64
	senderCPU, drops, loss   float64
	decodeErrs               bool
	mallocs                  uint64 // heap allocations in the listener process
}

// lossless: the listener handled what was sent (< 0.1 % lost) and every
// datagram decoded to its 30 records.
func (s step) lossless() bool { return s.loss < 0.001 && !s.decodeErrs }

// achieved is the rate the sender kept up.
func (s step) achieved() float64 { return float64(s.sent) / s.sendSeconds }

// senderLimited: the sender, sharing the 2 cores, fell 1 % short of the
// rate asked; the step then measures the rate it kept up.
func (s step) senderLimited() bool { return s.achieved() < 0.99*float64(s.rate) }

func (s step) String() string {
	verdict := "ok"
	switch {
	case !s.lossless():
		verdict = "LOSS"
	case s.senderLimited():
		verdict = "ok, sender-limited"
	}
	return fmt.Sprintf("| %d | %d | %d | %.0f | %d | %.3f %% | %.0f | %.0f %% | %.2f | %.1f | %.0f %% | %s | %s |",
		s.batch, s.rate, s.rate*recordsPerDatagram, s.achieved(), s.received, 100*s.loss, s.drops,
		100*s.listenerCPU/s.sendSeconds, 1e6*s.listenerCPU/float64(max(s.received, 1)),
		float64(s.mallocs)/float64(max(s.received, 1)), 100*s.senderCPU/s.sendSeconds, s.load, verdict)
}

func TestLoopbackRate(t *testing.T) {
	if os.Getenv("VNETMAP_LOOPBACK_RATE") == "" {
		t.Skip("a measurement of minutes: set VNETMAP_LOOPBACK_RATE=1 to run it")
	}
	seconds := 5
	if s := os.Getenv("VNETMAP_LOOPBACK_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10 {
			t.Fatalf("VNETMAP_LOOPBACK_SECONDS=%q: want 1 to 10", s)
		}
		seconds = n
	}
	batches := "1,64"
	if s := os.Getenv("VNETMAP_LOOPBACK_BATCH"); s != "" {
		batches = s
	}
	rcvbuf := DefaultConfiguration().ReceiveBuffer
	if s := os.Getenv("VNETMAP_LOOPBACK_RCVBUF"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("VNETMAP_LOOPBACK_RCVBUF=%q is not a number", s)
		}
		rcvbuf = n
	}
	// One listener per batch size, all started; at each rate they are
	// measured one after the other so that they share the machine's mood.
	type mode struct {
		batch          int
		c              *Component
		reg            *prometheus.Registry
		h              *decoding
		best, failures int
	}
	var modes []*mode
	for _, bs := range strings.Split(batches, ",") {
		batch, err := strconv.Atoi(bs)
		if err != nil {
			t.Fatalf("VNETMAP_LOOPBACK_BATCH: %q is not a number", bs)
		}
		cfg := DefaultConfiguration()
		cfg.Listen, cfg.BatchSize, cfg.ReceiveBuffer = []string{"127.0.0.1:0"}, batch, rcvbuf
		h := &decoding{dec: decode.NewDecoder(0), workers: make([]decodingWorker, cfg.Workers())}
		c, reg := start(t, cfg, h)
		modes = append(modes, &mode{batch: batch, c: c, reg: reg, h: h})
	}
	t.Logf("GOMAXPROCS %d, %d sockets per listener, receive buffer %d bytes (granted %.0f), %d s per step",
		runtime.GOMAXPROCS(0), modes[0].c.Workers(), rcvbuf,
		metric(t, modes[0].reg, "vnetmap_flow_receive_buffer_bytes", modes[0].c.Addrs()[0].String()), seconds)
	measure := func(m *mode, rate int) step {
		addr := m.c.Addrs()[0].String()
		d0, r0, e0 := m.h.totals()
		drops0 := metric(t, m.reg, "vnetmap_flow_kernel_drops_total", addr)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		cpu0, mallocs0 := cpuSeconds(), ms.Mallocs
		rep := send(t, senderSpec{To: addr, Rate: rate, Duration: time.Duration(seconds) * time.Second, Sockets: 16})
		// Let the listener drain its queues.
		last, stable := uint64(0), 0
		for stable < 5 {
			time.Sleep(50 * time.Millisecond)
			d, _, _ := m.h.totals()
			if d == last {
				stable++
			} else {
				last, stable = d, 0
			}
		}
		cpu1 := cpuSeconds()
		runtime.ReadMemStats(&ms)
		d1, r1, e1 := m.h.totals()
		s := step{batch: m.batch, rate: rate, sent: uint64(rep.Sent), received: d1 - d0, records: r1 - r0,
			mallocs: ms.Mallocs - mallocs0, sendSeconds: rep.Seconds, senderCPU: rep.CPUSeconds, listenerCPU: cpu1 - cpu0,
			drops:      metric(t, m.reg, "vnetmap_flow_kernel_drops_total", addr) - drops0,
			decodeErrs: e1 != e0 || r1-r0 != recordsPerDatagram*(d1-d0), load: loadavg()}
		s.loss = 1 - float64(s.received)/float64(max(s.sent, 1))
		if rep.Errors > 0 {
			t.Logf("sender: %d failed sends", rep.Errors)
		}
		return s
	}
	// A ladder of rates, 25 % apart; a batch size leaves it after two
	// failures in a row (one may be another process's burst): steps with
	// loss, or where the sender kept up less than 90 % of the rate. The
	// result is the highest rate the sender kept up without loss.
	t.Log("| batch_size | datagrams/s asked | records/s | sent/s | received | loss | kernel drops | listener CPU | µs CPU/datagram | allocs/datagram | sender CPU | load | |")
	for rate := 20000; rate <= 400000; rate = rate * 5 / 4 {
		running := 0
		for _, m := range modes {
			if m.failures >= 2 {
				continue
			}
			running++
			s := measure(m, rate)
			t.Log(s)
			switch {
			case !s.lossless():
				m.failures++
			case s.achieved() < 0.9*float64(rate):
				// The machine cannot send much more: count it towards the end.
				m.best = max(m.best, int(s.achieved()))
				m.failures++
			default:
				m.best, m.failures = max(m.best, int(s.achieved())), 0
			}
		}
		if running == 0 {
			break
		}
	}
	for _, m := range modes {
		t.Logf("batch_size %d: highest rate sent with < 0.1 %% loss: %d datagrams/s = %d records/s", m.batch, m.best, m.best*recordsPerDatagram)
		if _, _, errs := m.h.totals(); errs != 0 {
			t.Errorf("batch_size %d: %d datagrams failed to decode", m.batch, errs)
		}
	}
}

// send runs the sender process and returns its report.
func send(t *testing.T, spec senderSpec) senderReport {
	t.Helper()
	js, _ := json.Marshal(spec)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VNETMAP_LOOPBACK_SENDER="+string(js))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sender: %v: %s", err, stderr.Bytes())
	}
	var rep senderReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("sender answered %q: %v", out, err)
	}
	return rep
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}
