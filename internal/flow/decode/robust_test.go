package decode

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// Shapes of real exporters' datagrams that once cost records, each encoded
// here from the RFCs (3954, 7011, 7012; sFlow v5): bad parts next to good
// ones, padding, odd field lengths, sets out of order, vendor fields.

// v9Header is a NetFlow v9 header (count 0: the decoder does not use it)
// from source id 1.
func v9Header() []byte {
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, 0)
	b = be.AppendUint32(b, 5000)
	b = be.AppendUint32(b, 1700000000)
	b = be.AppendUint32(b, 1)
	return be.AppendUint32(b, 1)
}

// ipfixDatagram wraps sets in an IPFIX header (domain 7) with its length.
func ipfixDatagram(sets []byte) []byte {
	b := be.AppendUint16(nil, 10)
	b = be.AppendUint16(b, 0)
	b = be.AppendUint32(b, 1700000000)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 7)
	b = append(b, sets...)
	be.PutUint16(b[2:], uint16(len(b)))
	return b
}

// flowData is the data set body of flows with tmplFields.
func flowData(flows []flowSpec) []byte {
	var b []byte
	for _, f := range flows {
		b = appendFlow(b, f)
	}
	return b
}

func decodeOne(t *testing.T, b []byte) (Batch, error) {
	t.Helper()
	var out Batch
	err := NewDecoder(0).Decode(exporter, time.Now(), b, &out)
	var de *Error
	if err != nil && !errors.As(err, &de) {
		t.Fatalf("error %v is not an *Error", err)
	}
	return out, err
}

// TestBadPartKeepsGoodRecords: a bad set, template, record or sample costs
// itself; the records of the rest of the datagram are decoded (cause 12).
func TestBadPartKeepsGoodRecords(t *testing.T) {
	flows := testFlows(4)
	// A template set whose template claims more fields than it holds,
	// between two good data sets.
	badTmpl := appendTemplateRecord(nil, 300, [][2]uint16{{ieOctets, 4}})
	be.PutUint16(badTmpl[2:], 50)
	v9 := appendSet(v9Header(), 0, appendTemplateRecord(nil, 256, tmplFields))
	v9 = appendSet(v9, 256, flowData(flows[:2]))
	v9 = appendSet(v9, 0, badTmpl)
	v9 = appendSet(v9, 256, flowData(flows[2:]))

	// A template with a bad id (< 256) before a good template in one set.
	twoTmpl := appendTemplateRecord(nil, 12, tmplFields)
	twoTmpl = appendTemplateRecord(twoTmpl, 256, tmplFields)
	v9BadID := appendSet(v9Header(), 0, twoTmpl)
	v9BadID = appendSet(v9BadID, 256, flowData(flows))

	// IPFIX: a variable-length field whose length runs past its set, in
	// the last record of a set followed by a good set.
	varTmpl := appendTemplateRecord(nil, 400, [][2]uint16{{ieSrcAddr4, 4}, {82, varLength}})
	varSet := append(append([]byte{}, 10, 0, 0, 1, 3, 'e', 't', 'h'), 10, 0, 0, 2, 200, 'x')
	ipx := appendSet(nil, 2, appendTemplateRecord(varTmpl, 256, tmplFields))
	ipx = appendSet(ipx, 400, varSet)
	ipx = appendSet(ipx, 256, flowData(flows))
	ipx = ipfixDatagram(ipx)

	// sFlow: a sample whose record length lies, between good samples.
	sf := sflow(testFlows(3))
	// The second sample (expanded) starts after the header (28 bytes)
	// and the first sample; its first record's length is after its 40
	// bytes of sample fields, record count and record format.
	second := 28 + 8 + int(be.Uint32(sf[28+4:]))
	be.PutUint32(sf[second+8+40+4+4:], 1<<20)

	// NetFlow v5 cut in its third record: the two whole ones are kept.
	v5 := append([]byte{0, 5, 0, 3}, make([]byte, 20+48*2+10)...)

	tests := []struct {
		name    string
		in      []byte
		records int
		want    error
	}{
		{"v9 bad template between data sets", v9, 4, ErrCountOverflow},
		{"v9 bad template id before a good one", v9BadID, 4, ErrBadLength},
		{"ipfix bad variable-length record", ipx, 5, ErrTruncated},
		{"sflow bad sample between good ones", sf, 2, ErrBadLength},
		{"v5 cut in a record", v5, 2, ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeOne(t, tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v; want %v", err, tc.want)
			}
			if len(out.Records) != tc.records {
				t.Errorf("got %d records; want %d", len(out.Records), tc.records)
			}
		})
	}
}

