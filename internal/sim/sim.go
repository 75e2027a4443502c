// Package sim is the simulated data center that `vnetmap demo` and tests use:
// a vCenter (govmomi's vSphere API simulator, in process) shaped like a real
// site — clusters of ESXi hosts cabled to leaf pairs, a distributed switch
// with an LACP group, standard vSwitches, VLAN, trunk and private-VLAN port
// groups, and VMs named after applications with guest addresses — plus the
// cabling plan a simulated switch can be built from.
//
// Everything generated derives from Config.Seed: the same Config gives the
// same names, MACs, addresses, cabling and placement.
//
// It is not a vSphere client: vnetmap reads the data center through the
// vSphere API like any vCenter, and tests check it the same way.
package sim

import (
	"context"
	"errors"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Errors callers branch on.
var (
	ErrUnknownVM   = errors.New("sim: unknown VM")
	ErrUnknownHost = errors.New("sim: unknown host")
	ErrNoMigration = errors.New("sim: no VM has a compatible host to move to")
)

// Cable is one planned link between a host pNIC and a leaf switch port. A
// simulated switch built from the cabling plan agrees with what the hosts
// report over CDP/LLDP.
type Cable struct {
	Host   string // host name as in vCenter ("esx01")
	PNIC   string // "vmnic0"
	MAC    string // the pNIC's MAC, lower case with colons
	Switch string // "leaf1"
	Port   string // "Ethernet1/7"
	Speed  int    // Mb/s
	// Native is the untagged VLAN of the switch port; VLANs are the tagged
	// VLANs the host side sends on the link ("10,110-160,240").
	Native int
	VLANs  string
	MTU    int // MTU of the host side of the link
	// LAG is the host-side LACP group ("lag1") and PortChannel the switch
	// pair's (vPC) port-channel number, when the pNIC is in a bundle.
	LAG         string
	PortChannel int
}

// Switch is a planned leaf switch, as its CDP and LLDP announcements
// describe it.
type Switch struct {
	Name      string // "leaf1", also the CDP device id and LLDP system name
	Rack      int    // 1-based rack the leaf pair serves
	Peer      string // the other leaf of the vPC pair
	Address   string // management IPv4 address
	ChassisID string // LLDP chassis id, a MAC
	Platform  string // "N9K-C93180YC-FX"
	Version   string // software version string
}

// VM is a planned virtual machine.
type VM struct {
	Name  string
	App   string   // the "app" custom attribute
	Owner string   // the "owner" custom attribute
	Tags  []string // "category/name": env and tier
	NICs  []VNIC
}

// VNIC is a planned virtual NIC and the guest addresses behind it.
type VNIC struct {
	MAC       string
	Portgroup string
	IPs       []string
}

// DataCenter is a running simulated vCenter. Its methods are safe for
// concurrent use.
type DataCenter struct {
	plan     *plan
	model    *simulator.Model
	server   *simulator.Server
	url      *url.URL // without credentials
	user     string
	password string
	dir      string

	client *govmomi.Client // logged in over HTTP, for migrations

	hostRefs []types.ManagedObjectReference // by plan host index
	pools    []types.ManagedObjectReference // root resource pool by plan cluster index
	vmRefs   []types.ManagedObjectReference // by plan VM index
	hostByName,
	vmByName map[string]int

	fabricMu sync.Mutex
	fabric   *fabricAgents // the switch agents, once StartSwitches ran

	closeOnce sync.Once
	closeErr  error
}

// URL returns the vSphere API endpoint, https://127.0.0.1:PORT/sdk. It
// carries no credentials; see Username and Password.
func (d *DataCenter) URL() string { return d.url.String() }

// Username returns the user the simulator accepts.
func (d *DataCenter) Username() string { return d.user }

// Password returns the password the simulator accepts.
func (d *DataCenter) Password() string { return d.password }

// Close stops the simulator and the switches and removes its files. It returns the first
// error and may be called more than once.
func (d *DataCenter) Close() error {
	d.closeOnce.Do(func() {
		d.fabricMu.Lock()
		if d.fabric != nil {
			d.closeErr = d.fabric.close()
		}
		d.fabricMu.Unlock()
		if d.client != nil {
			if err := d.client.Logout(context.Background()); err != nil && d.closeErr == nil {
				d.closeErr = err
			}
		}
		if d.server != nil {
			d.server.Close()
		}
		d.model.Remove()
		if err := os.RemoveAll(d.dir); err != nil && d.closeErr == nil {
			d.closeErr = err
		}
	})
	return d.closeErr
}

// Cabling returns the cabling plan: one Cable per host pNIC, in host then
// pNIC order.
func (d *DataCenter) Cabling() []Cable {
	var out []Cable
	for _, h := range d.plan.hosts {
		for _, pn := range h.pnics {
			out = append(out, pn.cable)
		}
	}
	return out
}

// Switches returns the leaf switches the hosts are cabled to, in name order
// (leaf1, leaf2, …), two per rack.
func (d *DataCenter) Switches() []Switch { return slices.Clone(d.plan.switches) }

// VMs returns the VMs as created, in creation order.
func (d *DataCenter) VMs() []VM {
	out := make([]VM, len(d.plan.vms))
	for i, v := range d.plan.vms {
		vm := VM{Name: v.name, App: v.role.app, Owner: v.role.owner, Tags: []string{"env/" + v.role.env, "tier/" + v.role.tier}}
		for _, n := range v.nics {
			nic := VNIC{MAC: n.mac, Portgroup: d.plan.portgroups[n.portgroup].name}
			for _, ip := range n.ips {
				nic.IPs = append(nic.IPs, ip.String())
			}
			vm.NICs = append(vm.NICs, nic)
		}
		out[i] = vm
	}
	return out
}

// Hosts returns the host names in creation order, cluster by cluster.
func (d *DataCenter) Hosts() []string {
	out := make([]string, len(d.plan.hosts))
	for i, h := range d.plan.hosts {
		out[i] = h.name
	}
	return out
}

// Clusters returns the cluster names; the distributed-switch clusters
// (prod-NN) come first, then the standard ones (shop-NN).
func (d *DataCenter) Clusters() []string {
	out := make([]string, len(d.plan.clusters))
	for i, c := range d.plan.clusters {
		out[i] = c.name
	}
	return out
}

// Datacenter returns the vCenter datacenter name.
func (d *DataCenter) Datacenter() string { return d.plan.cfg.Datacenter }

// redact returns u without its user information.
func redact(u *url.URL) *url.URL {
	c := *u
	c.User = nil
	c.Path = "/" + strings.TrimPrefix(c.Path, "/")
	return &c
}
