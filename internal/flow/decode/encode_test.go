package decode

import (
	"encoding/binary"
	"net/netip"
)

// Test encoders: datagrams built from the published layouts (RFC 3954 for
// NetFlow v9, RFC 7011 for IPFIX, sflow_version_5.txt for sFlow), used as
// fixtures where no Debian exporter exists (sFlow) and for benchmarks.

var be = binary.BigEndian

// flowSpec is one flow of a test datagram.
type flowSpec struct {
	src, dst         netip.Addr
	srcMAC, dstMAC   [6]byte
	proto            uint8
	srcPort, dstPort uint16
	bytes, packets   uint32
	in, out          uint32
	vlan             uint16
}

func testFlows(n int) []flowSpec {
	fs := make([]flowSpec, n)
	for i := range fs {
		fs[i] = flowSpec{
			src: netip.AddrFrom4([4]byte{10, 214, 0, byte(1 + i%200)}), dst: netip.AddrFrom4([4]byte{10, 214, 1, byte(2 + i%200)}),
			srcMAC: [6]byte{2, 0, 0, 0xd6, 0, byte(i)}, dstMAC: [6]byte{2, 0, 0, 0xd6, 1, byte(i)},
			proto: 6, srcPort: uint16(40000 + i), dstPort: 443, bytes: uint32(1500 * (i + 1)), packets: uint32(i + 1),
			in: 3, out: 7, vlan: 110,
		}
	}
	return fs
}

// v9/IPFIX template used by the encoders: IPv4 5-tuple, counters, ifIndexes,
// MACs, VLAN, uptime stamps.
var tmplFields = [][2]uint16{
	{ieSrcAddr4, 4}, {ieDstAddr4, 4}, {ieProto, 1}, {ieSrcPort, 2}, {ieDstPort, 2},
	{ieOctets, 4}, {iePackets, 4}, {ieInIf, 4}, {ieOutIf, 4},
	{ieSrcMAC, 6}, {ieDstMAC, 6}, {ieVLAN, 2}, {ieFirstSwitched, 4}, {ieLastSwitched, 4},
}

func appendTemplateRecord(b []byte, id uint16, fields [][2]uint16) []byte {
	b = be.AppendUint16(b, id)
	b = be.AppendUint16(b, uint16(len(fields)))
	for _, f := range fields {
		b = be.AppendUint16(b, f[0])
		b = be.AppendUint16(b, f[1])
	}
	return b
}

func appendFlow(b []byte, f flowSpec) []byte {
	b = append(b, f.src.AsSlice()...)
	b = append(b, f.dst.AsSlice()...)
	b = append(b, f.proto)
	b = be.AppendUint16(b, f.srcPort)
	b = be.AppendUint16(b, f.dstPort)
	b = be.AppendUint32(b, f.bytes)
	b = be.AppendUint32(b, f.packets)
	b = be.AppendUint32(b, f.in)
	b = be.AppendUint32(b, f.out)
	b = append(b, f.srcMAC[:]...)
	b = append(b, f.dstMAC[:]...)
	b = be.AppendUint16(b, f.vlan)
	b = be.AppendUint32(b, 1000)
	b = be.AppendUint32(b, 2000)
	return b
}

// set wraps body in a set header, padding to 4 bytes.
func appendSet(b []byte, id uint16, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	b = be.AppendUint16(b, id)
	b = be.AppendUint16(b, uint16(4+len(body)))
	return append(b, body...)
}

// nfv9 builds a NetFlow v9 datagram; withTemplate adds the template set and
// a sampling options template and record (1 in 100).
func nfv9(flows []flowSpec, withTemplate bool) []byte {
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, uint16(len(flows)))
	b = be.AppendUint32(b, 5000)       // uptime ms
	b = be.AppendUint32(b, 1700000000) // unix secs
	b = be.AppendUint32(b, 1)          // sequence
	b = be.AppendUint32(b, 42)         // source id
	if withTemplate {
		b = appendSet(b, 0, appendTemplateRecord(nil, 256, tmplFields))
		opt := be.AppendUint16(nil, 257)
		opt = be.AppendUint16(opt, 4) // scope length: one field
		opt = be.AppendUint16(opt, 8) // option length: two fields
		opt = be.AppendUint16(opt, 1) // scope: system
		opt = be.AppendUint16(opt, 4)
		opt = be.AppendUint16(opt, ieSamplingIntvl)
		opt = be.AppendUint16(opt, 4)
		opt = be.AppendUint16(opt, ieSamplingAlgo)
		opt = be.AppendUint16(opt, 1)
		b = appendSet(b, 1, opt)
		data := be.AppendUint32(nil, 0)
		data = be.AppendUint32(data, 100)
		data = append(data, 2)
		b = appendSet(b, 257, data)
	}
	var data []byte
	for _, f := range flows {
		data = appendFlow(data, f)
	}
	return appendSet(b, 256, data)
}

