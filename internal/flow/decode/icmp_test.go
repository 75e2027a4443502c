package decode

import (
	"net/netip"
	"testing"
	"time"
)

// v9With builds a NetFlow v9 datagram from source id 1 with one template
// (id) of fields and one data record (the values, already encoded).
func v9With(id uint16, fields [][2]uint16, record []byte) []byte {
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, 2)
	b = be.AppendUint32(b, 1000)
	b = be.AppendUint32(b, 1700000000)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 1)
	b = appendSet(b, 0, appendTemplateRecord(nil, id, fields))
	return appendSet(b, id, record)
}

// TestICMPTypeCode: the ICMP type and code of NetFlow v9 / IPFIX (field 32,
// and 139 for ICMPv6) land in the destination port, as NetFlow v5 carries
// them, so ICMP aggregates alike whatever the export protocol.
func TestICMPTypeCode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field uint16
		value uint16
	}{
		{"icmp echo request", ieICMPType, 8 << 8},
		{"icmp port unreachable", ieICMPType, 3<<8 | 3},
		{"icmpv6 echo request", ieICMPType6, 128 << 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := [][2]uint16{{ieProto, 1}, {ieDstPort, 2}, {tc.field, 2}, {ieOctets, 4}}
			rec := append([]byte{1}, 0, 0)
			rec = be.AppendUint16(rec, tc.value)
			rec = be.AppendUint32(rec, 84)
			d := NewDecoder(1024)
			var out Batch
			if err := d.Decode(netip.MustParseAddr("10.0.0.1"), time.Now(), v9With(256, fields, rec), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Records) != 1 || out.Records[0].DstPort != tc.value {
				t.Fatalf("records %+v; want one with destination port %#x", out.Records, tc.value)
			}
		})
	}
}

// TestSmallTemplateCacheKeepsAnExportersTemplates: even a cache sized
// below one entry per shard keeps the few templates of one exporter, which
// may hash to the same shard.
func TestSmallTemplateCacheKeepsAnExportersTemplates(t *testing.T) {
	d := NewDecoder(4)
	exporter := netip.MustParseAddr("10.0.0.1")
	fields := [][2]uint16{{ieProto, 1}, {ieOctets, 4}}
	rec := be.AppendUint32([]byte{6}, 100)
	var out Batch
	// 32 templates over 64 shards: some share a shard (certainly), none
	// shares it with more than minPerShard-1 others (but with odds below
	// one in a million).
	for id := uint16(256); id < 256+32; id++ {
		if err := d.Decode(exporter, time.Now(), v9With(id, fields, rec), &out); err != nil {
			t.Fatal(err)
		}
	}
	if ev := d.Templates().Evicted(); ev != 0 {
		t.Errorf("%d templates of one exporter evicted; want none", ev)
	}
}
