package decode

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// sFlow v5 structure formats (enterprise 0).
const (
	sfFlowSample            = 1
	sfCounterSample         = 2
	sfExpandedFlowSample    = 3
	sfExpandedCounterSample = 4

	sfRawHeader      = 1
	sfEthernetData   = 2
	sfIPv4Data       = 3
	sfIPv6Data       = 4
	sfExtendedSwitch = 1001

	sfGenericIf  = 1
	sfEthernetIf = 2
)

// Header protocols of a raw packet header record.
const (
	sfHeaderEthernet = 1
	sfHeaderIPv4     = 11
	sfHeaderIPv6     = 12
)

// sfLocalIf is the interface value of a packet that came from or went to
// the agent itself (sFlow v5 §5, "interface"): no port.
const sfLocalIf = 0x3fffffff

// maxSFlowSamples bounds the sample and record counts a datagram may claim;
// a datagram of at most 64 KiB cannot hold more.
const maxSFlowSamples = 65536 / 8

// sflowHeader is what an sFlow datagram's header says, for its samples.
type sflowHeader struct {
	agent    netip.Addr
	subAgent uint32
	uptime   uint32
	received time.Time
}

// decodeSFlow decodes an sFlow v5 datagram: flow samples (their raw packet
// headers, sampled Ethernet/IPv4/IPv6 data and extended switch data) and
// counter samples (generic interface and Ethernet counters). A sample that
// cannot be read is skipped, the others decoded.
func decodeSFlow(stats *Stats, exporter netip.Addr, received time.Time, b []byte, out *Batch) *Error {
	r := reader{b: b, off: 4, proto: SFlowV5}
	switch r.u32("agent_address_type") {
	case 1:
		if a := r.bytes(4, "agent_address"); a != nil {
			exporter = netip.AddrFrom4([4]byte(a))
		}
	case 2:
		if a := r.bytes(16, "agent_address"); a != nil {
			exporter = netip.AddrFrom16([16]byte(a))
		}
	default:
		if r.err == nil {
			return &Error{ErrBadLength, SFlowV5, 4, "agent_address_type"}
		}
	}
	h := sflowHeader{agent: exporter, received: received}
	h.subAgent = r.u32("sub_agent_id")
	r.u32("sequence")
	h.uptime = r.u32("uptime")
	n := r.u32("num_samples")
	if r.err != nil {
		return r.err
	}
	if n > maxSFlowSamples {
		return &Error{ErrCountOverflow, SFlowV5, r.off - 4, "num_samples"}
	}
	e := errs{stats: stats}
	for i := uint32(0); i < n; i++ {
		format := r.u32("sample_format")
		length := int(r.u32("sample_length"))
		if r.err != nil {
			e.add(r.err)
			break
		}
		if length > len(b)-r.off {
			e.add(&Error{ErrBadLength, SFlowV5, r.off - 4, "sample_length"})
			break
		}
		s := reader{b: b[:r.off+length], off: r.off, proto: SFlowV5}
		r.off += length
		switch format {
		case sfFlowSample, sfExpandedFlowSample:
			e.add(flowSample(&s, format == sfExpandedFlowSample, h, out))
		case sfCounterSample, sfExpandedCounterSample:
			e.add(counterSample(&s, format == sfExpandedCounterSample, h, out))
		}
	}
	return e.first
}

// ifValue decodes a compact flow sample's interface word: 2 bits of format,
// 30 of value; only format 0 (a single ifIndex) names an interface, and
// not when it is the agent itself.
func ifValue(v uint32) uint32 {
	if v>>30 != 0 || v == sfLocalIf {
		return 0
	}
	return v
}

// expandedIf decodes an expanded flow sample's interface (format, value).
func expandedIf(format, value uint32) uint32 {
	if format != 0 || value == sfLocalIf {
		return 0
	}
	return value
}

