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
	sfExtendedSwitch = 1001
	sfGenericIf      = 1
)

// maxSFlowSamples bounds the sample and record counts a datagram may claim;
// a datagram of at most 64 KiB cannot hold more.
const maxSFlowSamples = 65536 / 8

// decodeSFlow decodes an sFlow v5 datagram: flow samples (their raw packet
// headers and extended switch data) and counter samples (generic interface
// counters).
func decodeSFlow(exporter netip.Addr, received time.Time, b []byte, out *Batch) *Error {
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
	subAgent := r.u32("sub_agent_id")
	r.u32("sequence")
	r.u32("uptime")
	n := r.u32("num_samples")
	if r.err != nil {
		return r.err
	}
	if n > maxSFlowSamples {
		return &Error{ErrCountOverflow, SFlowV5, r.off - 4, "num_samples"}
	}
	for i := uint32(0); i < n; i++ {
		format := r.u32("sample_format")
		length := int(r.u32("sample_length"))
		if r.err != nil {
			return r.err
		}
		if length > len(b)-r.off {
			return &Error{ErrBadLength, SFlowV5, r.off - 4, "sample_length"}
		}
		s := reader{b: b[:r.off+length], off: r.off, proto: SFlowV5}
		r.off += length
		var err *Error
		switch format {
		case sfFlowSample, sfExpandedFlowSample:
			err = flowSample(&s, format == sfExpandedFlowSample, exporter, subAgent, received, out)
		case sfCounterSample, sfExpandedCounterSample:
			err = counterSample(&s, format == sfExpandedCounterSample, exporter, subAgent, received, out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ifValue decodes an sFlow interface word: 2 bits of format, 30 of value;
// only format 0 (a single ifIndex) names an interface.
func ifValue(v uint32) uint32 {
	if v>>30 != 0 {
		return 0
	}
	return v & 0x3fffffff
}

func flowSample(r *reader, expanded bool, exporter netip.Addr, subAgent uint32, received time.Time, out *Batch) *Error {
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
		if r.u32("input_format") == 0 {
			in = r.u32("input_value")
		} else {
			r.u32("input_value")
		}
		if r.u32("output_format") == 0 {
			outIf = r.u32("output_value")
		} else {
			r.u32("output_value")
		}
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
	rec.Exporter = exporter
	rec.Domain = subAgent
	rec.Time = received
	rec.SamplingRate = rate
	rec.InIf, rec.OutIf = in, outIf
	rec.Packets = 1
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
			body.u32("header_protocol")
			rec.Bytes = uint64(body.u32("frame_length"))
			body.u32("stripped")
			hl := int(body.u32("header_length"))
			h := body.bytes(hl, "header")
			if body.err != nil {
				out.drop()
				return body.err
			}
			parseEthernet(h, rec)
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
	return nil
}

// parseEthernet fills the record from a sampled frame's header: Ethernet,
// up to two 802.1Q tags, IPv4 or IPv6, and TCP or UDP ports. A header cut
// short leaves the rest of the record empty: that is normal for samples.
func parseEthernet(h []byte, rec *Record) {
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
	var l4 []byte
	switch etype {
	case 0x0800:
		if len(h) < 20 || h[0]>>4 != 4 {
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
	case 0x86dd:
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
	if (rec.Proto == 6 || rec.Proto == 17) && len(l4) >= 4 {
		rec.SrcPort = binary.BigEndian.Uint16(l4)
		rec.DstPort = binary.BigEndian.Uint16(l4[2:])
	}
}

func counterSample(r *reader, expanded bool, exporter netip.Addr, subAgent uint32, received time.Time, out *Batch) *Error {
	r.u32("sequence")
	if expanded {
		r.u32("source_id_type")
		r.u32("source_id_index")
	} else {
		r.u32("source_id")
	}
	n := r.u32("num_records")
	if r.err != nil {
		return r.err
	}
	if n > maxSFlowSamples {
		return &Error{ErrCountOverflow, SFlowV5, r.off - 4, "num_records"}
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
		if format != sfGenericIf {
			continue
		}
		c := Counters{Exporter: exporter, Domain: subAgent, Time: received}
		c.IfIndex = body.u32("ifIndex")
		c.IfType = body.u32("ifType")
		c.IfSpeed = body.u64("ifSpeed")
		body.u32("ifDirection")
		c.IfStatus = body.u32("ifStatus")
		c.InOctets = body.u64("ifInOctets")
		c.InPackets = uint64(body.u32("ifInUcastPkts")) + uint64(body.u32("ifInMulticastPkts")) + uint64(body.u32("ifInBroadcastPkts"))
		c.InDiscards = body.u32("ifInDiscards")
		c.InErrors = body.u32("ifInErrors")
		body.u32("ifInUnknownProtos")
		c.OutOctets = body.u64("ifOutOctets")
		c.OutPackets = uint64(body.u32("ifOutUcastPkts")) + uint64(body.u32("ifOutMulticastPkts")) + uint64(body.u32("ifOutBroadcastPkts"))
		c.OutDiscards = body.u32("ifOutDiscards")
		c.OutErrors = body.u32("ifOutErrors")
		if body.err != nil {
			return body.err
		}
		out.Counters = append(out.Counters, c)
	}
	return nil
}
