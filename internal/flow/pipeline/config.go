package pipeline

import (
	"fmt"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
)

// Configuration of the flow pipeline.
type Configuration struct {
	// Workers is the number of goroutines that call HandleDatagram, each
	// with its own worker number (the listener's Workers()); each gets its
	// own decoding buffer and aggregation shard. Larger worker numbers
	// share them (correct, but they contend).
	Workers int `yaml:"-"`
	// TemplateCapacity bounds the NetFlow v9/IPFIX template cache.
	TemplateCapacity int `yaml:"template_capacity"`
	// MaxClockSkew is how far a record's time (its end, else its export
	// time) may be from the moment its datagram was received; a record
	// beyond it is taken at the reception time and counted. It bounds the
	// minutes open in memory and must fit in attribute.window.
	MaxClockSkew time.Duration `yaml:"max_clock_skew"`
	// Attribute configures attribution.
	Attribute attribute.Configuration `yaml:"attribute"`
	// Aggregate configures the per-minute aggregation.
	Aggregate aggregate.Configuration `yaml:"aggregate"`
}

// DefaultConfiguration returns the default configuration.
func DefaultConfiguration() Configuration {
	return Configuration{
		Workers:          1,
		TemplateCapacity: 65536,
		MaxClockSkew:     10 * time.Minute,
		Attribute:        attribute.DefaultConfiguration(),
		Aggregate:        aggregate.DefaultConfiguration(),
	}
}

// Validate checks the configuration and names the bad field.
func (c Configuration) Validate() error {
	switch {
	case c.Workers < 1:
		return fmt.Errorf("workers: %d is less than 1", c.Workers)
	case c.TemplateCapacity < 1:
		return fmt.Errorf("template_capacity: %d is less than 1", c.TemplateCapacity)
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
	return nil
}
