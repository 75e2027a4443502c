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
	ieSamplerID      = 48
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
	ieStartMicros    = 154 // dateTimeMicroseconds, NTP format
	ieEndMicros      = 155
	ieStartNanos     = 156 // dateTimeNanoseconds, NTP format
	ieEndNanos       = 157
	ieSysInitMillis  = 160
	ieDurationMillis = 161
	ieDurationMicros = 162
	ieICMPTypeIPv4   = 176
	ieICMPCodeIPv4   = 177
	ieICMPTypeIPv6   = 178
	ieICMPCodeIPv6   = 179
	ieInitOctets     = 231 // Cisco ASA/NSEL: initiator → responder
	ieRespOctets     = 232
	ieInitPackets    = 298
	ieRespPackets    = 299
	ieDot1qVLAN      = 243
	ieInPhysIf       = 252
	ieOutPhysIf      = 253
	ieSelectorID     = 302
	ieObsTimeMillis  = 323 // observationTimeMilliseconds: a NAT or firewall event's time
	ieFrameSize      = 312 // dataLinkFrameSize
	ieFrameSection   = 315 // dataLinkFrameSection: the frame's first bytes
	ieSamplingPktInt = 305
	ieSamplingPktSp  = 306
)

// maxDeferred is how many data sets of a datagram may wait for a template
// that comes later in the same datagram.
const maxDeferred = 16

// deferredSet is a data set whose template was not known when it was read.
type deferredSet struct {
	off, length int
	id          uint16
}

// errs keeps the first error of a datagram, to return, and counts the
// others: a bad set or record costs itself, never its neighbours.
type errs struct {
	stats *Stats
	first *Error
}

func (e *errs) add(err *Error) {
	if err == nil {
		return
	}
	if e.first == nil {
		e.first = err
		return
	}
	e.stats.count(err.Kind)
}

// decodeTemplated decodes a NetFlow v9 or IPFIX datagram: a header, then
// sets of templates, options templates and data. A set that cannot be read
// is skipped and the others are decoded; a data set whose template comes
// later in the datagram is decoded after the other sets.
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
	b = b[:end]
	r.b = b
	hdr := header{proto: proto, exporter: exporter, domain: domain, export: export, uptime: uptime}
	e := errs{stats: &d.stats}
	var deferred [maxDeferred]deferredSet
	nDeferred := 0
	for r.off+4 <= end {
		setOff := r.off
		id := r.u16("set_id")
		length := int(r.u16("set_length"))
		if id == 0 && length == 0 && allZero(b[setOff:]) {
			break // padding after the last set
		}
		if length < 4 || setOff+length > end {
			// The sets after this one cannot be found.
			e.add(&Error{ErrBadLength, proto, setOff + 2, "set_length"})
			break
		}
		body := reader{b: b[:setOff+length], off: r.off, proto: proto}
		r.off = setOff + length
		switch {
		case proto == NetFlowV9 && id == 0, proto == IPFIX && id == 2:
			e.add(d.templateSet(&body, hdr, false))
		case proto == NetFlowV9 && id == 1, proto == IPFIX && id == 3:
			e.add(d.templateSet(&body, hdr, true))
		case id >= 256:
			tm := d.template(hdr, id)
			if tm == nil && nDeferred < len(deferred) {
				deferred[nDeferred] = deferredSet{setOff, length, id}
				nDeferred++
				continue
			}
			e.add(d.dataSet(&body, hdr, id, tm, out))
		}
	}
	// Options first: their sampling rates apply to the flow records.
	for pass := range 2 {
		for _, s := range deferred[:nDeferred] {
			tm := d.template(hdr, s.id)
			if (tm != nil && tm.options) != (pass == 0) {
				continue
			}
			body := reader{b: b[:s.off+s.length], off: s.off + 4, proto: proto}
			e.add(d.dataSet(&body, hdr, s.id, tm, out))
		}
	}
	return e.first
}

// allZero tells whether b holds only zero bytes.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
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

