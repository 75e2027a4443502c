package graph

import "fmt"

// CacheConfiguration bounds the maps of past moments a Cache keeps and
// builds (the `graph:` section of serve's configuration). The map of now
// is outside these bounds: there is one, always kept.
type CacheConfiguration struct {
	// CacheMiB is the memory the maps of past moments may hold, in MiB as
	// Graph.Size estimates it; past it the least recently used are
	// dropped. 0 keeps none: each past moment is built for the requests
	// that ask for it at the time, once.
	CacheMiB int `yaml:"cache_mib"`
	// Builds is how many maps of past moments may be built at once; a
	// request that needs another is refused with a BusyError (the API
	// answers 503 with Retry-After).
	Builds int `yaml:"builds"`
	// AnonymousBuilds is the same bound for requests that carry no token
	// (see Anonymous): they may start a build only while fewer run.
	// 0: they are answered from the maps kept or being built only.
	AnonymousBuilds int `yaml:"anonymous_builds"`
}

// DefaultCacheConfiguration is 1 GiB of past maps (a map of the 10,000-VM
// demo is about 380 MiB: two or three of them), two builds at once and one
// for anonymous requests.
func DefaultCacheConfiguration() CacheConfiguration {
	return CacheConfiguration{CacheMiB: 1024, Builds: 2, AnonymousBuilds: 1}
}

// Validate checks the configuration; errors name the key.
func (c CacheConfiguration) Validate() error {
	if c.CacheMiB < 0 || c.CacheMiB > 1<<20 {
		return fmt.Errorf("cache_mib: %d: want 0 to 1048576 (1 TiB)", c.CacheMiB)
	}
	if c.Builds < 1 || c.Builds > 64 {
		return fmt.Errorf("builds: %d: want 1 to 64", c.Builds)
	}
	if c.AnonymousBuilds < 0 || c.AnonymousBuilds > c.Builds {
		return fmt.Errorf("anonymous_builds: %d: want 0 to builds (%d)", c.AnonymousBuilds, c.Builds)
	}
	return nil
}

// budget is CacheMiB in bytes.
func (c CacheConfiguration) budget() int64 { return int64(c.CacheMiB) << 20 }
