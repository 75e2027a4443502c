package decode

import (
	"net/netip"
	"time"
)

// Information elements used (NetFlow v9 field types; IPFIX shares the
// numbers below 128 and adds the rest).
const (
	ieOctets         = 1
	iePackets        = 2
	ieProto          = 4
	ieSrcPort        = 7
	ieSrcAddr4       = 8
	ieInIf           = 10
	ieDstPort        = 11
	ieDstAddr4       = 12
	ieOutIf          = 14
	ieLastSwitched   = 21
	ieFirstSwitched  = 22
	ieSrcAddr6       = 27
	ieDstAddr6       = 28
	ieICMPType       = 32 // ICMP_TYPE / icmpTypeCodeIPv4: type<<8 | code
	ieSamplingIntvl  = 34
	ieSamplingAlgo   = 35
	ieSamplerMode    = 49
	ieSamplerRandom  = 50
	ieSrcMAC         = 56
	ieOutDstMAC      = 57 // NetFlow v9 OUT_DST_MAC, IPFIX postDestinationMacAddress
	ieVLAN           = 58
	ieDirection      = 61
	ieDstMAC         = 80
	ieICMPType6      = 139 // icmpTypeCodeIPv6
	ieOutSrcMAC      = 81  // NetFlow v9 OUT_SRC_MAC, IPFIX postSourceMacAddress
	ieOctetsTotal    = 85
	iePacketsTotal   = 86
	ieStartSeconds   = 150
	ieEndSeconds     = 151
	ieStartMillis    = 152
	ieEndMillis      = 153
	ieSysInitMillis  = 160
	ieDot1qVLAN      = 243
	ieSamplingPktInt = 305
	ieSamplingPktSp  = 306
)

// decodeTemplated decodes a NetFlow v9 or IPFIX datagram: a header, then
// sets of templates, options templates and data.
func (d *Decoder) decodeTemplated(proto Protocol, exporter netip.Addr, b []byte, out *Batch) *Error {
	r := reader{b: b, off: 2, proto: proto}
	var export time.Time
	var uptime, domain uint32
	end := len(b)
	if proto == NetFlowV9 {
		r.u16("count")
		uptime = r.u32("sys_uptime")
		export = time.Unix(int64(r.u32("unix_secs")), 0)
		r.u32("sequence")
		domain = r.u32("source_id")
	} else {
		length := int(r.u16("length"))
		export = time.Unix(int64(r.u32("export_time")), 0)
		r.u32("sequence")
		domain = r.u32("observation_domain")
		if r.err == nil && (length < 16 || length > len(b)) {
			return &Error{ErrBadLength, proto, 2, "length"}
		}
		end = length
	}
	if r.err != nil {
		return r.err
	}
	r.b = b[:end]
	hdr := header{proto: proto, exporter: exporter, domain: domain, export: export, uptime: uptime}
	var miss *Error
	for r.off+4 <= end {
		setOff := r.off
		id := r.u16("set_id")
		length := int(r.u16("set_length"))
		if length < 4 || setOff+length > end {
			return &Error{ErrBadLength, proto, setOff + 2, "set_length"}
		}
		body := reader{b: b[:setOff+length], off: r.off, proto: proto}
		r.off = setOff + length
		var err *Error
		switch {
		case proto == NetFlowV9 && id == 0, proto == IPFIX && id == 2:
			err = d.templateSet(&body, hdr, false)
		case proto == NetFlowV9 && id == 1, proto == IPFIX && id == 3:
			err = d.templateSet(&body, hdr, true)
		case id >= 256:
			err = d.dataSet(&body, hdr, id, out)
		}
		if err != nil {
			if err.Kind != ErrTemplateMissing {
				return err
			}
			// One miss per set: the first is returned (and counted by
			// Decode), the others are counted here.
			if miss == nil {
				miss = err
			} else {
				d.stats.count(ErrTemplateMissing)
			}
		}
	}
	if miss != nil {
		return miss
	}
	return nil
}

// header is what the datagram header says, for the records.
type header struct {
	proto    Protocol
	exporter netip.Addr
	domain   uint32
	export   time.Time
	uptime   uint32
}

func (h header) key(id uint16) key {
	return key{exporter: h.exporter, domain: h.domain, id: id, proto: h.proto}
}