func flowSample(r *reader, expanded bool, h sflowHeader, out *Batch) *Error {
	r.u32("sequence")
	if expanded {
		r.u32("source_id_type")
		r.u32("source_id_index")
	} else {
		r.u32("source_id")
	}
	rate := r.u32("sampling_rate")
	r.u32("sample_pool")
	r.u32("drops")
	var in, outIf uint32
	if expanded {
		in = expandedIf(r.u32("input_format"), r.u32("input_value"))
		outIf = expandedIf(r.u32("output_format"), r.u32("output_value"))
	} else {
		in, outIf = ifValue(r.u32("input")), ifValue(r.u32("output"))
	}
	n := r.u32("num_records")
	if r.err != nil {
		return r.err
	}
	if n > maxSFlowSamples {
		return &Error{ErrCountOverflow, SFlowV5, r.off - 4, "num_records"}
	}
	rec := out.next()
	rec.Protocol = SFlowV5
	rec.Exporter = h.agent
	rec.Domain = h.subAgent
	rec.Time = h.received
	rec.SamplingRate = rate
	rec.InIf, rec.OutIf = in, outIf
	rec.Packets = 1
	// The sampled data records describe the packet the raw header, when
	// there is one, shows: they only fill what it left empty.
	var data Record
	for i := uint32(0); i < n; i++ {
		format := r.u32("record_format")
		length := int(r.u32("record_length"))
		if r.err != nil {
			out.drop()
			return r.err
		}
		if length > len(r.b)-r.off {
			out.drop()
			return &Error{ErrBadLength, SFlowV5, r.off - 4, "record_length"}
		}
		body := reader{b: r.b[:r.off+length], off: r.off, proto: SFlowV5}
		r.off += length
		switch format {
		case sfRawHeader:
			proto := body.u32("header_protocol")
			rec.Bytes = uint64(body.u32("frame_length"))
			body.u32("stripped")
			hl := int(body.u32("header_length"))
			hdr := body.bytes(hl, "header")
			if body.err != nil {
				out.drop()
				return body.err
			}
			switch proto {
			case sfHeaderEthernet:
				parseEthernet(hdr, rec)
			case sfHeaderIPv4, sfHeaderIPv6:
				parseIP(hdr, rec)
			}
		case sfEthernetData:
			data.Bytes = uint64(body.u32("length"))
			src := body.bytes(8, "src_mac")
			dst := body.bytes(8, "dst_mac")
			if body.err != nil {
				out.drop()
				return body.err
			}
			data.SrcMAC, data.DstMAC = [6]byte(src[:6]), [6]byte(dst[:6])
		case sfIPv4Data, sfIPv6Data:
			data.Bytes = uint64(body.u32("length"))
			data.Proto = uint8(body.u32("protocol"))
			n := 4
			if format == sfIPv6Data {
				n = 16
			}
			src, _ := netip.AddrFromSlice(body.bytes(n, "src_ip"))
			dst, _ := netip.AddrFromSlice(body.bytes(n, "dst_ip"))
			data.SrcAddr, data.DstAddr = src, dst
			data.SrcPort = uint16(body.u32("src_port"))
			data.DstPort = uint16(body.u32("dst_port"))
			if body.err != nil {
				out.drop()
				return body.err
			}
		case sfExtendedSwitch:
			vlan := body.u32("src_vlan")
			if body.err != nil {
				out.drop()
				return body.err
			}
			if vlan != 0 && vlan < 4096 {
				rec.VLAN = uint16(vlan)
			}
		}
	}
	fillSampled(rec, &data)
	return nil
}

// fillSampled fills what rec left empty from data: sFlow's sampled
// Ethernet, IPv4 or IPv6 records, an IPFIX record's sampled frame.
func fillSampled(rec, data *Record) {
	if rec.Bytes == 0 {
		rec.Bytes = data.Bytes
	}
	if rec.SrcMAC == [6]byte{} && rec.DstMAC == [6]byte{} {
		rec.SrcMAC, rec.DstMAC = data.SrcMAC, data.DstMAC
	}
	if rec.VLAN == 0 {
		rec.VLAN = data.VLAN
	}
	if !rec.SrcAddr.IsValid() && data.SrcAddr.IsValid() {
		rec.SrcAddr, rec.DstAddr = data.SrcAddr, data.DstAddr
		rec.Proto, rec.SrcPort, rec.DstPort = data.Proto, data.SrcPort, data.DstPort
	}
}

// parseEthernet fills the record from a sampled frame's header: Ethernet,
// up to two 802.1Q tags (the outer one is the VLAN), then the IP packet
// (parseIP). A header cut short leaves the rest of the record empty: that
// is normal for samples.
func parseEthernet(h []byte, rec *Record) {
	parseFrame(h, rec, true)
}