// TestTemplatedShapes covers cause 13: padding after the last set, fields
// of length 0, NetFlow v9 and IPFIX variable-length fields, options
// templates without scope, data sets before their template.
func TestTemplatedShapes(t *testing.T) {
	flows := testFlows(3)
	padded := appendSet(v9Header(), 0, appendTemplateRecord(nil, 256, tmplFields))
	padded = appendSet(padded, 256, flowData(flows))
	padded = append(padded, make([]byte, 12)...)

	// A zero-length field between two others.
	zero := appendTemplateRecord(nil, 256, [][2]uint16{{ieSrcAddr4, 4}, {ieOctets, 0}, {ieDstAddr4, 4}})
	zeroLen := appendSet(v9Header(), 0, zero)
	zeroLen = appendSet(zeroLen, 256, []byte{10, 0, 0, 1, 10, 0, 0, 2})

	// NetFlow v9 variable-length field (H3C): interface name, 1-byte and
	// 3-byte length forms.
	long := make([]byte, 300)
	varRec := append([]byte{10, 0, 0, 1, 4}, "eth0"...)
	varRec = append(varRec, 10, 0, 0, 3, 255, 1, 44)
	varRec = append(varRec, long...)
	v9Var := appendSet(v9Header(), 0, appendTemplateRecord(nil, 256, [][2]uint16{{ieSrcAddr4, 4}, {82, varLength}}))
	v9Var = appendSet(v9Var, 256, varRec)
	ipxVar := ipfixDatagram(appendSet(appendSet(nil, 2, appendTemplateRecord(nil, 256, [][2]uint16{{ieSrcAddr4, 4}, {82, varLength}})), 256, varRec))

	// Options templates with no scope: NetFlow v9 scope length 0, IPFIX
	// scope count 0; their sampling interval applies to the data.
	v9Opt := be.AppendUint16(nil, 257)
	v9Opt = be.AppendUint16(v9Opt, 0) // scope length
	v9Opt = be.AppendUint16(v9Opt, 4) // option length
	v9Opt = be.AppendUint16(v9Opt, ieSamplingIntvl)
	v9Opt = be.AppendUint16(v9Opt, 4)
	v9NoScope := appendSet(v9Header(), 1, v9Opt)
	v9NoScope = appendSet(v9NoScope, 257, be.AppendUint32(nil, 64))
	v9NoScope = appendSet(v9NoScope, 0, appendTemplateRecord(nil, 256, tmplFields))
	v9NoScope = appendSet(v9NoScope, 256, flowData(flows))
	ipxOpt := be.AppendUint16(nil, 257)
	ipxOpt = be.AppendUint16(ipxOpt, 1) // field count
	ipxOpt = be.AppendUint16(ipxOpt, 0) // scope count
	ipxOpt = be.AppendUint16(ipxOpt, ieSamplingIntvl)
	ipxOpt = be.AppendUint16(ipxOpt, 4)
	ipxNoScope := appendSet(nil, 3, ipxOpt)
	ipxNoScope = appendSet(ipxNoScope, 257, be.AppendUint32(nil, 64))
	ipxNoScope = appendSet(ipxNoScope, 2, appendTemplateRecord(nil, 256, tmplFields))
	ipxNoScope = ipfixDatagram(appendSet(ipxNoScope, 256, flowData(flows)))

	// Data sets before their template (and before the sampling options).
	before := appendSet(v9Header(), 256, flowData(flows))
	before = appendSet(before, 257, be.AppendUint32(nil, 64))
	before = appendSet(before, 1, v9Opt)
	before = appendSet(before, 0, appendTemplateRecord(nil, 256, tmplFields))
	ipxBefore := appendSet(nil, 256, flowData(flows))
	ipxBefore = ipfixDatagram(appendSet(ipxBefore, 2, appendTemplateRecord(nil, 256, tmplFields)))

	tests := []struct {
		name    string
		in      []byte
		records int
		rate    uint32
	}{
		{"v9 zero padding after the last set", padded, 3, 0},
		{"v9 field of length 0", zeroLen, 1, 0},
		{"v9 variable-length field", v9Var, 2, 0},
		{"ipfix variable-length field, both forms", ipxVar, 2, 0},
		{"v9 options template with scope length 0", v9NoScope, 3, 64},
		{"ipfix options template with scope count 0", ipxNoScope, 3, 64},
		{"v9 data set before its template", before, 3, 64},
		{"ipfix data set before its template", ipxBefore, 3, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decodeOne(t, tc.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if len(out.Records) != tc.records {
				t.Fatalf("got %d records; want %d", len(out.Records), tc.records)
			}
			r := out.Records[0]
			if r.SrcAddr != netip.MustParseAddr("10.214.0.1") && r.SrcAddr != netip.MustParseAddr("10.0.0.1") {
				t.Errorf("first record from %v", r.SrcAddr)
			}
			if r.SamplingRate != tc.rate {
				t.Errorf("sampling rate %d; want %d", r.SamplingRate, tc.rate)
			}
			if tc.records > 1 && out.Records[1].SrcAddr == r.SrcAddr && tc.name != "v9 zero padding after the last set" {
				t.Errorf("second record %v repeats the first", out.Records[1].SrcAddr)
			}
		})
	}
}

