package flowlab

import (
	"context"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// collector receives and decodes export datagrams in the collector
// namespace.
type collector struct {
	conn *net.UDPConn
	dec  *decode.Decoder

	mu      sync.Mutex
	records []decode.Record
	errs    []error
}

func listenCollector(t *testing.T, l *Lab, port uint16) *collector {
	t.Helper()
	c := &collector{dec: decode.NewDecoder(4096)}
	err := l.Do(CollectorNode, func() (err error) {
		c.conn, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(l.Collector, port)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		c.conn.Close()
		<-done
	})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		var batch decode.Batch
		for {
			n, from, err := c.conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			batch.Reset()
			err = c.dec.Decode(from.Addr().Unmap(), time.Now(), buf[:n], &batch)
			c.mu.Lock()
			c.records = append(c.records, batch.Records...)
			if err != nil {
				c.errs = append(c.errs, err)
			}
			c.mu.Unlock()
		}
	}()
	return c
}

// key is the flow direction a record belongs to (for ICMP, the
// destination port is the type and code).
func key(r *decode.Record) Flow {
	return Flow{r.SrcAddr, r.DstAddr, r.Proto, r.SrcPort, r.DstPort}
}

// sums adds up the records received so far per flow direction.
func (c *collector) sums() (map[Flow]Sent, []decode.Record, []error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := map[Flow]Sent{}
	for i := range c.records {
		k := key(&c.records[i])
		v := s[k]
		v.Packets += c.records[i].Packets
		v.Bytes += c.records[i].Bytes
		s[k] = v
	}
	return s, slices.Clone(c.records), slices.Clone(c.errs)
}

