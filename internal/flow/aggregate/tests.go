package aggregate

import (
	"context"
	"sync"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
)

// MemorySink is a flow.Sink that keeps the aggregates in memory, adding
// the counters of a minute written twice as a store does: for tests and
// for runs that need no persistence. Safe for concurrent use.
type MemorySink struct {
	mu      sync.Mutex
	minutes map[minuteKey]flow.Minute
	links   map[linkMinuteKey]flow.LinkMinute
	writes  int
	err     error
}

type minuteKey struct {
	start    time.Time
	src, dst flow.Endpoint
	proto    uint8
	port     uint16
}

type linkMinuteKey struct {
	start              time.Time
	port, channel, dir string
}

var _ flow.Sink = (*MemorySink)(nil)

// WriteFlows implements flow.Sink.
func (s *MemorySink) WriteFlows(_ context.Context, minutes []flow.Minute, links []flow.LinkMinute) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.minutes == nil {
		s.minutes, s.links = map[minuteKey]flow.Minute{}, map[linkMinuteKey]flow.LinkMinute{}
	}
	s.writes++
	for _, m := range minutes {
		k := minuteKey{m.Start.UTC(), m.Src, m.Dst, m.Proto, m.DstPort}
		have := s.minutes[k]
		m.Bytes, m.Packets, m.Flows = addSat(m.Bytes, have.Bytes), addSat(m.Packets, have.Packets), addSat(m.Flows, have.Flows)
		s.minutes[k] = m
	}
	for _, l := range links {
		k := linkMinuteKey{l.Start.UTC(), l.Port, l.Channel, l.Direction}
		have := s.links[k]
		l.Bytes, l.Packets = addSat(l.Bytes, have.Bytes), addSat(l.Packets, have.Packets)
		s.links[k] = l
	}
	return nil
}

// SetErr makes WriteFlows fail with err (and record nothing) until it is
// called again with nil.
func (s *MemorySink) SetErr(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// Minutes returns the minute aggregates written so far, summed per key.
func (s *MemorySink) Minutes() []flow.Minute {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]flow.Minute, 0, len(s.minutes))
	for _, m := range s.minutes {
		out = append(out, m)
	}
	return out
}

// Links returns the link aggregates written so far, summed per key.
func (s *MemorySink) Links() []flow.LinkMinute {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]flow.LinkMinute, 0, len(s.links))
	for _, l := range s.links {
		out = append(out, l)
	}
	return out
}

// Writes returns how many WriteFlows calls succeeded.
func (s *MemorySink) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}