// TestAddressFamilies: a record with IPv4 and IPv6 address fields fills the
// family it does not use with zeros; those never overwrite the other
// (cause 14).
func TestAddressFamilies(t *testing.T) {
	v4 := []byte{192, 0, 2, 1}
	v6 := netip.MustParseAddr("2001:db8::1").AsSlice()
	zero4, zero6 := make([]byte, 4), make([]byte, 16)
	tests := []struct {
		name   string
		fields [][2]uint16
		values [][]byte
		want   string
	}{
		{"v4 then zero v6", [][2]uint16{{ieSrcAddr4, 4}, {ieSrcAddr6, 16}}, [][]byte{v4, zero6}, "192.0.2.1"},
		{"zero v6 then v4", [][2]uint16{{ieSrcAddr6, 16}, {ieSrcAddr4, 4}}, [][]byte{zero6, v4}, "192.0.2.1"},
		{"v6 then zero v4", [][2]uint16{{ieSrcAddr6, 16}, {ieSrcAddr4, 4}}, [][]byte{v6, zero4}, "2001:db8::1"},
		{"zero v4 then v6", [][2]uint16{{ieSrcAddr4, 4}, {ieSrcAddr6, 16}}, [][]byte{zero4, v6}, "2001:db8::1"},
		{"both zero", [][2]uint16{{ieSrcAddr4, 4}, {ieSrcAddr6, 16}}, [][]byte{zero4, zero6}, "::"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec []byte
			for _, v := range tc.values {
				rec = append(rec, v...)
			}
			out, err := decodeOne(t, v9With(256, tc.fields, rec))
			if err != nil || len(out.Records) != 1 {
				t.Fatalf("error %v, %d records", err, len(out.Records))
			}
			if got := out.Records[0].SrcAddr.String(); got != tc.want {
				t.Errorf("source %s; want %s", got, tc.want)
			}
		})
	}
}

