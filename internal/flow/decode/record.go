// Package decode turns NetFlow v5, NetFlow v9, IPFIX and sFlow v5 datagrams
// into flat flow records. Decoding is pure: bytes in, records out, no I/O.
// The only state is the template cache (templates and sampling options per
// exporter and observation domain), which is bounded and safe for concurrent
// use.
//
// It is not for receiving datagrams, attributing records to VMs or
// aggregating them: the flow listener and the attribution stage do that.
package decode

import (
	"net/netip"
	"time"
)

// Protocol is the export protocol a record came from.
type Protocol uint8

// Export protocols.
const (
	NetFlowV5 Protocol = iota + 1
	NetFlowV9
	IPFIX
	SFlowV5
)

func (p Protocol) String() string {
	switch p {
	case NetFlowV5:
		return "netflow5"
	case NetFlowV9:
		return "netflow9"
	case IPFIX:
		return "ipfix"
	case SFlowV5:
		return "sflow5"
	}
	return "unknown"
}

// Direction is the direction of a flow relative to the interface that
// observed it, when the exporter says so.
type Direction uint8

// Directions.
const (
	DirUnknown Direction = iota
	DirIngress
	DirEgress
)

// Record is one flow record, flat so that a slice of them can be reused
// from datagram to datagram without allocating. Zero values mean "not
// exported" (a zero MAC, an invalid netip.Addr, a zero time).
type Record struct {
	Protocol Protocol
	// Exporter is the device that exported the record: the datagram's source
	// address, or the sFlow agent address.
	Exporter netip.Addr
	// Domain is the NetFlow v5 engine type and id (type<<8 | id), the NetFlow
	// v9 source id, the IPFIX observation domain or the sFlow sub-agent id.
	Domain uint32
	// Time is the export time of the datagram (NetFlow, IPFIX) or the time it
	// was received (sFlow has no clock in its datagrams).
	Time time.Time
	// SamplingRate is 1 in N packets; 0 when the exporter did not say.
	SamplingRate uint32

	SrcMAC, DstMAC   [6]byte
	VLAN             uint16
	SrcAddr, DstAddr netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
	Bytes, Packets   uint64
	InIf, OutIf      uint32
	Direction        Direction
	// Start and End bound the flow; zero for sFlow samples.
	Start, End time.Time
}

// Counters are the interface counters of one sFlow counter sample: the
// generic interface counters (IF-MIB, when Generic) and the Ethernet ones
// (EtherLike-MIB's dot3StatsTable, when Ethernet) of one port of the agent,
// at one moment. Pure values, no pointers: a store keeps them per switch
// port by (Exporter, Domain, IfIndex), the agent's ifIndex resolving to the
// port as SNMP's ifTable names it. The counts are cumulative since the
// agent's counters started: the difference of two samples over the
// difference of their Time is a rate; a smaller Uptime or a counter gone
// down tells a restart or a wrap.
type Counters struct {
	// Exporter is the sFlow agent address; Domain its sub-agent id.
	Exporter netip.Addr
	Domain   uint32
	// Time is when the datagram was received (sFlow has no clock);
	// Uptime the agent's uptime it carried; Sequence the sample's
	// sequence number for its data source.
	Time     time.Time
	Uptime   time.Duration
	Sequence uint32
	// IfIndex is the interface the counters are of (from the generic
	// record, else the sample's data source).
	IfIndex uint32

	// Generic tells that the fields below, up to OutErrors, were sent.
	Generic     bool
	IfType      uint32
	IfSpeed     uint64 // bits per second
	IfDirection IfDirection
	AdminUp     bool
	OperUp      bool
	InOctets    uint64
	InPackets   uint64 // unicast + multicast + broadcast
	InDiscards  uint32
	InErrors    uint32
	// InUnknownProtos counts received packets of a protocol the interface
	// does not know.
	InUnknownProtos uint32
	OutOctets       uint64
	OutPackets      uint64 // unicast + multicast + broadcast
	OutDiscards     uint32
	OutErrors       uint32

	// Ethernet tells that Dot3 was sent.
	Ethernet bool
	Dot3     Dot3Counters
}

// IfDirection is an interface's duplex as sFlow reports it.
type IfDirection uint8

// Interface directions (sFlow v5 if_counters.ifDirection).
const (
	IfDirectionUnknown IfDirection = iota
	IfFullDuplex
	IfHalfDuplex
	IfIn
	IfOut
)

func (d IfDirection) String() string {
	switch d {
	case IfFullDuplex:
		return "full-duplex"
	case IfHalfDuplex:
		return "half-duplex"
	case IfIn:
		return "in"
	case IfOut:
		return "out"
	}
	return "unknown"
}

// Dot3Counters are an Ethernet interface's error counters (RFC 3635's
// dot3StatsTable, as sFlow's ethernet_counters carries them).
type Dot3Counters struct {
	AlignmentErrors           uint32
	FCSErrors                 uint32
	SingleCollisionFrames     uint32
	MultipleCollisionFrames   uint32
	SQETestErrors             uint32
	DeferredTransmissions     uint32
	LateCollisions            uint32
	ExcessiveCollisions       uint32
	InternalMacTransmitErrors uint32
	CarrierSenseErrors        uint32
	FrameTooLongs             uint32
	InternalMacReceiveErrors  uint32
	SymbolErrors              uint32
}

// Batch receives what one datagram decodes to. The decoder appends; Reset
// empties it keeping its capacity, so a Batch reused per goroutine makes the
// hot path allocation-free.
type Batch struct {
	Records  []Record
	Counters []Counters
}

// Reset empties the batch and keeps its storage.
func (b *Batch) Reset() {
	b.Records = b.Records[:0]
	b.Counters = b.Counters[:0]
}

// next returns a zeroed record appended to the batch.
func (b *Batch) next() *Record {
	if len(b.Records) < cap(b.Records) {
		b.Records = b.Records[:len(b.Records)+1]
	} else {
		b.Records = append(b.Records, Record{})
	}
	r := &b.Records[len(b.Records)-1]
	*r = Record{}
	return r
}

// drop removes the last record (one that turned out to be malformed).
func (b *Batch) drop() { b.Records = b.Records[:len(b.Records)-1] }
