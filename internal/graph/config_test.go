package graph

import (
	"strings"
	"testing"
)

func TestCacheConfigurationValidate(t *testing.T) {
	tests := []struct {
		name string
		conf CacheConfiguration
		err  string
	}{
		{"defaults", DefaultCacheConfiguration(), ""},
		{"keep nothing, anonymous build nothing", CacheConfiguration{CacheMiB: 0, Builds: 1, AnonymousBuilds: 0}, ""},
		{"negative budget", CacheConfiguration{CacheMiB: -1, Builds: 1}, "cache_mib: -1"},
		{"no build", CacheConfiguration{CacheMiB: 1, Builds: 0}, "builds: 0"},
		{"anonymous above builds", CacheConfiguration{CacheMiB: 1, Builds: 2, AnonymousBuilds: 3}, "anonymous_builds: 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.conf.Validate()
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Validate() = %v; want %q", err, tt.err)
			}
		})
	}
}