// TestVendorFields covers cause 15: Cisco ASA/NSEL initiator and responder
// counters, ICMP type and code IEs 176-179, the end from start + duration.
func TestVendorFields(t *testing.T) {
	start := time.UnixMilli(1699999990123)
	u64 := func(v uint64) []byte { return be.AppendUint64(nil, v) }
	u32 := func(v uint32) []byte { return be.AppendUint32(nil, v) }
	tests := []struct {
		name          string
		fields        [][2]uint16
		values        [][]byte
		bytes, pkts   uint64
		dstPort       uint16
		start, end    time.Time
		proto         Protocol
		wantNoEndTime bool
	}{
		{name: "asa initiator and responder",
			fields: [][2]uint16{{ieInitOctets, 8}, {ieRespOctets, 8}, {ieInitPackets, 8}, {ieRespPackets, 8}},
			values: [][]byte{u64(1000), u64(5000), u64(10), u64(7)}, bytes: 6000, pkts: 17},
		{name: "usual counters win",
			fields: [][2]uint16{{ieOctets, 4}, {iePackets, 4}, {ieInitOctets, 8}, {ieInitPackets, 8}},
			values: [][]byte{u32(300), u32(3), u64(1000), u64(10)}, bytes: 300, pkts: 3},
		{name: "icmpv4 type and code",
			fields: [][2]uint16{{ieProto, 1}, {ieICMPTypeIPv4, 1}, {ieICMPCodeIPv4, 1}},
			values: [][]byte{{1}, {3}, {13}}, dstPort: 3<<8 | 13},
		{name: "icmpv6 code before type",
			fields: [][2]uint16{{ieProto, 1}, {ieICMPCodeIPv6, 1}, {ieICMPTypeIPv6, 1}},
			values: [][]byte{{58}, {0}, {129}}, dstPort: 129 << 8},
		{name: "start and duration in ms",
			fields: [][2]uint16{{ieStartMillis, 8}, {ieDurationMillis, 4}},
			values: [][]byte{u64(uint64(start.UnixMilli())), u32(2500)},
			start:  start, end: start.Add(2500 * time.Millisecond)},
		{name: "start and duration in µs",
			fields: [][2]uint16{{ieDurationMicros, 4}, {ieStartMillis, 8}},
			values: [][]byte{u32(1500), u64(uint64(start.UnixMilli()))},
			start:  start, end: start.Add(1500 * time.Microsecond)},
		{name: "end sent: duration ignored",
			fields: [][2]uint16{{ieStartMillis, 8}, {ieEndMillis, 8}, {ieDurationMillis, 4}},
			values: [][]byte{u64(uint64(start.UnixMilli())), u64(uint64(start.UnixMilli()) + 100), u32(99999)},
			start:  start, end: start.Add(100 * time.Millisecond)},
	}
	for _, tc := range tests {
		for _, proto := range []Protocol{NetFlowV9, IPFIX} {
			t.Run(tc.name+"/"+proto.String(), func(t *testing.T) {
				var rec []byte
				for _, v := range tc.values {
					rec = append(rec, v...)
				}
				in := v9With(256, tc.fields, rec)
				if proto == IPFIX {
					in = ipfixDatagram(appendSet(appendSet(nil, 2, appendTemplateRecord(nil, 256, tc.fields)), 256, rec))
				}
				out, err := decodeOne(t, in)
				if err != nil || len(out.Records) != 1 {
					t.Fatalf("error %v, %d records", err, len(out.Records))
				}
				r := out.Records[0]
				if r.Bytes != tc.bytes || r.Packets != tc.pkts || r.DstPort != tc.dstPort {
					t.Errorf("bytes %d packets %d dst port %d; want %d %d %d", r.Bytes, r.Packets, r.DstPort, tc.bytes, tc.pkts, tc.dstPort)
				}
				if !r.Start.Equal(tc.start) || !r.End.Equal(tc.end) {
					t.Errorf("%v to %v; want %v to %v", r.Start, r.End, tc.start, tc.end)
				}
			})
		}
	}
}

// TestSamplerRates: options records give a rate per sampler (NetFlow v9
// FLOW_SAMPLER_ID); each record takes its sampler's, and a record of an
// unknown sampler the exporter's last.
func TestSamplerRates(t *testing.T) {
	opt := be.AppendUint16(nil, 257)
	opt = be.AppendUint16(opt, 4) // scope length: system
	opt = be.AppendUint16(opt, 8) // two options
	opt = be.AppendUint16(opt, 1)
	opt = be.AppendUint16(opt, 4)
	opt = be.AppendUint16(opt, ieSamplerID)
	opt = be.AppendUint16(opt, 2)
	opt = be.AppendUint16(opt, ieSamplerRandom)
	opt = be.AppendUint16(opt, 4)
	var optData []byte
	for _, s := range [][2]uint32{{1, 2000}, {2, 4000}} {
		optData = be.AppendUint32(optData, 0)
		optData = be.AppendUint16(optData, uint16(s[0]))
		optData = be.AppendUint32(optData, s[1])
	}
	b := appendSet(v9Header(), 1, opt)
	b = appendSet(b, 257, optData)
	b = appendSet(b, 0, appendTemplateRecord(nil, 256, [][2]uint16{{ieSrcAddr4, 4}, {ieSamplerID, 2}}))
	var data []byte
	for _, s := range []uint16{2, 1, 1, 9} {
		data = append(data, 10, 0, 0, byte(s))
		data = be.AppendUint16(data, s)
	}
	b = appendSet(b, 256, data)
	out, err := decodeOne(t, b)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint32
	for _, r := range out.Records {
		got = append(got, r.SamplingRate)
	}
	if want := []uint32{4000, 2000, 2000, 4000}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("rates %v; want %v", got, want)
	}
}

