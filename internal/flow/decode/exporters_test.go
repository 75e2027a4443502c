package decode

import (
	"testing"
	"time"
)

// Shapes of real exporters' records that the generic encoders above do not
// produce: softflowd's MAC fields and uptime stamps (internal/flow/testdata
// holds its real exports, decoded by cmd/vnetmap's tests).

// v9Datagram is a NetFlow v9 datagram with one template (id 256) and one
// data record.
func v9Datagram(uptime, secs uint32, fields [][2]uint16, record []byte) []byte {
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, 2)
	b = be.AppendUint32(b, uptime)
	b = be.AppendUint32(b, secs)
	b = be.AppendUint32(b, 1) // sequence
	b = be.AppendUint32(b, 0) // source id
	b = appendSet(b, 0, appendTemplateRecord(nil, 256, fields))
	return appendSet(b, 256, record)
}

func TestUptimeWrap(t *testing.T) {
	const secs = 1700000000
	export := time.Unix(secs, 0)
	fields := [][2]uint16{{ieSrcAddr4, 4}, {ieFirstSwitched, 4}, {ieLastSwitched, 4}}
	record := func(first, last uint32) []byte {
		r := append([]byte(nil), 10, 215, 1, 1)
		r = be.AppendUint32(r, first)
		return be.AppendUint32(r, last)
	}
	tests := []struct {
		name            string
		uptime          uint32
		first, last     uint32
		wantStartBefore time.Duration // export - start
		wantEndBefore   time.Duration
	}{
		{"plain", 5000, 1000, 2000, 4 * time.Second, 3 * time.Second},
		// The exporter's uptime wrapped past 2^32 ms after the flow began.
		{"uptime wrapped", 1500, 0xffffff38, 1000, 1700 * time.Millisecond, 500 * time.Millisecond},
		// softflowd -r stamps packets captured before it started with
		// negative uptimes, and exports with uptime 0.
		{"negative stamps", 0, 0xffff368c, 0xffff39c9, 51572 * time.Millisecond, 50743 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(0)
			var b Batch
			if err := d.Decode(exporter, time.Now(), v9Datagram(tc.uptime, secs, fields, record(tc.first, tc.last)), &b); err != nil {
				t.Fatal(err)
			}
			if len(b.Records) != 1 {
				t.Fatalf("got %d records; want 1", len(b.Records))
			}
			r := b.Records[0]
			if got := export.Sub(r.Start); got != tc.wantStartBefore {
				t.Errorf("start %v before export; want %v", got, tc.wantStartBefore)
			}
			if got := export.Sub(r.End); got != tc.wantEndBefore {
				t.Errorf("end %v before export; want %v", got, tc.wantEndBefore)
			}
		})
	}
}

// TestIPFIXUptimeWrap: flowStart/EndSysUpTime relative to the
// systemInitTimeMilliseconds of an options record, one stamp "negative".
func TestIPFIXUptimeWrap(t *testing.T) {
	const secs = 1700000000
	export := time.Unix(secs, 0)
	b := be.AppendUint16(nil, 10)
	b = be.AppendUint16(b, 0) // length, set below
	b = be.AppendUint32(b, secs)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 7) // observation domain
	opt := be.AppendUint16(nil, 400)
	opt = be.AppendUint16(opt, 2)   // field count
	opt = be.AppendUint16(opt, 1)   // scope count
	opt = be.AppendUint16(opt, 149) // observationDomainId
	opt = be.AppendUint16(opt, 4)
	opt = be.AppendUint16(opt, ieSysInitMillis)
	opt = be.AppendUint16(opt, 8)
	b = appendSet(b, 3, opt)
	b = appendSet(b, 2, appendTemplateRecord(nil, 401, [][2]uint16{{ieSrcAddr4, 4}, {ieFirstSwitched, 4}, {ieLastSwitched, 4}}))
	data := be.AppendUint32(nil, 7)
	data = be.AppendUint64(data, uint64(export.UnixMilli())-1000) // up for 1 s at export
	b = appendSet(b, 400, data)
	rec := append([]byte(nil), 10, 215, 1, 1)
	rec = be.AppendUint32(rec, 0xffffff38) // 200 ms before the exporter started
	rec = be.AppendUint32(rec, 500)
	b = appendSet(b, 401, rec)
	be.PutUint16(b[2:], uint16(len(b)))

	d := NewDecoder(0)
	var batch Batch
	if err := d.Decode(exporter, time.Now(), b, &batch); err != nil {
		t.Fatal(err)
	}
	if len(batch.Records) != 1 {
		t.Fatalf("got %d records; want 1", len(batch.Records))
	}
	r := batch.Records[0]
	if want := export.Add(-1200 * time.Millisecond); !r.Start.Equal(want) {
		t.Errorf("start %v; want %v", r.Start, want)
	}
	if want := export.Add(-500 * time.Millisecond); !r.End.Equal(want) {
		t.Errorf("end %v; want %v", r.End, want)
	}
}

// TestMACFields: softflowd exports the source MAC as IN_SRC_MAC (56) and the
// destination as OUT_DST_MAC (57); OUT_SRC_MAC (81) likewise stands in for
// a missing 56. The ingress fields (56, 80) win whatever the field order.
func TestMACFields(t *testing.T) {
	m1 := [6]byte{2, 0, 0, 0xd7, 1, 1}
	m2 := [6]byte{2, 0, 0, 0xd7, 1, 2}
	m3 := [6]byte{2, 0, 0, 0xd7, 1, 3}
	tests := []struct {
		name             string
		fields           [][2]uint16
		values           [][6]byte
		wantSrc, wantDst [6]byte
	}{
		{"softflowd", [][2]uint16{{ieSrcMAC, 6}, {ieOutDstMAC, 6}}, [][6]byte{m1, m2}, m1, m2},
		{"egress only", [][2]uint16{{ieOutSrcMAC, 6}, {ieOutDstMAC, 6}}, [][6]byte{m1, m2}, m1, m2},
		{"ingress after egress", [][2]uint16{{ieOutDstMAC, 6}, {ieDstMAC, 6}, {ieOutSrcMAC, 6}, {ieSrcMAC, 6}}, [][6]byte{m3, m2, m3, m1}, m1, m2},
		{"ingress before egress", [][2]uint16{{ieSrcMAC, 6}, {ieDstMAC, 6}, {ieOutSrcMAC, 6}, {ieOutDstMAC, 6}}, [][6]byte{m1, m2, m3, m3}, m1, m2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec []byte
			for _, v := range tc.values {
				rec = append(rec, v[:]...)
			}
			d := NewDecoder(0)
			var b Batch
			if err := d.Decode(exporter, time.Now(), v9Datagram(1000, 1700000000, tc.fields, rec), &b); err != nil {
				t.Fatal(err)
			}
			if len(b.Records) != 1 {
				t.Fatalf("got %d records; want 1", len(b.Records))
			}
			if r := b.Records[0]; r.SrcMAC != tc.wantSrc || r.DstMAC != tc.wantDst {
				t.Errorf("src %x dst %x; want %x %x", r.SrcMAC, r.DstMAC, tc.wantSrc, tc.wantDst)
			}
		})
	}
}
