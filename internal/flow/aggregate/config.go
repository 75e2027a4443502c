package aggregate

import (
	"fmt"
	"time"
)

// Configuration of the aggregation stage.
type Configuration struct {
	// MaxKeysPerMinute bounds the distinct keys of one minute: (source,
	// destination, protocol, destination port, and the switch ports crossed,
	// which the link aggregates are summed from); records beyond it go into
	// the minute's overflow aggregate (flow.ClassOverflow) and are counted.
	MaxKeysPerMinute int `yaml:"max_keys_per_minute"`
	// Grace is how long after a minute ends it is kept open for records
	// that arrive late, before it is written to the sink. Records for a
	// minute already written are written again (the sink adds them).
	Grace time.Duration `yaml:"grace"`
	// FlushInterval is how often minutes past their grace are written.
	FlushInterval time.Duration `yaml:"flush_interval"`
	// MaxPending is how many flushes are kept for a retry while the sink
	// fails; beyond it the oldest is dropped and counted.
	MaxPending int `yaml:"max_pending"`
}

// DefaultConfiguration returns the default configuration: 100,000 keys a
// minute, a one-minute grace, flushing every 10 seconds, 30 flushes kept
// for retry (5 minutes of sink outage).
func DefaultConfiguration() Configuration {
	return Configuration{MaxKeysPerMinute: 100_000, Grace: time.Minute, FlushInterval: 10 * time.Second, MaxPending: 30}
}

// Validate checks the configuration and names the bad field.
func (c Configuration) Validate() error {
	switch {
	case c.MaxKeysPerMinute < 1:
		return fmt.Errorf("max_keys_per_minute: %d is less than 1", c.MaxKeysPerMinute)
	case c.Grace < 0:
		return fmt.Errorf("grace: %v is negative", c.Grace)
	case c.FlushInterval < 100*time.Millisecond:
		return fmt.Errorf("flush_interval: %v is shorter than 100ms", c.FlushInterval)
	case c.MaxPending < 1:
		return fmt.Errorf("max_pending: %d is less than 1", c.MaxPending)
	}
	return nil
}
