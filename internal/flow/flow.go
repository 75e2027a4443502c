// Package flow holds the types that cross the stages of flow handling: the
// attributed, per-minute aggregates that the aggregation stage produces, the
// store persists and the queries read.
//
// It is not for decoding (package decode), receiving datagrams (listen),
// attributing or aggregating (attribute, aggregate): those stages live in
// their own packages and meet here.
package flow

import (
	"context"
	"time"
)

// Endpoint classes: what one side of a flow was attributed to.
const (
	// ClassVM is a VM's vNIC (by MAC, else by IP, as of the flow's time).
	ClassVM = "vm"
	// ClassKnown is an address or MAC the map knows but that is no VM: a
	// host's VMkernel port, a device in a switch's ARP table.
	ClassKnown = "known"
	// ClassExternal is an address outside every network the map knows.
	ClassExternal = "external"
	// ClassUnknown is an address inside a known network, or a MAC, that no
	// VM or device was seen with at the flow's time.
	ClassUnknown = "unknown"
	// ClassOverflow marks both sides of the one aggregate per minute that
	// takes the records beyond the aggregation's key limit: counted, not
	// dropped.
	ClassOverflow = "overflow"
)

// Endpoint is one side of a flow as attributed. For a VM, VM is its model ID
// and App its applications (comma-separated and sorted when several, "" without
// one); Addr is the IP address the
// record carried (empty when it carried none, as for non-IP sFlow samples).
type Endpoint struct {
	Class string `json:"class"`
	VM    string `json:"vm,omitempty"`
	App   string `json:"app,omitempty"`
	Addr  string `json:"addr,omitempty"`
}

// Minute is the traffic of one minute of one conversation, scaled by the
// sampling rate: Src is the client, Dst the server and DstPort the service
// port (aggregate.ServerIsSource turns a reply around), and Bytes, Packets
// and Flows count both directions.
type Minute struct {
	Start   time.Time `json:"start"` // the minute, UTC, truncated
	Src     Endpoint  `json:"src"`
	Dst     Endpoint  `json:"dst"`
	Proto   uint8     `json:"proto"`
	DstPort uint16    `json:"dst_port"`
	Bytes   uint64    `json:"bytes"`
	Packets uint64    `json:"packets"`
	Flows   uint64    `json:"flows"`
}

// Link directions relative to the switch port that exported the record.
const (
	LinkIn  = "in"
	LinkOut = "out"
)

// LinkMinute is the traffic of one minute through one switch port (a
// physical port, which may be a port-channel member), as its switch
// exported it (exporter address + ifIndex resolved to the port).
type LinkMinute struct {
	Start     time.Time `json:"start"`
	Port      string    `json:"port"`                   // model ID of the switch port
	Channel   string    `json:"port_channel,omitempty"` // model ID of its port-channel, if a member
	Direction string    `json:"direction"`              // LinkIn or LinkOut
	Bytes     uint64    `json:"bytes"`
	Packets   uint64    `json:"packets"`
}

// Sink receives aggregates when the aggregation stage flushes a minute.
// Implementations must be safe for use by one flusher at a time; Write may
// be called again with the same minute when records for it arrive late, and
// must add the counters, not replace them.
type Sink interface {
	WriteFlows(ctx context.Context, minutes []Minute, links []LinkMinute) error
}