// template returns the cached template id of h's exporter and domain, or nil.
func (d *Decoder) template(h header, id uint16) *template {
	if e := d.templates.get(h.key(id)); e != nil {
		return e.tmpl
	}
	return nil
}

// templateSet reads the template records of a set into the cache. A template
// record that is wrong but whose extent is known is skipped and the next one
// read; the first error is returned, the others counted.
func (d *Decoder) templateSet(r *reader, h header, options bool) *Error {
	proto := h.proto
	e := errs{stats: &d.stats}
	for len(r.b)-r.off >= 4 {
		start := r.off
		id := r.u16("template_id")
		count := int(r.u16("field_count"))
		scopes := 0
		switch {
		case options && proto == NetFlowV9:
			// option_scope_length and option_length, in bytes.
			scopeLen, optLen := count, int(r.u16("option_length"))
			if r.err == nil && (scopeLen%4 != 0 || optLen%4 != 0) {
				e.add(&Error{ErrFieldLength, proto, start + 2, "option_scope_length"})
				return e.first // the record's extent is unknown
			}
			scopes, count = scopeLen/4, scopeLen/4+optLen/4
		case options && count > 0:
			scopes = int(r.u16("scope_field_count"))
			if r.err == nil && scopes > count {
				e.add(&Error{ErrCountOverflow, proto, start + 4, "scope_field_count"})
				return e.first
			}
		}
		if id == 0 && count == 0 {
			break // padding at the end of the set
		}
		if r.err != nil {
			e.add(r.err)
			return e.first
		}
		if proto == IPFIX && count == 0 && id >= 256 {
			d.templates.remove(h.key(id))
			continue
		}
		if count == 0 || count*4 > len(r.b)-r.off {
			e.add(&Error{ErrCountOverflow, proto, start + 2, "field_count"})
			return e.first
		}
		// The fields go to a buffer on the stack: a template the cache
		// holds already (most are resent ones) costs no allocation.
		var buf [64]field
		fields := buf[:0]
		if count > len(buf) {
			fields = make([]field, 0, count)
		}
		tm := template{scopes: scopes, options: options}
		zeroLen := 0
		for range count {
			fid := r.u16("field_type")
			flen := r.u16("field_length")
			f := field{id: fid, length: flen}
			if proto == IPFIX && fid&0x8000 != 0 {
				f.id, f.enterprise = fid&0x7fff, true
				r.u32("enterprise_number")
			}
			if r.err != nil {
				e.add(r.err)
				return e.first
			}
			if flen == varLength {
				// RFC 7011 §7 for IPFIX; NetFlow v9 exporters (H3C) use
				// the same encoding.
				tm.minLen++
			} else {
				tm.minLen += int(flen)
			}
			if flen == 0 {
				zeroLen++
			}
			fields = append(fields, f)
		}
		tm.fields = fields
		if err := checkTemplate(proto, start, id, &tm, zeroLen); err != nil {
			e.add(err)
			d.templates.refuse(h.exporter)
		} else if !d.templates.putTemplate(h.key(id), tm) {
			e.add(&Error{ErrTemplateTooLarge, proto, start, "field_count"})
		}
	}
	return e.first
}

// maxRecordLen is the longest record a datagram of 65535 bytes can carry:
// what the message and set headers leave.
func maxRecordLen(proto Protocol) int {
	if proto == NetFlowV9 {
		return 0xffff - 20 - 4
	}
	return 0xffff - 16 - 4
}

// checkTemplate refuses a template no exporter can use: an id below 256
// (RFC 7011 §3.4.1, RFC 3954 §5.2), records of no bytes (they cannot be
// told apart, nor counted), records longer than any datagram, or more fields
// of length 0 than the record has bytes (fields of length 0 are legal, but
// so many would make each byte of a data set cost many fields' work).
// Repeated fields are not refused: RFC 7011 §8 allows an information
// element more than once in a template.
func checkTemplate(proto Protocol, start int, id uint16, tm *template, zeroLen int) *Error {
	switch {
	case id < 256:
		return &Error{ErrBadLength, proto, start, "template_id"}
	case tm.minLen == 0 || tm.minLen > maxRecordLen(proto):
		return &Error{ErrFieldLength, proto, start, "template length"}
	case zeroLen > tm.minLen:
		return &Error{ErrFieldLength, proto, start, "fields of length 0"}
	}
	return nil
}

