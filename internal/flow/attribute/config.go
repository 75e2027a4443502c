package attribute

import (
	"fmt"
	"net/netip"
	"time"
)

// Configuration of attribution.
type Configuration struct {
	// InternalNetworks are prefixes of the organisation's own networks: an
	// address in one of them that no VM or device was seen with is unknown,
	// not external. They add to the networks the index derives from the
	// addresses it knows (see Index.Internal).
	InternalNetworks []netip.Prefix `yaml:"internal_networks"`
	// Window is how far back from the moment of a refresh the index answers
	// exactly: the versions valid at any moment of [refresh-Window, refresh]
	// are in it. It must cover the clock skew and lateness accepted for
	// records.
	Window time.Duration `yaml:"window"`
	// Refresh is the longest time between two rebuilds of the index; it is
	// also rebuilt when the facts change.
	Refresh time.Duration `yaml:"refresh"`
}

// DefaultConfiguration returns the default configuration: no configured
// internal networks, a one-hour window, rebuilt at least every 5 minutes.
func DefaultConfiguration() Configuration {
	return Configuration{Window: time.Hour, Refresh: 5 * time.Minute}
}

// Validate checks the configuration and names the bad field.
func (c Configuration) Validate() error {
	for i, p := range c.InternalNetworks {
		if !p.IsValid() {
			return fmt.Errorf("internal_networks[%d]: invalid prefix", i)
		}
	}
	if c.Window < time.Minute {
		return fmt.Errorf("window: %v is shorter than a minute", c.Window)
	}
	if c.Refresh < time.Second {
		return fmt.Errorf("refresh: %v is shorter than a second", c.Refresh)
	}
	return nil
}
