package pipeline

import (
	"encoding/binary"
	"net/netip"
)

// Datagram builders for the tests and benchmarks, written from the
// published layouts: RFC 3954 (NetFlow v9), RFC 7011 (IPFIX) and
// sflow_version_5.txt (sFlow v5).

var be = binary.BigEndian

// rec is one flow of a test datagram.
type rec struct {
	src, dst         netip.Addr // IPv4
	srcMAC, dstMAC   [6]byte
	proto            uint8
	srcPort, dstPort uint16
	bytes, packets   uint32
	in, out          uint32
}

// Information elements of the data template: IPv4 5-tuple, counters,
// ifIndexes, MACs, and the flow's end (sysUpTime ms for NetFlow v9,
// flowEndSeconds for IPFIX).
var dataFields = [][2]uint16{
	{8, 4}, {12, 4}, {4, 1}, {7, 2}, {11, 2}, {1, 4}, {2, 4}, {10, 4}, {14, 4}, {56, 6}, {80, 6},
}

const (
	ieLastSwitched   = 21
	ieFlowEndSeconds = 151
)

func appendRec(b []byte, r rec, end uint32) []byte {
	b = append(b, r.src.AsSlice()...)
	b = append(b, r.dst.AsSlice()...)
	b = append(b, r.proto)
	b = be.AppendUint16(b, r.srcPort)
	b = be.AppendUint16(b, r.dstPort)
	b = be.AppendUint32(b, r.bytes)
	b = be.AppendUint32(b, r.packets)
	b = be.AppendUint32(b, r.in)
	b = be.AppendUint32(b, r.out)
	b = append(b, r.srcMAC[:]...)
	b = append(b, r.dstMAC[:]...)
	return be.AppendUint32(b, end)
}

// appendSet appends a set (flowset) with its header, padded to 4 bytes.
func appendSet(b []byte, id uint16, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	b = be.AppendUint16(b, id)
	b = be.AppendUint16(b, uint16(4+len(body)))
	return append(b, body...)
}

func template(id uint16, endField uint16) []byte {
	fields := append(append([][2]uint16{}, dataFields...), [2]uint16{endField, 4})
	b := be.AppendUint16(nil, id)
	b = be.AppendUint16(b, uint16(len(fields)))
	for _, f := range fields {
		b = be.AppendUint16(b, f[0])
		b = be.AppendUint16(b, f[1])
	}
	return b
}

// netflow9 builds a NetFlow v9 datagram exported at secs (Unix) by an
// exporter up for uptime ms; every flow ended at export time. With
// templates, it starts with the data template (256) and a sampling options
// template and record (1 in rate; none when rate is 0).
func netflow9(secs, uptime uint32, templates bool, rate uint32, recs []rec) []byte {
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, 0) // count, patched below
	b = be.AppendUint32(b, uptime)
	b = be.AppendUint32(b, secs)
	b = be.AppendUint32(b, 1)  // sequence
	b = be.AppendUint32(b, 17) // source id
	count := 0
	if templates {
		b = appendSet(b, 0, template(256, ieLastSwitched))
		count++
		if rate > 0 {
			opt := be.AppendUint16(nil, 257)
			opt = be.AppendUint16(opt, 4)  // scope length
			opt = be.AppendUint16(opt, 4)  // options length
			opt = be.AppendUint16(opt, 1)  // scope: system
			opt = be.AppendUint16(opt, 4)  // of 4 bytes
			opt = be.AppendUint16(opt, 34) // samplingInterval
			opt = be.AppendUint16(opt, 4)
			b = appendSet(b, 1, opt)
			data := be.AppendUint32(nil, 0)
			data = be.AppendUint32(data, rate)
			b = appendSet(b, 257, data)
			count += 2
		}
	}
	if len(recs) > 0 {
		var data []byte
		for _, r := range recs {
			data = appendRec(data, r, uptime)
		}
		b = appendSet(b, 256, data)
		count += len(recs)
	}
	be.PutUint16(b[2:], uint16(count))
	return b
}

// ipfix builds an IPFIX message exported at secs in observation domain 9,
// every flow ending at secs; templates adds the data template (300).
func ipfix(secs uint32, templates bool, recs []rec) []byte {
	b := be.AppendUint16(nil, 10)
	b = be.AppendUint16(b, 0) // length, patched below
	b = be.AppendUint32(b, secs)
	b = be.AppendUint32(b, 1) // sequence
	b = be.AppendUint32(b, 9) // observation domain
	if templates {
		b = appendSet(b, 2, template(300, ieFlowEndSeconds))
	}
	if len(recs) > 0 {
		var data []byte
		for _, r := range recs {
			data = appendRec(data, r, secs)
		}
		b = appendSet(b, 300, data)
	}
	be.PutUint16(b[2:], uint16(len(b)))
	return b
}