// dataSet decodes the records of a data set with its template tm (nil when
// unknown). A record that cannot be read ends the set; the records before it
// are kept.
func (d *Decoder) dataSet(r *reader, h header, id uint16, tm *template, out *Batch) *Error {
	if tm == nil {
		return &Error{ErrTemplateMissing, h.proto, r.off - 4, "set_id"}
	}
	if tm.options {
		return d.optionsData(r, h, tm)
	}
	st := d.templates.state(h.key(0))
	// The sampling rate of the sampler a record names, remembered for
	// the next records (they usually name the same).
	var lastSampler uint64
	var lastRate uint32
	haveLast := false
	for len(r.b)-r.off >= tm.minLen {
		rec := out.next()
		rec.Protocol = h.proto
		rec.Exporter = h.exporter
		rec.Domain = h.domain
		rec.Time = h.export
		var v recordValues
		for _, f := range tm.fields {
			val := fieldValue(r, f)
			if r.err != nil {
				out.drop()
				return r.err
			}
			if !f.enterprise {
				v.set(rec, f.id, val)
			}
		}
		if rec.SamplingRate == 0 {
			rec.SamplingRate = st.samplingRate
			if v.haveSampler {
				if !haveLast || v.sampler != lastSampler {
					k := h.key(0)
					k.perSampler, k.sampler = true, v.sampler
					lastSampler, lastRate, haveLast = v.sampler, d.templates.state(k).samplingRate, true
				}
				if lastRate != 0 {
					rec.SamplingRate = lastRate
				}
			}
		}
		v.finish(rec, h, st)
	}
	return nil
}

// recordValues holds what a record's fields say that is settled only once
// every field is read.
type recordValues struct {
	first, last              uint32
	haveFirst, haveLast      bool
	haveBytes, havePackets   bool
	initOctets, respOctets   uint64
	initPackets, respPackets uint64
	icmpType, icmpCode       uint8
	haveICMP                 bool
	duration                 time.Duration
	haveDuration             bool
	observed                 time.Time
	sampler                  uint64
	haveSampler              bool
	inPhys, outPhys          uint32
	frameSize                uint64
	frame                    []byte
}

// setAddr sets *dst to a unless a is the unspecified address of one family
// and *dst already holds an address: a record with both IPv4 and IPv6
// address fields fills the family it does not use with zeros.
func setAddr(dst *netip.Addr, a netip.Addr) {
	if !dst.IsValid() || dst.IsUnspecified() || !a.IsUnspecified() {
		*dst = a
	}
}