// ipfix builds an IPFIX datagram; withTemplate adds the template set, with
// an enterprise field and a variable-length field after the ones above.
func ipfix(flows []flowSpec, withTemplate bool) []byte {
	b := be.AppendUint16(nil, 10)
	b = be.AppendUint16(b, 0) // length, set below
	b = be.AppendUint32(b, 1700000000)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 7) // observation domain
	if withTemplate {
		t := appendTemplateRecord(nil, 300, tmplFields)
		be.PutUint16(t[2:], uint16(len(tmplFields)+2))
		t = be.AppendUint16(t, 0x8000|12) // enterprise field, 4 bytes
		t = be.AppendUint16(t, 4)
		t = be.AppendUint32(t, 29305)
		t = be.AppendUint16(t, 82) // interfaceName, variable length
		t = be.AppendUint16(t, 0xffff)
		b = appendSet(b, 2, t)
		opt := be.AppendUint16(nil, 301)
		opt = be.AppendUint16(opt, 3)   // field count
		opt = be.AppendUint16(opt, 1)   // scope count
		opt = be.AppendUint16(opt, 149) // observationDomainId
		opt = be.AppendUint16(opt, 4)
		opt = be.AppendUint16(opt, ieSamplingPktInt)
		opt = be.AppendUint16(opt, 4)
		opt = be.AppendUint16(opt, ieSamplingPktSp)
		opt = be.AppendUint16(opt, 4)
		b = appendSet(b, 3, opt)
		data := be.AppendUint32(nil, 7)
		data = be.AppendUint32(data, 1)
		data = be.AppendUint32(data, 99)
		b = appendSet(b, 301, data)
	}
	var data []byte
	for _, f := range flows {
		data = appendFlow(data, f)
		data = be.AppendUint32(data, 0xdeadbeef)
		data = append(data, 4, 'e', 't', 'h', '0')
	}
	b = appendSet(b, 300, data)
	be.PutUint16(b[2:], uint16(len(b)))
	return b
}

// frame builds a TCP/IPv4 Ethernet frame header with an 802.1Q tag.
func frame(f flowSpec) []byte {
	b := append([]byte{}, f.dstMAC[:]...)
	b = append(b, f.srcMAC[:]...)
	b = be.AppendUint16(b, 0x8100)
	b = be.AppendUint16(b, f.vlan)
	b = be.AppendUint16(b, 0x0800)
	ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, f.proto, 0, 0}
	ip = append(ip, f.src.AsSlice()...)
	ip = append(ip, f.dst.AsSlice()...)
	b = append(b, ip...)
	b = be.AppendUint16(b, f.srcPort)
	b = be.AppendUint16(b, f.dstPort)
	b = append(b, make([]byte, 16)...) // rest of the TCP header
	return append(b, make([]byte, 128-len(b))...)
}

func sflowRecord(b []byte, format uint32, body []byte) []byte {
	b = be.AppendUint32(b, format)
	b = be.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

// sflow builds an sFlow v5 datagram from agent 10.214.0.254: one flow sample
// per flow (alternating compact and expanded), each with a 128-byte raw
// header and extended switch data, then one counter sample.
func sflow(flows []flowSpec) []byte {
	b := be.AppendUint32(nil, 5)
	b = be.AppendUint32(b, 1)
	b = append(b, 10, 214, 0, 254)
	b = be.AppendUint32(b, 3) // sub agent
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 60000)
	b = be.AppendUint32(b, uint32(len(flows)+1))
	for i, f := range flows {
		raw := be.AppendUint32(nil, 1) // ethernet
		raw = be.AppendUint32(raw, f.bytes)
		raw = be.AppendUint32(raw, 4)
		h := frame(f)
		raw = be.AppendUint32(raw, uint32(len(h)))
		raw = append(raw, h...)
		sw := be.AppendUint32(nil, uint32(f.vlan))
		sw = be.AppendUint32(sw, 0)
		sw = be.AppendUint32(sw, uint32(f.vlan))
		sw = be.AppendUint32(sw, 0)
		var s []byte
		s = be.AppendUint32(s, uint32(i))
		format := uint32(sfFlowSample)
		if i%2 == 1 {
			format = sfExpandedFlowSample
			s = be.AppendUint32(s, 0)
			s = be.AppendUint32(s, f.in)
		} else {
			s = be.AppendUint32(s, f.in)
		}
		s = be.AppendUint32(s, 512) // sampling rate
		s = be.AppendUint32(s, 512*uint32(i+1))
		s = be.AppendUint32(s, 0)
		if format == sfExpandedFlowSample {
			s = be.AppendUint32(s, 0)
			s = be.AppendUint32(s, f.in)
			s = be.AppendUint32(s, 0)
			s = be.AppendUint32(s, f.out)
		} else {
			s = be.AppendUint32(s, f.in)
			s = be.AppendUint32(s, f.out)
		}
		s = be.AppendUint32(s, 2)
		s = sflowRecord(s, sfRawHeader, raw)
		s = sflowRecord(s, sfExtendedSwitch, sw)
		b = sflowRecord(b, format, s)
	}
	gi := be.AppendUint32(nil, 3)       // ifIndex
	gi = be.AppendUint32(gi, 6)         // ifType
	gi = be.AppendUint64(gi, 1e10)      // ifSpeed
	gi = be.AppendUint32(gi, 1)         // direction
	gi = be.AppendUint32(gi, 3)         // status
	gi = be.AppendUint64(gi, 123456789) // in octets
	for _, v := range []uint32{10, 2, 1, 0, 0, 0} {
		gi = be.AppendUint32(gi, v)
	}
	gi = be.AppendUint64(gi, 987654321)
	for _, v := range []uint32{20, 0, 0, 0, 0, 0} {
		gi = be.AppendUint32(gi, v)
	}
	c := be.AppendUint32(nil, 9)
	c = be.AppendUint32(c, 3)
	c = be.AppendUint32(c, 1)
	c = sflowRecord(c, sfGenericIf, gi)
	return sflowRecord(b, sfCounterSample, c)
}