// counterSampleDatagram is an sFlow datagram of counter samples, each one
// (format, body) records.
func counterSampleDatagram(samples ...[]byte) []byte {
	b := be.AppendUint32(nil, 5)
	b = be.AppendUint32(b, 1)
	b = append(b, 10, 214, 0, 254)
	b = be.AppendUint32(b, 3)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 90000) // uptime ms
	b = be.AppendUint32(b, uint32(len(samples)))
	for _, s := range samples {
		b = append(b, s...)
	}
	return b
}

func genericIfRecord(ifIndex uint32) []byte {
	gi := be.AppendUint32(nil, ifIndex)
	gi = be.AppendUint32(gi, 6)    // ethernetCsmacd
	gi = be.AppendUint64(gi, 1e10) // 10 Gb/s
	gi = be.AppendUint32(gi, 1)    // full duplex
	gi = be.AppendUint32(gi, 3)    // admin and oper up
	gi = be.AppendUint64(gi, 123456789)
	for _, v := range []uint32{10, 2, 1, 4, 5, 6} { // ucast, mcast, bcast, discards, errors, unknown
		gi = be.AppendUint32(gi, v)
	}
	gi = be.AppendUint64(gi, 987654321)
	for _, v := range []uint32{20, 0, 0, 7, 8, 0} { // ucast, mcast, bcast, discards, errors, promiscuous
		gi = be.AppendUint32(gi, v)
	}
	return sflowRecord(nil, sfGenericIf, gi)
}

func ethernetIfRecord() []byte {
	var e []byte
	for i := range 13 {
		e = be.AppendUint32(e, uint32(100+i))
	}
	return sflowRecord(nil, sfEthernetIf, e)
}

func encodeCounterSample(expanded bool, seq, ifIndex uint32, records ...[]byte) []byte {
	c := be.AppendUint32(nil, seq)
	format := uint32(sfCounterSample)
	if expanded {
		format = sfExpandedCounterSample
		c = be.AppendUint32(c, 0)
		c = be.AppendUint32(c, ifIndex)
	} else {
		c = be.AppendUint32(c, ifIndex)
	}
	c = be.AppendUint32(c, uint32(len(records)))
	for _, r := range records {
		c = append(c, r...)
	}
	return sflowRecord(nil, format, c)
}

// TestSFlowCounterSamples covers cause 16: generic interface and Ethernet
// counters, compact and expanded samples, in one Counters per sample.
func TestSFlowCounterSamples(t *testing.T) {
	other := sflowRecord(nil, 1005, make([]byte, 8)) // a counter record not read
	b := counterSampleDatagram(
		encodeCounterSample(false, 11, 3, genericIfRecord(3), ethernetIfRecord()),
		encodeCounterSample(true, 12, 70000, other, ethernetIfRecord(), genericIfRecord(70000)),
		encodeCounterSample(false, 13, 9, ethernetIfRecord()),
		encodeCounterSample(false, 14, 10, other),
	)
	now := time.Now()
	var out Batch
	if err := NewDecoder(0).Decode(netip.MustParseAddr("192.0.2.9"), now, b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Counters) != 3 || len(out.Records) != 0 {
		t.Fatalf("got %d counters, %d records; want 3, 0", len(out.Counters), len(out.Records))
	}
	wantGeneric := Counters{
		Exporter: netip.MustParseAddr("10.214.0.254"), Domain: 3, Time: now, Uptime: 90 * time.Second,
		Generic: true, IfType: 6, IfSpeed: 1e10, IfDirection: IfFullDuplex, AdminUp: true, OperUp: true,
		InOctets: 123456789, InPackets: 13, InDiscards: 4, InErrors: 5, InUnknownProtos: 6,
		OutOctets: 987654321, OutPackets: 20, OutDiscards: 7, OutErrors: 8,
		Ethernet: true,
		Dot3:     Dot3Counters{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112},
	}
	for i, w := range []struct {
		seq, ifIndex uint32
		generic      bool
	}{{11, 3, true}, {12, 70000, true}, {13, 9, false}} {
		want := wantGeneric
		want.Sequence, want.IfIndex = w.seq, w.ifIndex
		if !w.generic {
			want = Counters{Exporter: want.Exporter, Domain: 3, Time: now, Uptime: want.Uptime, Sequence: w.seq, IfIndex: w.ifIndex, Ethernet: true, Dot3: want.Dot3}
		}
		if got := out.Counters[i]; got != want {
			t.Errorf("sample %d:\ngot  %+v\nwant %+v", i, got, want)
		}
	}
}