// templateSet reads the template records of a set into the cache.
func (d *Decoder) templateSet(r *reader, h header, options bool) *Error {
	proto := h.proto
	for len(r.b)-r.off >= 4 {
		start := r.off
		id := r.u16("template_id")
		count := int(r.u16("field_count"))
		scopes := 0
		switch {
		case options && proto == NetFlowV9:
			// option_scope_length and option_length, in bytes.
			scopeLen, optLen := count, int(r.u16("option_length"))
			if scopeLen%4 != 0 || optLen%4 != 0 || scopeLen == 0 {
				return &Error{ErrFieldLength, proto, start + 2, "option_scope_length"}
			}
			scopes, count = scopeLen/4, scopeLen/4+optLen/4
		case options && count > 0:
			scopes = int(r.u16("scope_field_count"))
			if scopes > count || scopes == 0 {
				return &Error{ErrCountOverflow, proto, start + 4, "scope_field_count"}
			}
		}
		if id == 0 && count == 0 {
			break // padding at the end of the set
		}
		if r.err != nil {
			return r.err
		}
		if id < 256 {
			return &Error{ErrBadLength, proto, start, "template_id"}
		}
		if proto == IPFIX && count == 0 {
			d.templates.remove(h.key(id))
			continue
		}
		if count == 0 || count*4 > len(r.b)-r.off {
			return &Error{ErrCountOverflow, proto, start + 2, "field_count"}
		}
		tm := &template{fields: make([]field, count), scopes: scopes, fixed: true}
		for i := range tm.fields {
			fOff := r.off
			fid := r.u16("field_type")
			flen := r.u16("field_length")
			f := field{id: fid, length: flen}
			if proto == IPFIX && fid&0x8000 != 0 {
				f.id, f.enterprise = fid&0x7fff, true
				r.u32("enterprise_number")
			}
			if r.err != nil {
				return r.err
			}
			switch {
			case flen == 0:
				return &Error{ErrFieldLength, proto, fOff + 2, "field_length"}
			case flen == varLength && proto == IPFIX:
				tm.fixed = false
				tm.minLen++
			case flen == varLength:
				return &Error{ErrFieldLength, proto, fOff + 2, "field_length"}
			default:
				tm.minLen += int(flen)
			}
			tm.fields[i] = f
		}
		if tm.minLen > 0xffff {
			return &Error{ErrFieldLength, proto, start, "template length"}
		}
		d.templates.putTemplate(h.key(id), tm)
	}
	return nil
}

