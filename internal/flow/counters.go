package flow

import (
	"context"
	"time"
)

// PortCounters is what the interface counters of one switch port (sFlow
// counter samples, the agent's ifIndex resolved to the port) add up to in
// one minute: the differences between successive samples of the port whose
// later sample fell in the minute, and the time those differences cover.
// A rate is a difference over Covered; over a window, the sum of a counter
// over the sum of Covered. Speed and OperUp are the port's as of its
// latest sample in the minute (Last); a minute whose only sample started a
// new baseline (the first one heard, or one after a counter reset) has
// them with nothing Covered.
type PortCounters struct {
	Start   time.Time // the minute, UTC, truncated
	Port    string    // model ID of the switch port (or port-channel)
	Covered time.Duration

	InOctets, OutOctets     uint64
	InPackets, OutPackets   uint64
	InErrors, OutErrors     uint64
	InDiscards, OutDiscards uint64
	// Samples counts the samples of the port in the minute.
	Samples uint64

	Speed  uint64 // bits per second; 0 when the agent did not say
	OperUp bool
	Last   time.Time
}

// CounterSink receives per-minute port counters when the flow pipeline
// flushes them. The contract is Sink's: one flusher at a time, and a minute
// written again adds its counters (and takes Speed and OperUp when its Last
// is the later).
type CounterSink interface {
	WriteCounters(ctx context.Context, counters []PortCounters) error
}
