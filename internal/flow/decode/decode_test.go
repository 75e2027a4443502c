package decode

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

var exporter = netip.MustParseAddr("10.214.0.1")

func checkFlows(t *testing.T, got []Record, want []flowSpec, proto Protocol, rate uint32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records; want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Protocol != proto || g.SrcAddr != w.src || g.DstAddr != w.dst || g.Proto != w.proto ||
			g.SrcPort != w.srcPort || g.DstPort != w.dstPort || g.InIf != w.in || g.OutIf != w.out ||
			g.SrcMAC != w.srcMAC || g.DstMAC != w.dstMAC || g.VLAN != w.vlan || g.SamplingRate != rate {
			t.Errorf("record %d: got %+v; want %+v (rate %d)", i, g, w, rate)
		}
	}
}

func TestNetFlowV9(t *testing.T) {
	d := NewDecoder(0)
	var b Batch
	flows := testFlows(30)
	if err := d.Decode(exporter, time.Now(), nfv9(flows, true), &b); err != nil {
		t.Fatal(err)
	}
	checkFlows(t, b.Records, flows, NetFlowV9, 100)
	r := b.Records[0]
	if r.Bytes != 1500 || r.Packets != 1 || r.Domain != 42 {
		t.Errorf("got bytes %d packets %d domain %d; want 1500 1 42", r.Bytes, r.Packets, r.Domain)
	}
	export := time.Unix(1700000000, 0)
	if want := export.Add(-4 * time.Second); !r.Start.Equal(want) {
		t.Errorf("start %v; want %v", r.Start, want)
	}
	if want := export.Add(-3 * time.Second); !r.End.Equal(want) {
		t.Errorf("end %v; want %v", r.End, want)
	}
}

func TestIPFIX(t *testing.T) {
	d := NewDecoder(0)
	var b Batch
	flows := testFlows(30)
	if err := d.Decode(exporter, time.Now(), ipfix(flows, true), &b); err != nil {
		t.Fatal(err)
	}
	checkFlows(t, b.Records, flows, IPFIX, 100)
	b.Reset()
	if err := d.Decode(exporter, time.Now(), ipfix(flows[:3], false), &b); err != nil {
		t.Fatal(err)
	}
	checkFlows(t, b.Records, flows[:3], IPFIX, 100)
}

func TestSFlow(t *testing.T) {
	d := NewDecoder(0)
	var b Batch
	flows := testFlows(8)
	now := time.Now()
	if err := d.Decode(netip.MustParseAddr("192.0.2.99"), now, sflow(flows), &b); err != nil {
		t.Fatal(err)
	}
	checkFlows(t, b.Records, flows, SFlowV5, 512)
	for _, r := range b.Records {
		if r.Exporter != netip.MustParseAddr("10.214.0.254") || r.Domain != 3 || !r.Time.Equal(now) || r.Packets != 1 {
			t.Fatalf("got exporter %v domain %d time %v packets %d; want the agent 10.214.0.254, 3, now, 1", r.Exporter, r.Domain, r.Time, r.Packets)
		}
	}
	if len(b.Counters) != 1 || b.Counters[0].IfIndex != 3 || b.Counters[0].InOctets != 123456789 || b.Counters[0].InPackets != 13 || b.Counters[0].OutOctets != 987654321 {
		t.Errorf("counters %+v; want ifIndex 3, 123456789 octets and 13 packets in, 987654321 out", b.Counters)
	}
}

func TestNetFlowV5(t *testing.T) {
	b := be.AppendUint16(nil, 5)
	b = be.AppendUint16(b, 1)
	b = be.AppendUint32(b, 10000)
	b = be.AppendUint32(b, 1700000000)
	b = be.AppendUint32(b, 0)
	b = be.AppendUint32(b, 1)
	b = append(b, 1, 2)
	b = be.AppendUint16(b, 0x4000|64)
	rec := []byte{10, 214, 0, 1, 10, 214, 0, 2, 0, 0, 0, 0, 0, 3, 0, 7}
	rec = be.AppendUint32(rec, 5)
	rec = be.AppendUint32(rec, 420)
	rec = be.AppendUint32(rec, 9000)
	rec = be.AppendUint32(rec, 9500)
	rec = be.AppendUint16(rec, 0)
	rec = be.AppendUint16(rec, 0x0800)
	rec = append(rec, 0, 0, 1, 0, 0, 0, 0, 0, 24, 24, 0, 0)
	b = append(b, rec...)
	var out Batch
	if err := NewDecoder(0).Decode(exporter, time.Now(), b, &out); err != nil {
		t.Fatal(err)
	}
	r := out.Records[0]
	if r.SrcAddr.String() != "10.214.0.1" || r.DstAddr.String() != "10.214.0.2" || r.Proto != 1 || r.Bytes != 420 ||
		r.Packets != 5 || r.InIf != 3 || r.OutIf != 7 || r.SamplingRate != 64 || r.Domain != 0x0102 {
		t.Errorf("got %+v", r)
	}
	if want := time.Unix(1700000000, 0).Add(-500 * time.Millisecond); !r.End.Equal(want) {
		t.Errorf("end %v; want %v", r.End, want)
	}
}

