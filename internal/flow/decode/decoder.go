package decode

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// DefaultTemplateCapacity is the template cache size of NewDecoder.
const DefaultTemplateCapacity = 65536

// Decoder decodes datagrams of any supported protocol. Safe for concurrent
// use by several goroutines, each with its own Batch.
type Decoder struct {
	templates *Templates
	stats     Stats
}

// NewDecoder returns a decoder whose template cache holds at most
// templateCapacity entries (DefaultTemplateCapacity when ≤ 0) within
// DefaultTemplateBytes.
func NewDecoder(templateCapacity int) *Decoder {
	if templateCapacity <= 0 {
		templateCapacity = DefaultTemplateCapacity
	}
	return &Decoder{templates: NewTemplates(templateCapacity)}
}

// NewDecoderLimits returns a decoder whose template cache is bounded by l
// (see Limits for the defaults).
func NewDecoderLimits(l Limits) *Decoder {
	return &Decoder{templates: NewTemplatesLimits(l)}
}

// Templates returns the decoder's template cache.
func (d *Decoder) Templates() *Templates { return d.templates }

// Stats returns the decoder's error counters.
func (d *Decoder) Stats() *Stats { return &d.stats }

// Decode decodes one datagram from exporter, received at received, and
// appends its records and counters to out. The protocol is recognised from
// the version field. A bad set, sample or record costs only itself: the
// records of the rest of the datagram that can be found are decoded into
// out. The error returned is the datagram's first, an *Error naming the
// offset and field; every error is counted in Stats.
func (d *Decoder) Decode(exporter netip.Addr, received time.Time, b []byte, out *Batch) error {
	var err *Error
	switch {
	case len(b) < 4:
		err = &Error{ErrTruncated, 0, 0, "version"}
	case b[0] == 0 && b[1] == 5:
		err = decodeV5(exporter, b, out)
	case b[0] == 0 && b[1] == 9:
		err = d.decodeTemplated(NetFlowV9, exporter, b, out)
	case b[0] == 0 && b[1] == 10:
		err = d.decodeTemplated(IPFIX, exporter, b, out)
	case binary.BigEndian.Uint32(b) == 5:
		err = decodeSFlow(&d.stats, exporter, received, b, out)
	default:
		err = &Error{ErrUnknownVersion, 0, 0, "version"}
	}
	if err != nil {
		d.stats.count(err.Kind)
		return err
	}
	return nil
}

// reader reads big-endian numbers from a datagram with bounds checks; the
// first failure sticks and names its field.
type reader struct {
	b     []byte
	off   int
	proto Protocol
	err   *Error
}

func (r *reader) fail(kind error, field string) {
	if r.err == nil {
		r.err = &Error{kind, r.proto, r.off, field}
	}
}

func (r *reader) need(n int, field string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail(ErrTruncated, field)
		return false
	}
	return true
}

func (r *reader) u8(field string) uint8 {
	if !r.need(1, field) {
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16(field string) uint16 {
	if !r.need(2, field) {
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u32(field string) uint32 {
	if !r.need(4, field) {
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) u64(field string) uint64 {
	if !r.need(8, field) {
		return 0
	}
	v := binary.BigEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

func (r *reader) bytes(n int, field string) []byte {
	if !r.need(n, field) {
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

// uint reads a big-endian unsigned number of 1 to 8 bytes.
func uintN(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// sysUptime converts a time in milliseconds of exporter uptime into wall
// time, given the export time and the uptime at export. Both counters wrap
// every 2^32 ms (49.7 days), and an exporter may stamp a packet it saw
// before its own start with a "negative" uptime (softflowd reading a
// capture): the difference is taken modulo 2^32, as a signed age within
// ±24.8 days of the export.
func sysUptime(export time.Time, uptimeMs, atMs uint32) time.Time {
	return export.Add(-time.Duration(int32(uptimeMs-atMs)) * time.Millisecond)
}

// decodeV5 decodes a NetFlow v5 datagram: a 24-byte header and count
// records of 48 bytes. A datagram cut short keeps its whole records.
func decodeV5(exporter netip.Addr, b []byte, out *Batch) *Error {
	r := reader{b: b, off: 2, proto: NetFlowV5}
	count := int(r.u16("count"))
	uptime := r.u32("sys_uptime")
	secs := r.u32("unix_secs")
	nsecs := r.u32("unix_nsecs")
	r.u32("flow_sequence")
	engType := r.u8("engine_type")
	engID := r.u8("engine_id")
	sampling := r.u16("sampling_interval") & 0x3fff
	if r.err != nil {
		return r.err
	}
	if count > 30 {
		return &Error{ErrCountOverflow, NetFlowV5, 2, "count"}
	}
	var err *Error
	if len(b) < 24+count*48 {
		// Keep the whole records before the cut.
		err = &Error{ErrTruncated, NetFlowV5, len(b), "records"}
		count = (len(b) - 24) / 48
	}
	export := time.Unix(int64(secs), int64(nsecs))
	for i := 0; i < count; i++ {
		p := b[24+i*48 : 24+(i+1)*48]
		rec := out.next()
		rec.Protocol = NetFlowV5
		rec.Exporter = exporter
		rec.Domain = uint32(engType)<<8 | uint32(engID)
		rec.Time = export
		rec.SamplingRate = uint32(sampling)
		rec.SrcAddr = netip.AddrFrom4([4]byte(p[0:4]))
		rec.DstAddr = netip.AddrFrom4([4]byte(p[4:8]))
		rec.InIf = uint32(binary.BigEndian.Uint16(p[12:]))
		rec.OutIf = uint32(binary.BigEndian.Uint16(p[14:]))
		rec.Packets = uint64(binary.BigEndian.Uint32(p[16:]))
		rec.Bytes = uint64(binary.BigEndian.Uint32(p[20:]))
		rec.Start = sysUptime(export, uptime, binary.BigEndian.Uint32(p[24:]))
		rec.End = sysUptime(export, uptime, binary.BigEndian.Uint32(p[28:]))
		rec.SrcPort = binary.BigEndian.Uint16(p[32:])
		rec.DstPort = binary.BigEndian.Uint16(p[34:])
		rec.Proto = p[38]
	}
	return err
}
