package decode

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// bigTemplate is a NetFlow v9 datagram of domain 1 carrying one template
// of n distinct 4-byte fields (n = 2250: a 9,028-byte datagram, the flood of
// issue 14).
func bigTemplate(id uint16, n int) []byte {
	fields := make([][2]uint16, n)
	for i := range fields {
		fields[i] = [2]uint16{uint16(1000 + i), 4}
	}
	return appendSet(v9Header(), 0, appendTemplateRecord(nil, id, fields))
}

// spoofed is the i-th address of a flood.
func spoofed(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
}

// TestTemplateFloodKeepsUsedTemplates: spoofed exporters each send a 9 KB
// template, never used. The cache stays within its byte budget, and a real
// exporter whose template is in use keeps it: its records are decoded
// during and after the flood.
func TestTemplateFloodKeepsUsedTemplates(t *testing.T) {
	const budget = 4 << 20
	d := NewDecoderLimits(Limits{Bytes: budget})
	real := netip.MustParseAddr("10.214.0.1")
	flows := testFlows(3)
	var out Batch
	if err := d.Decode(real, time.Now(), nfv9(flows, true), &out); err != nil {
		t.Fatal(err)
	}
	n := 5000
	if testing.Short() {
		n = 1000
	}
	var maxBytes int64
	for i := range n {
		if err := d.Decode(spoofed(i), time.Now(), bigTemplate(256, 2250), &out); err != nil {
			t.Fatal(err)
		}
		maxBytes = max(maxBytes, d.Templates().Bytes())
		if i%500 == 0 {
			out.Reset()
			if err := d.Decode(real, time.Now(), nfv9(flows, false), &out); err != nil {
				t.Fatalf("after %d spoofed templates: %v", i+1, err)
			}
			checkFlows(t, out.Records, flows, NetFlowV9, 100)
		}
	}
	if maxBytes > budget {
		t.Errorf("cache held %d bytes; want at most the budget %d", maxBytes, budget)
	}
	s := d.Templates().Stats()
	if s.Evicted == 0 || s.Other.EvictedBudget == 0 {
		t.Errorf("evicted %d, of the spoofed exporters %d; want evictions", s.Evicted, s.Other.EvictedBudget)
	}
	if len(s.PerExporter) != 1 || s.PerExporter[0].Addr != real || s.PerExporter[0].Entries != 3 ||
		s.PerExporter[0].EvictedBudget+s.PerExporter[0].EvictedShare != 0 {
		t.Errorf("per exporter %+v; want the real exporter alone, its 3 entries (2 templates, a state) kept", s.PerExporter)
	}
	out.Reset()
	if err := d.Decode(real, time.Now(), nfv9(flows, false), &out); err != nil {
		t.Fatal(err)
	}
	checkFlows(t, out.Records, flows, NetFlowV9, 100)
}

// TestTemplateExporterShare: one exporter sending template after template
// evicts its own, within its share, and neither another exporter's
// template on probation nor the templates it keeps refreshing itself.
func TestTemplateExporterShare(t *testing.T) {
	d := NewDecoderLimits(Limits{Bytes: 1 << 20})
	l := d.Templates().Limits()
	other, flooder := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	fields := [][2]uint16{{ieProto, 1}, {ieOctets, 4}}
	rec := be.AppendUint32([]byte{6}, 100)
	var out Batch
	if err := d.Decode(other, time.Now(), appendSet(v9Header(), 0, appendTemplateRecord(nil, 300, fields)), &out); err != nil {
		t.Fatal(err)
	}
	for id := range 20000 {
		if err := d.Decode(flooder, time.Now(), bigTemplate(uint16(1000+id%60000), 20), &out); err != nil {
			t.Fatal(err)
		}
		if id%100 == 0 {
			// The flooder's own template in use, refreshed.
			if err := d.Decode(flooder, time.Now(), v9With(256, fields, rec), &out); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := d.Templates().Stats()
	if s.Bytes > l.Bytes {
		t.Errorf("cache holds %d bytes; budget %d", s.Bytes, l.Bytes)
	}
	var fl ExporterStats
	for _, e := range s.PerExporter {
		if e.Addr == flooder {
			fl = e
		}
	}
	if fl.EvictedShare == 0 || fl.Bytes > l.ExporterBytes || fl.Entries > int64(l.ExporterEntries) {
		t.Errorf("flooder %+v; want evictions within its share (%d bytes, %d entries)", fl, l.ExporterBytes, l.ExporterEntries)
	}
	if s.Other.EvictedBudget+s.Other.EvictedShare != 0 || s.Other.Entries != 1 {
		t.Errorf("others %+v; want the other exporter's template kept", s.Other)
	}
	for _, p := range [][]byte{append(v9Header(), appendSet(nil, 300, rec)...), append(v9Header(), appendSet(nil, 256, rec)...)} {
		out.Reset()
		a := other
		if be.Uint16(p[20:]) == 256 {
			a = flooder
		}
		if err := d.Decode(a, time.Now(), p, &out); err != nil || len(out.Records) != 1 {
			t.Errorf("data of %v: %d records, error %v; want its template kept", a, len(out.Records), err)
		}
	}
}

// TestAbsurdTemplatesRefused: templates no exporter can use are refused,
// counted, and leave the cache as it was.
func TestAbsurdTemplatesRefused(t *testing.T) {
	long := make([][2]uint16, 16)
	for i := range long {
		long[i] = [2]uint16{uint16(1000 + i), 4095} // 65,520-byte records
	}
	zeros := [][2]uint16{{ieProto, 1}, {1000, 0}, {1001, 0}}
	var ipfixLong []byte
	ipfixLong = appendSet(nil, 2, appendTemplateRecord(nil, 256, long))
	for _, tc := range []struct {
		name string
		in   []byte
		kind error
		d    *Decoder
	}{
		{"v9 id below 256", appendSet(v9Header(), 0, appendTemplateRecord(nil, 255, tmplFields)), ErrBadLength, nil},
		{"v9 record longer than a datagram", appendSet(v9Header(), 0, appendTemplateRecord(nil, 256, long)), ErrFieldLength, nil},
		{"ipfix record longer than a datagram", ipfixDatagram(ipfixLong), ErrFieldLength, nil},
		{"more fields of length 0 than bytes", appendSet(v9Header(), 0, appendTemplateRecord(nil, 256, zeros)), ErrFieldLength, nil},
		{"larger than an exporter's share", bigTemplate(256, 12000), ErrTemplateTooLarge,
			NewDecoderLimits(Limits{Bytes: 1 << 20, ExporterBytes: 64 << 10})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			if d == nil {
				d = NewDecoder(0)
			}
			var out Batch
			err := d.Decode(exporter, time.Now(), tc.in, &out)
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %v; want %v", err, tc.kind)
			}
			s := d.Templates().Stats()
			if s.Refused != 1 || s.Other.Refused != 1 || s.Entries != 0 || s.Bytes != 0 {
				t.Errorf("refused %d (others %d), %d entries of %d bytes; want 1 refused, nothing held", s.Refused, s.Other.Refused, s.Entries, s.Bytes)
			}
		})
	}
}