func TestErrors(t *testing.T) {
	v9 := nfv9(testFlows(2), true)
	ipx := ipfix(testFlows(2), true)
	zeroLen := nfv9(nil, false)[:20]
	zeroLen = appendSet(zeroLen, 0, appendTemplateRecord(nil, 256, [][2]uint16{{ieOctets, 0}}))
	overflow := nfv9(nil, false)[:20]
	overflow = appendSet(overflow, 0, appendTemplateRecord(nil, 256, [][2]uint16{{ieOctets, 4}})[:4])
	be.PutUint16(overflow[20+6:], 5000)
	lyingSample := sflow(testFlows(1))
	be.PutUint32(lyingSample[32:], 1<<20)
	tests := []struct {
		name string
		in   []byte
		want error
		off  int
	}{
		{"empty", nil, ErrTruncated, 0},
		{"unknown version", []byte{0, 7, 0, 0}, ErrUnknownVersion, 0},
		{"v9 header cut", v9[:10], ErrTruncated, 8},
		{"v9 set length lies", append(append([]byte{}, v9[:20]...), 0, 0, 0xff, 0xff), ErrBadLength, 22},
		{"v9 no template", nfv9(testFlows(2), false), ErrTemplateMissing, 20},
		{"v9 template of no bytes", zeroLen, ErrFieldLength, 24},
		{"v9 field count overflow", overflow, ErrCountOverflow, 26},
		{"ipfix length lies", append(append([]byte{}, ipx[:2]...), append([]byte{0xff, 0xff}, ipx[4:]...)...), ErrBadLength, 2},
		{"ipfix truncated", ipx[:len(ipx)-3], ErrBadLength, 2},
		{"v5 count overflow", append([]byte{0, 5, 0, 200}, make([]byte, 20)...), ErrCountOverflow, 2},
		{"v5 truncated", append([]byte{0, 5, 0, 2}, make([]byte, 40)...), ErrTruncated, 44},
		{"sflow sample length lies", lyingSample, ErrBadLength, 32},
		{"sflow cut", sflow(testFlows(1))[:30], ErrTruncated, 28},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(0)
			var b Batch
			err := d.Decode(exporter, time.Now(), tc.in, &b)
			var de *Error
			if !errors.As(err, &de) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v; want %v", err, tc.want)
			}
			if de.Offset != tc.off || de.Field == "" {
				t.Errorf("got offset %d field %q; want offset %d and a field (%v)", de.Offset, de.Field, tc.off, err)
			}
			if got := d.Stats().Errors()[tc.want]; got != 1 {
				t.Errorf("counted %d %v; want 1", got, tc.want)
			}
		})
	}
}

// TestTemplateFlood sends templates from many exporters and domains: the
// cache stays within its capacity, and a template in use survives.
func TestTemplateFlood(t *testing.T) {
	d := NewDecoder(1024)
	var b Batch
	for i := range 20000 {
		p := nfv9(nil, true)[:20]
		be.PutUint32(p[16:], uint32(i))
		p = appendSet(p, 0, appendTemplateRecord(nil, uint16(256+i%1000), tmplFields))
		a := netip.AddrFrom4([4]byte{10, 214, byte(i >> 8), byte(i)})
		if err := d.Decode(a, time.Now(), p, &b); err != nil {
			t.Fatal(err)
		}
	}
	if n := d.Templates().Len(); n > 1024 {
		t.Errorf("cache holds %d entries; want at most 1024", n)
	}
	if d.Templates().Evicted() == 0 {
		t.Error("nothing evicted")
	}
}

func TestConcurrent(t *testing.T) {
	d := NewDecoder(0)
	tmpl := nfv9(testFlows(30), true)
	data := nfv9(testFlows(30), false)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b Batch
			a := netip.AddrFrom4([4]byte{10, 214, 0, byte(g)})
			for i := range 200 {
				b.Reset()
				p := data
				if i%50 == 0 {
					p = tmpl
				}
				if err := d.Decode(a, time.Now(), p, &b); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestTemplateMissCountedPerSet: a datagram with three data sets of unknown
// templates counts three misses, once each.
func TestTemplateMissCountedPerSet(t *testing.T) {
	b := nfv9(testFlows(1), false)
	var data []byte
	for _, f := range testFlows(1) {
		data = appendFlow(data, f)
	}
	b = appendSet(appendSet(b, 300, data), 301, data)
	d := NewDecoder(64)
	var out Batch
	err := d.Decode(netip.MustParseAddr("10.214.0.9"), time.Unix(1700000000, 0), b, &out)
	if !errors.Is(err, ErrTemplateMissing) {
		t.Fatalf("Decode error = %v; want a template miss", err)
	}
	if got := d.Stats().Errors()[ErrTemplateMissing]; got != 3 {
		t.Errorf("template misses counted = %d; want 3 (one per data set)", got)
	}
}