// dataSet decodes the records of a data set with its template.
func (d *Decoder) dataSet(r *reader, h header, id uint16, out *Batch) *Error {
	e := d.templates.get(h.key(id))
	if e == nil || e.tmpl == nil {
		return &Error{ErrTemplateMissing, h.proto, r.off - 4, "set_id"}
	}
	tm := e.tmpl
	if tm.scopes > 0 {
		return d.optionsData(r, h, tm)
	}
	st := d.templates.state(h.key(0))
	for len(r.b)-r.off >= tm.minLen {
		rec := out.next()
		rec.Protocol = h.proto
		rec.Exporter = h.exporter
		rec.Domain = h.domain
		rec.Time = h.export
		rec.SamplingRate = st.samplingRate
		var first, last uint32
		var haveFirst, haveLast bool
		for _, f := range tm.fields {
			v := fieldValue(r, f)
			if r.err != nil {
				out.drop()
				return r.err
			}
			if f.enterprise {
				continue
			}
			switch f.id {
			case ieOctets, ieOctetsTotal:
				rec.Bytes = uintN(v)
			case iePackets, iePacketsTotal:
				rec.Packets = uintN(v)
			case ieProto:
				rec.Proto = uint8(uintN(v))
			case ieSrcPort:
				rec.SrcPort = uint16(uintN(v))
			case ieDstPort:
				rec.DstPort = uint16(uintN(v))
			case ieSrcAddr4:
				if len(v) == 4 {
					rec.SrcAddr = netip.AddrFrom4([4]byte(v))
				}
			case ieDstAddr4:
				if len(v) == 4 {
					rec.DstAddr = netip.AddrFrom4([4]byte(v))
				}
			case ieSrcAddr6:
				if len(v) == 16 {
					rec.SrcAddr = netip.AddrFrom16([16]byte(v))
				}
			case ieDstAddr6:
				if len(v) == 16 {
					rec.DstAddr = netip.AddrFrom16([16]byte(v))
				}
			case ieICMPType, ieICMPType6:
				// NetFlow v5 carries ICMP type and code in the destination
				// port; do the same, so ICMP aggregates alike whatever the
				// protocol version.
				if t := uint16(uintN(v)); t != 0 {
					rec.DstPort = t
				}
			case ieInIf:
				rec.InIf = uint32(uintN(v))
			case ieOutIf:
				rec.OutIf = uint32(uintN(v))
			case ieSrcMAC:
				if len(v) == 6 {
					rec.SrcMAC = [6]byte(v)
				}
			case ieDstMAC:
				if len(v) == 6 {
					rec.DstMAC = [6]byte(v)
				}
			case ieOutSrcMAC:
				// The MACs as the frame left; softflowd exports its
				// destination MAC only so. The ingress fields win.
				if len(v) == 6 && rec.SrcMAC == [6]byte{} {
					rec.SrcMAC = [6]byte(v)
				}
			case ieOutDstMAC:
				if len(v) == 6 && rec.DstMAC == [6]byte{} {
					rec.DstMAC = [6]byte(v)
				}
			case ieVLAN, ieDot1qVLAN:
				rec.VLAN = uint16(uintN(v)) & 0x0fff
			case ieDirection:
				rec.Direction = Direction(uintN(v) + 1)
			case ieSamplingIntvl:
				rec.SamplingRate = uint32(uintN(v))
			case ieFirstSwitched:
				first, haveFirst = uint32(uintN(v)), true
			case ieLastSwitched:
				last, haveLast = uint32(uintN(v)), true
			case ieStartSeconds:
				rec.Start = time.Unix(int64(uintN(v)), 0)
			case ieEndSeconds:
				rec.End = time.Unix(int64(uintN(v)), 0)
			case ieStartMillis:
				rec.Start = time.UnixMilli(int64(uintN(v)))
			case ieEndMillis:
				rec.End = time.UnixMilli(int64(uintN(v)))
			}
		}
		switch {
		case h.proto == NetFlowV9:
			if haveFirst {
				rec.Start = sysUptime(h.export, h.uptime, first)
			}
			if haveLast {
				rec.End = sysUptime(h.export, h.uptime, last)
			}
		case st.sysInitMs != 0:
			// The uptime stamps are 32-bit: the exporter's uptime at
			// export, modulo 2^32 like them, places them (sysUptime).
			uptime := uint32(uint64(h.export.UnixMilli()) - st.sysInitMs)
			if haveFirst {
				rec.Start = sysUptime(h.export, uptime, first)
			}
			if haveLast {
				rec.End = sysUptime(h.export, uptime, last)
			}
		}
		if rec.Direction > DirEgress {
			rec.Direction = DirUnknown
		}
	}
	return nil
}

// optionsData reads options records: sampling interval and algorithm, and
// the exporter's boot time, kept per exporter and domain.
func (d *Decoder) optionsData(r *reader, h header, tm *template) *Error {
	for len(r.b)-r.off >= tm.minLen {
		var rate, random, pktInt, pktSpace uint32
		var algo uint8
		var sysInit uint64
		for i, f := range tm.fields {
			v := fieldValue(r, f)
			if r.err != nil {
				return r.err
			}
			if f.enterprise || i < tm.scopes {
				continue
			}
			switch f.id {
			case ieSamplingIntvl:
				rate = uint32(uintN(v))
			case ieSamplerRandom:
				random = uint32(uintN(v))
			case ieSamplingAlgo, ieSamplerMode:
				algo = uint8(uintN(v))
			case ieSamplingPktInt:
				pktInt = uint32(uintN(v))
			case ieSamplingPktSp:
				pktSpace = uint32(uintN(v))
			case ieSysInitMillis:
				sysInit = uintN(v)
			}
		}
		if rate == 0 {
			rate = random
		}
		if rate == 0 && pktInt != 0 {
			rate = (pktInt + pktSpace) / pktInt
		}
		if rate != 0 || sysInit != 0 {
			d.templates.updateState(h.key(0), func(s *exporterState) {
				if rate != 0 {
					s.samplingRate, s.algorithm = rate, algo
				}
				if sysInit != 0 {
					s.sysInitMs = sysInit
				}
			})
		}
	}
	return nil
}

// fieldValue returns the bytes of one field of a data record, reading the
// IPFIX variable-length prefix when the template says so.
func fieldValue(r *reader, f field) []byte {
	n := int(f.length)
	if f.length == varLength {
		n = int(r.u8("varlen_length"))
		if n == 255 {
			n = int(r.u16("varlen_length"))
		}
	}
	return r.bytes(n, "field value")
}