// TestTemplateStatsLabels: the exporters reported one by one are those whose
// templates are used, at most MaxLabelledExporters; templates never used
// are summed with the others, and the sums balance.
func TestTemplateStatsLabels(t *testing.T) {
	d := NewDecoder(0)
	var out Batch
	for i := range MaxLabelledExporters + 10 {
		if err := d.Decode(netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}), time.Now(), nfv9(testFlows(1), true), &out); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		if err := d.Decode(spoofed(i), time.Now(), bigTemplate(256, 10), &out); err != nil {
			t.Fatal(err)
		}
	}
	s := d.Templates().Stats()
	if len(s.PerExporter) != MaxLabelledExporters {
		t.Errorf("%d exporters reported one by one; want %d", len(s.PerExporter), MaxLabelledExporters)
	}
	entries, bytes := s.Other.Entries, s.Other.Bytes
	for _, e := range s.PerExporter {
		entries += e.Entries
		bytes += e.Bytes
		if e.Entries != 3 {
			t.Errorf("%v holds %d entries; want 3", e.Addr, e.Entries)
		}
	}
	if want := 3*(MaxLabelledExporters+10) + 50; s.Entries != want || entries != int64(want) || bytes != s.Bytes {
		t.Errorf("entries %d (summed %d), bytes %d (summed %d); want %d entries, sums equal", s.Entries, entries, s.Bytes, bytes, want)
	}
}

// TestTemplateWithdrawalAndReplacement: a changed template replaces the
// old one and a withdrawn one (IPFIX field count 0) is gone; the cache's
// accounting returns to nothing.
func TestTemplateWithdrawalAndReplacement(t *testing.T) {
	d := NewDecoder(0)
	var out Batch
	tmpl := func(fields [][2]uint16) []byte {
		return ipfixDatagram(appendSet(nil, 2, appendTemplateRecord(nil, 300, fields)))
	}
	for _, p := range [][]byte{tmpl(tmplFields), tmpl(tmplFields[:3]), tmpl(tmplFields[:3])} {
		if err := d.Decode(exporter, time.Now(), p, &out); err != nil {
			t.Fatal(err)
		}
	}
	fresh := NewDecoder(0)
	if err := fresh.Decode(exporter, time.Now(), tmpl(tmplFields[:3]), &out); err != nil {
		t.Fatal(err)
	}
	if s := d.Templates().Stats(); s.Entries != 1 || s.Exporters != 1 || s.Bytes != fresh.Templates().Bytes() {
		t.Errorf("after a change: %+v; want the new template alone", s)
	}
	withdraw := be.AppendUint16(nil, 300)
	withdraw = be.AppendUint16(withdraw, 0)
	if err := d.Decode(exporter, time.Now(), ipfixDatagram(appendSet(nil, 2, withdraw)), &out); err != nil {
		t.Fatal(err)
	}
	if s := d.Templates().Stats(); s.Entries != 0 || s.Bytes != 0 || s.Exporters != 0 || s.PerExporter[0].Bytes != 0 {
		t.Errorf("after the withdrawal: %+v; want nothing held", s)
	}
}