// parseFrame parses an Ethernet frame; through MPLS, an Ethernet
// pseudowire's inner frame (after its control word) once, when inner.
func parseFrame(h []byte, rec *Record, inner bool) {
	if len(h) < 14 {
		return
	}
	rec.DstMAC = [6]byte(h[0:6])
	rec.SrcMAC = [6]byte(h[6:12])
	etype := binary.BigEndian.Uint16(h[12:])
	h = h[14:]
	for tags := 0; (etype == 0x8100 || etype == 0x88a8) && tags < 2 && len(h) >= 4; tags++ {
		if tags == 0 && rec.VLAN == 0 {
			rec.VLAN = binary.BigEndian.Uint16(h) & 0x0fff
		}
		etype = binary.BigEndian.Uint16(h[2:])
		h = h[4:]
	}
	switch etype {
	case 0x0800, 0x86dd:
		parseIP(h, rec)
	case 0x8847, 0x8848: // MPLS: labels down to the bottom of the stack
		for labels := 0; len(h) >= 4 && labels < 8; labels++ {
			bottom := h[2]&1 != 0
			h = h[4:]
			if !bottom {
				continue
			}
			switch {
			case len(h) == 0:
			case h[0]>>4 == 4 || h[0]>>4 == 6:
				parseIP(h, rec)
			case h[0]>>4 == 0 && inner && len(h) >= 4:
				// RFC 4385's control word, then the pseudowire's
				// Ethernet frame (RFC 4448).
				parseFrame(h[4:], rec, false)
			}
			return
		}
	}
}

// parseIP fills the record from a sampled IPv4 or IPv6 packet's header
// (told apart by its version) and its TCP or UDP ports.
func parseIP(h []byte, rec *Record) {
	if len(h) == 0 {
		return
	}
	var l4 []byte
	switch h[0] >> 4 {
	case 4:
		if len(h) < 20 {
			return
		}
		ihl := int(h[0]&0x0f) * 4
		rec.Proto = h[9]
		rec.SrcAddr = netip.AddrFrom4([4]byte(h[12:16]))
		rec.DstAddr = netip.AddrFrom4([4]byte(h[16:20]))
		if binary.BigEndian.Uint16(h[6:])&0x1fff != 0 || ihl < 20 || len(h) < ihl {
			return // a later fragment, or options cut short: no ports
		}
		l4 = h[ihl:]
	case 6:
		if len(h) < 40 {
			return
		}
		next := h[6]
		rec.SrcAddr = netip.AddrFrom16([16]byte(h[8:24]))
		rec.DstAddr = netip.AddrFrom16([16]byte(h[24:40]))
		h = h[40:]
		for ext := 0; ext < 4; ext++ {
			switch next {
			case 0, 43, 60: // hop-by-hop, routing, destination options
				if len(h) < 8 {
					return
				}
				n := (int(h[1]) + 1) * 8
				if len(h) < n {
					return
				}
				next, h = h[0], h[n:]
				continue
			case 44: // fragment
				if len(h) < 8 {
					return
				}
				if binary.BigEndian.Uint16(h[2:])&0xfff8 != 0 {
					rec.Proto = h[0]
					return
				}
				next, h = h[0], h[8:]
				continue
			}
			break
		}
		rec.Proto = next
		l4 = h
	default:
		return
	}
	switch {
	case (rec.Proto == 6 || rec.Proto == 17) && len(l4) >= 4:
		rec.SrcPort = binary.BigEndian.Uint16(l4)
		rec.DstPort = binary.BigEndian.Uint16(l4[2:])
	case (rec.Proto == 1 || rec.Proto == 58) && len(l4) >= 2:
		// ICMP type and code in the destination port, as NetFlow v5
		// carries them.
		rec.DstPort = binary.BigEndian.Uint16(l4)
	}
}