// frame is the first 128 bytes of a TCP/IPv4 Ethernet frame of r.
func frame(r rec) []byte {
	b := append(append([]byte{}, r.dstMAC[:]...), r.srcMAC[:]...)
	b = be.AppendUint16(b, 0x0800)
	ip := []byte{0x45, 0, 0x05, 0xdc, 0, 0, 0x40, 0, 64, r.proto, 0, 0}
	ip = append(ip, r.src.AsSlice()...)
	ip = append(ip, r.dst.AsSlice()...)
	b = append(b, ip...)
	b = be.AppendUint16(b, r.srcPort)
	b = be.AppendUint16(b, r.dstPort)
	b = append(b, make([]byte, 16)...)
	return append(b, make([]byte, 128-len(b))...)
}

func appendRecord(b []byte, format uint32, body []byte) []byte {
	b = be.AppendUint32(b, format)
	b = be.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

// sflow builds an sFlow v5 datagram from agent: one flow sample (1 in
// rate) per flow, with the frame's raw header; r.bytes is the frame length.
func sflow(agent netip.Addr, rate uint32, recs []rec) []byte {
	b := be.AppendUint32(nil, 5)
	b = be.AppendUint32(b, 1) // IPv4 agent
	b = append(b, agent.AsSlice()...)
	b = be.AppendUint32(b, 0) // sub agent
	b = be.AppendUint32(b, 1) // sequence
	b = be.AppendUint32(b, 3600000)
	b = be.AppendUint32(b, uint32(len(recs)))
	for i, r := range recs {
		raw := be.AppendUint32(nil, 1) // ethernet
		raw = be.AppendUint32(raw, r.bytes)
		raw = be.AppendUint32(raw, 4) // stripped
		h := frame(r)
		raw = be.AppendUint32(raw, uint32(len(h)))
		raw = append(raw, h...)
		s := be.AppendUint32(nil, uint32(i)) // sequence
		s = be.AppendUint32(s, r.in)         // source id: ifIndex
		s = be.AppendUint32(s, rate)
		s = be.AppendUint32(s, rate*uint32(i+1)) // sample pool
		s = be.AppendUint32(s, 0)                // drops
		s = be.AppendUint32(s, r.in)
		s = be.AppendUint32(s, r.out)
		s = be.AppendUint32(s, 1) // records
		s = appendRecord(s, 1, raw)
		b = appendRecord(b, 1, s)
	}
	return b
}

// ifc are the counters of one sFlow counter sample: generic interface
// counters (packets as unicast only), and Ethernet ones when ether is set
// (alone when noGeneric is set).
type ifc struct {
	ifIndex, seq            uint32
	speed                   uint64
	up                      bool
	inOctets, outOctets     uint64
	inPackets, outPackets   uint32
	inErrors, outErrors     uint32
	inDiscards, outDiscards uint32
	ether, noGeneric        bool
}

// sflowCounters builds an sFlow v5 datagram from agent (sub-agent 0) whose
// header carries uptime (milliseconds), with one counter sample per ifc.
func sflowCounters(agent netip.Addr, uptime uint32, cs []ifc) []byte {
	b := be.AppendUint32(nil, 5)
	b = be.AppendUint32(b, 1) // IPv4 agent
	b = append(b, agent.AsSlice()...)
	b = be.AppendUint32(b, 0) // sub agent
	b = be.AppendUint32(b, 1) // sequence
	b = be.AppendUint32(b, uptime)
	b = be.AppendUint32(b, uint32(len(cs)))
	for _, c := range cs {
		s := be.AppendUint32(nil, c.seq)
		s = be.AppendUint32(s, c.ifIndex) // source id: type 0, ifIndex
		n := uint32(1)
		if c.ether && !c.noGeneric {
			n = 2
		}
		s = be.AppendUint32(s, n)
		if !c.noGeneric {
			status := uint32(1)
			if c.up {
				status = 3
			}
			g := be.AppendUint32(nil, c.ifIndex)
			g = be.AppendUint32(g, 6) // ethernetCsmacd
			g = be.AppendUint64(g, c.speed)
			g = be.AppendUint32(g, 1) // full duplex
			g = be.AppendUint32(g, status)
			g = be.AppendUint64(g, c.inOctets)
			for _, v := range []uint32{c.inPackets, 0, 0, c.inDiscards, c.inErrors, 0} {
				g = be.AppendUint32(g, v)
			}
			g = be.AppendUint64(g, c.outOctets)
			for _, v := range []uint32{c.outPackets, 0, 0, c.outDiscards, c.outErrors, 0} {
				g = be.AppendUint32(g, v)
			}
			g = be.AppendUint32(g, 0) // promiscuous
			s = appendRecord(s, 1, g)
		}
		if c.ether {
			s = appendRecord(s, 2, make([]byte, 13*4))
		}
		b = appendRecord(b, 2, s)
	}
	return b
}
