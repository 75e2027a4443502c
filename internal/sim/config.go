package sim

import (
	"errors"
	"fmt"
	"net"
)

// Config sizes and seeds the simulated data center. The zero value is not
// valid; start from DefaultConfig or ScaleConfig.
type Config struct {
	// Seed drives every generated name, MAC, address, pNIC count and VM
	// placement: two data centers started with the same Config are equal.
	Seed int64 `yaml:"seed"`

	// Datacenter is the name of the vCenter datacenter.
	Datacenter string `yaml:"datacenter"`

	// Clusters is the number of clusters, at least 2: the first DVSClusters
	// run production VMs on the distributed switch, the others run shop VMs
	// on standard port groups.
	Clusters int `yaml:"clusters"`

	// HostsPerCluster is the number of ESXi hosts in each cluster.
	HostsPerCluster int `yaml:"hosts_per_cluster"`

	// DVSClusters is the number of clusters whose hosts join the distributed
	// switch with the LACP group lag1. 0 means half of the clusters, rounded
	// up. It must leave at least one cluster on standard switches only.
	DVSClusters int `yaml:"dvs_clusters"`

	// HostsPerRack is the number of hosts cabled to one leaf pair. A cluster
	// starts a new rack, so its hosts never share a rack with another
	// cluster. At most 24 (two 24-port blocks per leaf).
	HostsPerRack int `yaml:"hosts_per_rack"`

	// VMs is the number of virtual machines.
	VMs int `yaml:"vms"`

	// Listen is the address the vSphere API listens on; port 0 picks a free
	// port.
	Listen string `yaml:"listen"`

	// Username and Password are the credentials the simulator accepts. An
	// empty Password is replaced by a random one at Start.
	Username string `yaml:"username"`
	Password string `yaml:"-"`

	// Dir is where the simulated datastore keeps its files (three small
	// files per VM); a new directory is made under it and removed by Close.
	// Empty means the system temporary directory.
	Dir string `yaml:"dir"`
}

// Limits of the generated layout.
const (
	maxHostsPerRack = 24 // two blocks of ports per leaf for up to 4 pNICs
	maxHosts        = 4000
	maxVMs          = 100000
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("sim: invalid configuration")

// DefaultConfig is the demo data center: 2 clusters of 4 hosts, one of them
// on the LACP-bundled distributed switch, and 120 VMs.
func DefaultConfig() Config {
	return Config{
		Seed:            1,
		Datacenter:      "dc1",
		Clusters:        2,
		HostsPerCluster: 4,
		HostsPerRack:    16,
		VMs:             120,
		Listen:          "127.0.0.1:0",
		Username:        "administrator@vsphere.local",
	}
}

// ScaleConfig is the inventory the cold-collection benchmark measures:
// 10,000 VMs on 500 hosts in 25 clusters of 20.
func ScaleConfig() Config {
	c := DefaultConfig()
	c.Clusters, c.HostsPerCluster, c.HostsPerRack, c.VMs = 25, 20, 10, 10000
	return c
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	bad := func(field string, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Datacenter == "":
		return bad("datacenter", "empty")
	case c.Clusters < 2:
		return bad("clusters", "%d, want at least 2", c.Clusters)
	case c.HostsPerCluster < 1:
		return bad("hosts_per_cluster", "%d, want at least 1", c.HostsPerCluster)
	case c.Clusters*c.HostsPerCluster > maxHosts:
		return bad("hosts_per_cluster", "%d hosts in all, want at most %d", c.Clusters*c.HostsPerCluster, maxHosts)
	case c.DVSClusters < 0 || c.DVSClusters >= c.Clusters:
		return bad("dvs_clusters", "%d, want 0 (half) or 1 to %d", c.DVSClusters, c.Clusters-1)
	case c.HostsPerRack < 1 || c.HostsPerRack > maxHostsPerRack:
		return bad("hosts_per_rack", "%d, want 1 to %d", c.HostsPerRack, maxHostsPerRack)
	case c.VMs < 0 || c.VMs > maxVMs:
		return bad("vms", "%d, want 0 to %d", c.VMs, maxVMs)
	case c.Username == "":
		return bad("username", "empty")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return bad("listen", "%q: %v", c.Listen, err)
	}
	return nil
}

// dvsClusters returns how many clusters join the distributed switch.
func (c Config) dvsClusters() int {
	if c.DVSClusters == 0 {
		return (c.Clusters + 1) / 2
	}
	return c.DVSClusters
}
