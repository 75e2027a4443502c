package pipeline

import (
	"fmt"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// Configuration of the flow pipeline.
type Configuration struct {
	// Workers is the number of goroutines that call HandleDatagram, each
	// with its own worker number (the listener's Workers()); each gets its
	// own decoding buffer and aggregation shard. Larger worker numbers
	// share them (correct, but they contend).
	Workers int `yaml:"-"`
	// TemplateCapacity bounds the entries of the NetFlow v9/IPFIX template
	// cache (templates and what options data said of exporters).
	TemplateCapacity int `yaml:"template_capacity"`
	// TemplateBytes bounds the template cache's memory; an exporter
	// (address, observation domain) may hold a sixteenth of it, at least
	// decode.MinExporterBytes (decode.Limits).
	TemplateBytes int64 `yaml:"template_bytes"`
	// MaxClockSkew is how far a record's time (its end, else its export
	// time) may be from the moment its datagram was received; a record
	// beyond it is taken at the reception time and counted. It bounds the
	// minutes open in memory and must fit in attribute.window.
	MaxClockSkew time.Duration `yaml:"max_clock_skew"`
	// Attribute configures attribution.
	Attribute attribute.Configuration `yaml:"attribute"`
	// Aggregate configures the per-minute aggregation.
	Aggregate aggregate.Configuration `yaml:"aggregate"`
	// Counters configures the interface counters of sFlow counter samples.
	Counters CounterConfiguration `yaml:"counters"`
	// Hold configures what happens to the records received before the
	// first attribution index that knows anything (serve and demo on an
	// empty store, before the first collection ends).
	Hold HoldConfiguration `yaml:"hold"`
}

// HoldConfiguration bounds the records held after Start while the index
// knows nothing (no MAC, address or exporter: the store had no facts yet).
// They are attributed once an index that knows something is put in use,
// as of that moment (the first facts describe the network they were
// received in), and summed in their own minutes. Records beyond Records,
// and every held record once Max has passed without such an index, are
// attributed with the index in use (unattributed, as without holding) and
// counted: none is dropped.
type HoldConfiguration struct {
	// Records bounds the records held (about 200 bytes each); 0 holds none.
	Records int `yaml:"records"`
	// Max is the longest time records are held after Start.
	Max time.Duration `yaml:"max"`
}

// CounterConfiguration configures how sFlow counter samples become
// per-minute counters of switch ports. Their pending minutes are written
// every aggregate.flush_interval, once each minute has ended.
type CounterConfiguration struct {
	// Interfaces bounds the interfaces (agent, sub-agent, ifIndex) whose
	// previous sample is kept to compute differences from; beyond it the
	// least recently sampled one is forgotten (counted), and its next sample
	// starts a new baseline.
	Interfaces int `yaml:"interfaces"`
	// MaxGap is the longest time between two samples of an interface that
	// yields a difference: after a longer silence a sample starts a new
	// baseline rather than spreading the silence's traffic evenly.
	MaxGap time.Duration `yaml:"max_gap"`
}

// DefaultConfiguration returns the default configuration.
func DefaultConfiguration() Configuration {
	return Configuration{
		Workers:          1,
		TemplateCapacity: 65536,
		TemplateBytes:    decode.DefaultTemplateBytes,
		MaxClockSkew:     10 * time.Minute,
		Attribute:        attribute.DefaultConfiguration(),
		Aggregate:        aggregate.DefaultConfiguration(),
		Counters:         CounterConfiguration{Interfaces: 65536, MaxGap: 10 * time.Minute},
		Hold:             HoldConfiguration{Records: 250_000, Max: 10 * time.Minute},
	}
}

// Validate checks the configuration and names the bad field.
func (c Configuration) Validate() error {
	switch {
	case c.Workers < 1:
		return fmt.Errorf("workers: %d is less than 1", c.Workers)
	case c.TemplateCapacity < decode.MinTemplateEntries:
		return fmt.Errorf("template_capacity: %d is less than %d", c.TemplateCapacity, decode.MinTemplateEntries)
	case c.TemplateBytes < decode.MinTemplateBytes:
		return fmt.Errorf("template_bytes: %d is less than %d", c.TemplateBytes, decode.MinTemplateBytes)
	case c.MaxClockSkew < time.Second:
		return fmt.Errorf("max_clock_skew: %v is shorter than a second", c.MaxClockSkew)
	}
	if err := c.Attribute.Validate(); err != nil {
		return fmt.Errorf("attribute: %w", err)
	}
	if c.Attribute.Window < c.MaxClockSkew+c.Aggregate.Grace {
		return fmt.Errorf("attribute: window: %v is shorter than max_clock_skew + aggregate.grace (%v)",
			c.Attribute.Window, c.MaxClockSkew+c.Aggregate.Grace)
	}
	if err := c.Aggregate.Validate(); err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	switch {
	case c.Counters.Interfaces < 1:
		return fmt.Errorf("counters: interfaces: %d is less than 1", c.Counters.Interfaces)
	case c.Counters.MaxGap < time.Second:
		return fmt.Errorf("counters: max_gap: %v is shorter than a second", c.Counters.MaxGap)
	case c.Hold.Records < 0:
		return fmt.Errorf("hold: records: %d is negative", c.Hold.Records)
	case c.Hold.Max < 0:
		return fmt.Errorf("hold: max: %v is negative", c.Hold.Max)
	}
	return nil
}