// counterSample decodes a counter sample into one Counters: its generic
// interface record, its Ethernet record, or both (the agent may send them
// in either order).
func counterSample(r *reader, expanded bool, h sflowHeader, out *Batch) *Error {
	seq := r.u32("sequence")
	var srcType, srcIndex uint32
	if expanded {
		srcType = r.u32("source_id_type")
		srcIndex = r.u32("source_id_index")
	} else {
		id := r.u32("source_id")
		srcType, srcIndex = id>>24, id&0x00ffffff
	}
	n := r.u32("num_records")
	if r.err != nil {
		return r.err
	}
	if n > maxSFlowSamples {
		return &Error{ErrCountOverflow, SFlowV5, r.off - 4, "num_records"}
	}
	c := Counters{Exporter: h.agent, Domain: h.subAgent, Time: h.received,
		Uptime: time.Duration(h.uptime) * time.Millisecond, Sequence: seq}
	if srcType == 0 {
		c.IfIndex = srcIndex
	}
	for i := uint32(0); i < n; i++ {
		format := r.u32("record_format")
		length := int(r.u32("record_length"))
		if r.err != nil {
			return r.err
		}
		if length > len(r.b)-r.off {
			return &Error{ErrBadLength, SFlowV5, r.off - 4, "record_length"}
		}
		body := reader{b: r.b[:r.off+length], off: r.off, proto: SFlowV5}
		r.off += length
		switch format {
		case sfGenericIf:
			genericIf(&body, &c)
		case sfEthernetIf:
			ethernetIf(&body, &c)
		default:
			continue
		}
		if body.err != nil {
			return body.err
		}
	}
	if c.Generic || c.Ethernet {
		out.Counters = append(out.Counters, c)
	}
	return nil
}

// genericIf reads an if_counters record (sFlow v5, counter format 1).
func genericIf(r *reader, c *Counters) {
	c.IfIndex = r.u32("ifIndex")
	c.IfType = r.u32("ifType")
	c.IfSpeed = r.u64("ifSpeed")
	c.IfDirection = IfDirection(r.u32("ifDirection"))
	status := r.u32("ifStatus")
	c.AdminUp, c.OperUp = status&1 != 0, status&2 != 0
	c.InOctets = r.u64("ifInOctets")
	c.InPackets = uint64(r.u32("ifInUcastPkts")) + uint64(r.u32("ifInMulticastPkts")) + uint64(r.u32("ifInBroadcastPkts"))
	c.InDiscards = r.u32("ifInDiscards")
	c.InErrors = r.u32("ifInErrors")
	c.InUnknownProtos = r.u32("ifInUnknownProtos")
	c.OutOctets = r.u64("ifOutOctets")
	c.OutPackets = uint64(r.u32("ifOutUcastPkts")) + uint64(r.u32("ifOutMulticastPkts")) + uint64(r.u32("ifOutBroadcastPkts"))
	c.OutDiscards = r.u32("ifOutDiscards")
	c.OutErrors = r.u32("ifOutErrors")
	r.u32("ifPromiscuousMode")
	if c.IfDirection > IfOut {
		c.IfDirection = IfDirectionUnknown
	}
	c.Generic = r.err == nil
}

// ethernetIf reads an ethernet_counters record (sFlow v5, counter format
// 2: the dot3StatsTable of RFC 3635).
func ethernetIf(r *reader, c *Counters) {
	e := &c.Dot3
	e.AlignmentErrors = r.u32("dot3StatsAlignmentErrors")
	e.FCSErrors = r.u32("dot3StatsFCSErrors")
	e.SingleCollisionFrames = r.u32("dot3StatsSingleCollisionFrames")
	e.MultipleCollisionFrames = r.u32("dot3StatsMultipleCollisionFrames")
	e.SQETestErrors = r.u32("dot3StatsSQETestErrors")
	e.DeferredTransmissions = r.u32("dot3StatsDeferredTransmissions")
	e.LateCollisions = r.u32("dot3StatsLateCollisions")
	e.ExcessiveCollisions = r.u32("dot3StatsExcessiveCollisions")
	e.InternalMacTransmitErrors = r.u32("dot3StatsInternalMacTransmitErrors")
	e.CarrierSenseErrors = r.u32("dot3StatsCarrierSenseErrors")
	e.FrameTooLongs = r.u32("dot3StatsFrameTooLongs")
	e.InternalMacReceiveErrors = r.u32("dot3StatsInternalMacReceiveErrors")
	e.SymbolErrors = r.u32("dot3StatsSymbolErrors")
	c.Ethernet = r.err == nil
}