// wait returns the sums once every flow of want has at least its counts,
// or at ctx's end.
func (c *collector) wait(ctx context.Context, want map[Flow]Sent) (map[Flow]Sent, []decode.Record, []error) {
	for {
		got, recs, errs := c.sums()
		complete := true
		for k, w := range want {
			if g := got[k]; g.Packets < w.Packets || g.Bytes < w.Bytes {
				complete = false
			}
		}
		if complete || ctx.Err() != nil {
			return got, recs, errs
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func merge(t *testing.T, parts ...map[Flow]Sent) map[Flow]Sent {
	t.Helper()
	all := map[Flow]Sent{}
	for _, p := range parts {
		for k, v := range p {
			if _, dup := all[k]; dup {
				t.Fatalf("flow %v generated twice", k)
			}
			all[k] = v
		}
	}
	return all
}

// generate sends the test's traffic between vm1 and vm2 and returns what
// each flow direction put on the wire.
func generate(ctx context.Context, t *testing.T, l *Lab) map[Flow]Sent {
	t.Helper()
	vm1, vm2 := l.VMs[0], l.VMs[1]
	icmp, err := l.Ping(ctx, vm1, vm2, 5, 56)
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := l.TCPConversation(ctx, vm1, vm2, 40000, 5001, 100000)
	if err != nil {
		t.Fatal(err)
	}
	udp, err := l.UDPDatagrams(ctx, vm1, vm2, 40001, 5002, 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	back, err := l.UDPDatagrams(ctx, vm2, vm1, 40002, 5003, 2, 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := merge(t, icmp, tcp, udp, back)
	// What the generators report against what the test asked for: the
	// payloads, and one packet per echo, reply and datagram.
	a, b := vm1.Addr, vm2.Addr
	for k, w := range map[Flow]Sent{
		{a, b, ICMP, 0, 8 << 8}:  {5, 5 * (20 + 8 + 56)},
		{b, a, ICMP, 0, 0}:       {5, 5 * (20 + 8 + 56)},
		{a, b, UDP, 40001, 5002}: {3, 3 * (20 + 8 + 100)},
		{b, a, UDP, 40002, 5003}: {2, 2 * (20 + 8 + 1000)},
	} {
		if want[k] != w {
			t.Fatalf("%v: generated %+v; want %+v", k, want[k], w)
		}
	}
	fwd, rev := want[Flow{a, b, TCP, 40000, 5001}], want[Flow{b, a, TCP, 5001, 40000}]
	// 100000 bytes of payload in segments of at most 1448 (MTU 1500 less
	// IP, TCP and timestamp headers), plus the SYN and the FIN.
	if fwd.Packets < 100000/1448+2 || fwd.Bytes != 100000+tcpHeaderBytesOf(fwd.Packets) || rev.Bytes != tcpHeaderBytesOf(rev.Packets) {
		t.Fatalf("tcp: generated %+v and %+v; want 100000 payload bytes one way, none back, with 52-byte headers (60 for the SYN)", fwd, rev)
	}
	t.Logf("generated: %v", want)
	return want
}

// tcpHeaderBytesOf is the header bytes of n segments of a Linux connection
// with timestamps, SACK and window scaling, as negotiated between two
// Linux ends by default.
func tcpHeaderBytesOf(n uint64) uint64 { return 60 + (n-1)*52 }

// TestSoftflowdExportsWhatWasSent runs softflowd on the host's bridge with
// NetFlow v9 and IPFIX exports, sends known traffic between two VMs, and
// checks the decoded exports flow by flow against what was sent: packets,
// bytes (payload plus the headers computed from what the sockets sent),
// addresses, ports, the VMs' MACs and the exporter's address.
func TestSoftflowdExportsWhatWasSent(t *testing.T) {
	l := Up(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	exports := []struct {
		version  int
		port     uint16
		protocol decode.Protocol
	}{
		{9, 2055, decode.NetFlowV9},
		{10, 4739, decode.IPFIX},
	}
	collectors := make([]*collector, len(exports))
	exporters := make([]*Exporter, len(exports))
	for i, e := range exports {
		collectors[i] = listenCollector(t, l, e.port)
		exporters[i] = l.StartSoftflowd(t, e.version, e.port)
	}
	want := generate(ctx, t, l)
	for _, e := range exporters {
		if err := e.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	macs := map[netip.Addr]string{}
	for _, v := range l.VMs {
		macs[v.Addr] = v.MAC.String()
	}
	flush := Flow{l.VMs[0].Addr, l.VMs[len(l.VMs)-1].Addr, UDP, FlushPort, FlushPort}
	for i, e := range exports {
		t.Run(e.protocol.String(), func(t *testing.T) {
			wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
			defer wcancel()
			got, recs, errs := collectors[i].wait(wctx, want)
			for _, err := range errs {
				t.Errorf("decode: %v", err)
			}
			for _, k := range slices.SortedFunc(maps.Keys(want), func(a, b Flow) int { return strings.Compare(a.String(), b.String()) }) {
				if got[k] != want[k] {
					t.Errorf("%v: exported %d packets, %d bytes; sent %d, %d", k, got[k].Packets, got[k].Bytes, want[k].Packets, want[k].Bytes)
				}
			}
			for _, r := range recs {
				k := key(&r)
				if _, ok := want[k]; !ok && k != flush {
					t.Errorf("exported a flow nobody sent: %v (%d packets)", k, r.Packets)
				}
				if r.Protocol != e.protocol || r.Exporter != l.Exporter {
					t.Errorf("%v: %s from %s; want %s from %s", k, r.Protocol, r.Exporter, e.protocol, l.Exporter)
				}
				if src, dst := net.HardwareAddr(r.SrcMAC[:]).String(), net.HardwareAddr(r.DstMAC[:]).String(); src != macs[r.SrcAddr] || dst != macs[r.DstAddr] {
					t.Errorf("%v: MACs %s > %s; want %s > %s", k, src, dst, macs[r.SrcAddr], macs[r.DstAddr])
				}
			}
			if t.Failed() {
				out, _ := exporters[i].Control(ctx, "statistics")
				t.Logf("softflowd -v %d statistics:\n%s", e.version, out)
			}
		})
	}
}

// TestTeardown: a lab leaves no namespace or process behind.
func TestTeardown(t *testing.T) {
	l := Up(t, 2)
	l.StartSoftflowd(t, 9, 2055)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	left, err := labNamespaces(l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("namespaces left: %v", left)
	}
	if err := l.Do(CollectorNode, func() error { return nil }); err == nil {
		t.Errorf("the collector namespace still opens")
	}
}