// set applies one field of a record.
func (v *recordValues) set(rec *Record, id uint16, val []byte) {
	switch id {
	case ieOctets, ieOctetsTotal:
		rec.Bytes, v.haveBytes = uintN(val), true
	case iePackets, iePacketsTotal:
		rec.Packets, v.havePackets = uintN(val), true
	case ieInitOctets:
		v.initOctets = uintN(val)
	case ieRespOctets:
		v.respOctets = uintN(val)
	case ieInitPackets:
		v.initPackets = uintN(val)
	case ieRespPackets:
		v.respPackets = uintN(val)
	case ieProto:
		rec.Proto = uint8(uintN(val))
	case ieSrcPort:
		rec.SrcPort = uint16(uintN(val))
	case ieDstPort:
		rec.DstPort = uint16(uintN(val))
	case ieSrcAddr4:
		if len(val) == 4 {
			setAddr(&rec.SrcAddr, netip.AddrFrom4([4]byte(val)))
		}
	case ieDstAddr4:
		if len(val) == 4 {
			setAddr(&rec.DstAddr, netip.AddrFrom4([4]byte(val)))
		}
	case ieSrcAddr6:
		if len(val) == 16 {
			setAddr(&rec.SrcAddr, netip.AddrFrom16([16]byte(val)))
		}
	case ieDstAddr6:
		if len(val) == 16 {
			setAddr(&rec.DstAddr, netip.AddrFrom16([16]byte(val)))
		}
	case ieICMPType, ieICMPType6:
		// NetFlow v5 carries ICMP type and code in the destination
		// port; do the same, so ICMP aggregates alike whatever the
		// protocol version.
		if t := uint16(uintN(val)); t != 0 {
			rec.DstPort = t
		}
	case ieICMPTypeIPv4, ieICMPTypeIPv6:
		v.icmpType, v.haveICMP = uint8(uintN(val)), true
	case ieICMPCodeIPv4, ieICMPCodeIPv6:
		v.icmpCode, v.haveICMP = uint8(uintN(val)), true
	case ieInIf:
		rec.InIf = uint32(uintN(val))
	case ieOutIf:
		rec.OutIf = uint32(uintN(val))
	case ieSrcMAC:
		if len(val) == 6 {
			rec.SrcMAC = [6]byte(val)
		}
	case ieDstMAC:
		if len(val) == 6 {
			rec.DstMAC = [6]byte(val)
		}
	case ieOutSrcMAC:
		// The MACs as the frame left; softflowd exports its
		// destination MAC only so. The ingress fields win.
		if len(val) == 6 && rec.SrcMAC == [6]byte{} {
			rec.SrcMAC = [6]byte(val)
		}
	case ieOutDstMAC:
		if len(val) == 6 && rec.DstMAC == [6]byte{} {
			rec.DstMAC = [6]byte(val)
		}
	case ieVLAN, ieDot1qVLAN:
		rec.VLAN = uint16(uintN(val)) & 0x0fff
	case ieDirection:
		rec.Direction = Direction(uintN(val) + 1)
	case ieSamplingIntvl:
		rec.SamplingRate = uint32(uintN(val))
	case ieFirstSwitched:
		v.first, v.haveFirst = uint32(uintN(val)), true
	case ieLastSwitched:
		v.last, v.haveLast = uint32(uintN(val)), true
	case ieStartSeconds:
		rec.Start = time.Unix(int64(uintN(val)), 0)
	case ieEndSeconds:
		rec.End = time.Unix(int64(uintN(val)), 0)
	case ieStartMillis:
		rec.Start = time.UnixMilli(int64(uintN(val)))
	case ieEndMillis:
		rec.End = time.UnixMilli(int64(uintN(val)))
	case ieStartMicros, ieStartNanos:
		rec.Start = ntpTime(uintN(val))
	case ieEndMicros, ieEndNanos:
		rec.End = ntpTime(uintN(val))
	case ieSamplerID, ieSelectorID:
		v.sampler, v.haveSampler = uintN(val), true
	case ieInPhysIf:
		v.inPhys = uint32(uintN(val))
	case ieOutPhysIf:
		v.outPhys = uint32(uintN(val))
	case ieFrameSize:
		v.frameSize = uintN(val)
	case ieFrameSection:
		v.frame = val
	case ieObsTimeMillis:
		v.observed = time.UnixMilli(int64(uintN(val)))
	case ieDurationMillis:
		v.duration, v.haveDuration = time.Duration(uintN(val))*time.Millisecond, true
	case ieDurationMicros:
		v.duration, v.haveDuration = time.Duration(uintN(val))*time.Microsecond, true
	}
}

