package sim

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDefaultsValidate(t *testing.T) {
	for name, cfg := range map[string]Config{"default": DefaultConfig(), "scale": ScaleConfig()} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got, want := ScaleConfig().Clusters*ScaleConfig().HostsPerCluster, 500; got != want {
		t.Errorf("scale hosts: got %d; want %d", got, want)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no datacenter", func(c *Config) { c.Datacenter = "" }, "datacenter"},
		{"one cluster", func(c *Config) { c.Clusters = 1 }, "clusters"},
		{"no hosts", func(c *Config) { c.HostsPerCluster = 0 }, "hosts_per_cluster"},
		{"too many hosts", func(c *Config) { c.Clusters, c.HostsPerCluster = 100, 100 }, "hosts_per_cluster"},
		{"every cluster on the dvs", func(c *Config) { c.DVSClusters = 2 }, "dvs_clusters"},
		{"negative dvs clusters", func(c *Config) { c.DVSClusters = -1 }, "dvs_clusters"},
		{"rack too big", func(c *Config) { c.HostsPerRack = 25 }, "hosts_per_rack"},
		{"negative vms", func(c *Config) { c.VMs = -1 }, "vms"},
		{"no user", func(c *Config) { c.Username = "" }, "username"},
		{"bad listen", func(c *Config) { c.Listen = "localhost" }, "listen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg)
			err := cfg.Validate()
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v; want ErrConfig", err)
			}
			if want := "invalid configuration: " + tc.field + ":"; !strings.Contains(err.Error(), want) {
				t.Errorf("got %q; want it to name %q", err, tc.field)
			}
		})
	}
}

func TestConfigYAML(t *testing.T) {
	const example = `
seed: 42
datacenter: lab
clusters: 4
hosts_per_cluster: 6
dvs_clusters: 1
hosts_per_rack: 3
vms: 300
listen: 127.0.0.1:8989
username: vnetmap@vsphere.local
dir: /dev/shm
`
	cfg := DefaultConfig()
	if err := yaml.Unmarshal([]byte(example), &cfg); err != nil {
		t.Fatal(err)
	}
	want := Config{Seed: 42, Datacenter: "lab", Clusters: 4, HostsPerCluster: 6, DVSClusters: 1, HostsPerRack: 3,
		VMs: 300, Listen: "127.0.0.1:8989", Username: "vnetmap@vsphere.local", Dir: "/dev/shm"}
	if cfg != want {
		t.Errorf("got %+v; want %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}