// finish settles what depends on several fields: uptime stamps, vendor
// counters, ICMP type and code, the end from the start and duration.
func (v *recordValues) finish(rec *Record, h header, st exporterState) {
	switch {
	case h.proto == NetFlowV9:
		if v.haveFirst {
			rec.Start = sysUptime(h.export, h.uptime, v.first)
		}
		if v.haveLast {
			rec.End = sysUptime(h.export, h.uptime, v.last)
		}
	case st.sysInitMs != 0:
		// The uptime stamps are 32-bit: the exporter's uptime at
		// export, modulo 2^32 like them, places them (sysUptime).
		uptime := uint32(uint64(h.export.UnixMilli()) - st.sysInitMs)
		if v.haveFirst {
			rec.Start = sysUptime(h.export, uptime, v.first)
		}
		if v.haveLast {
			rec.End = sysUptime(h.export, uptime, v.last)
		}
	}
	// Cisco ASA (NSEL) sends a connection's initiator and responder
	// counters instead of the usual ones: the record counts both, the
	// traffic the two ends exchanged.
	if !v.haveBytes {
		rec.Bytes = v.initOctets + v.respOctets
	}
	if !v.havePackets {
		rec.Packets = v.initPackets + v.respPackets
	}
	if v.haveICMP && (v.icmpType != 0 || v.icmpCode != 0) {
		rec.DstPort = uint16(v.icmpType)<<8 | uint16(v.icmpCode)
	}
	if rec.InIf == 0 {
		rec.InIf = v.inPhys
	}
	if rec.OutIf == 0 {
		rec.OutIf = v.outPhys
	}
	if v.frame != nil {
		// A sampled frame (IPFIX packet sampling, RFC 7133): the record
		// is that one packet, its fields in the frame's headers.
		var f Record
		parseEthernet(v.frame, &f)
		fillSampled(rec, &f)
		if rec.Bytes == 0 {
			rec.Bytes = v.frameSize
		}
		if rec.Packets == 0 {
			rec.Packets = 1
		}
	}
	if rec.Start.IsZero() && rec.End.IsZero() && !v.observed.IsZero() {
		// An event (NAT, firewall) rather than a flow: it happened then.
		rec.Start, rec.End = v.observed, v.observed
	}
	if v.haveDuration && rec.End.IsZero() && !rec.Start.IsZero() {
		rec.End = rec.Start.Add(v.duration)
	}
	if rec.Direction > DirEgress {
		rec.Direction = DirUnknown
	}
}

// optionsData reads options records: sampling interval and algorithm,
// per sampler when the record names one, and the exporter's boot time,
// kept per exporter and domain.
func (d *Decoder) optionsData(r *reader, h header, tm *template) *Error {
	for len(r.b)-r.off >= tm.minLen {
		var rate, random, pktInt, pktSpace uint32
		var algo uint8
		var sysInit, sampler uint64
		haveSampler := false
		for i, f := range tm.fields {
			v := fieldValue(r, f)
			if r.err != nil {
				return r.err
			}
			// NetFlow v9 scope fields have their own type numbers
			// (system, interface, line card…), not field types.
			if f.enterprise || (h.proto == NetFlowV9 && i < tm.scopes) {
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
			case ieSamplerID, ieSelectorID:
				sampler, haveSampler = uintN(v), true
			}
		}
		if rate == 0 {
			rate = random
		}
		if rate == 0 && pktInt != 0 {
			rate = (pktInt + pktSpace) / pktInt
		}
		if rate != 0 && haveSampler {
			k := h.key(0)
			k.perSampler, k.sampler = true, sampler
			d.templates.updateState(k, func(s *exporterState) { s.samplingRate, s.algorithm = rate, algo })
		}
		// The exporter-wide rate too: records that name no sampler
		// take the last one announced.
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

// ntpEpoch is the NTP era 0 epoch (1900-01-01) in Unix seconds.
const ntpEpoch = -2208988800

// ntpTime converts an IPFIX dateTimeMicroseconds or dateTimeNanoseconds
// value (RFC 7011 §6.1.9: NTP format, seconds since 1900 and a binary
// fraction of a second) into a time.
func ntpTime(v uint64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	frac := (v & 0xffffffff) * 1e9 >> 32
	return time.Unix(int64(v>>32)+ntpEpoch, int64(frac))
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
