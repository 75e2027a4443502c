package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/vmware/govmomi/vim25/mo"
)

// ErrSwitchesStarted is returned by a second StartSwitches.
var ErrSwitchesStarted = errors.New("sim: switches already started")

// fabricAgents is the running switch fabric: one SNMP agent per switch, all
// on one UDP port of their own loopback address.
type fabricAgents struct {
	switches []fabricSwitch
	agents   []*agent // by switch
	port     uint16
	start    time.Time

	mu        sync.Mutex // serializes rebuilds and guards placement
	placement []int      // host index of each VM
}

// StartSwitches starts the simulated switches: the leaf pair of every rack
// (Switches) and two spines, each an SNMPv2c agent answering with
// community on its own loopback address (leaf n on 127.1.0.n, spine k on
// 127.2.0.k), all on the returned UDP port. The switches' LLDP and CDP
// tables see the hosts' pNICs as the cabling plan says, each other over the
// vPC peer-links and spine uplinks (advertising those loopback addresses as
// management addresses), and their forwarding tables hold the VMs' MACs
// where the VMs run now; they follow Migrate. seeds holds the first leaf's
// address, from which neighbour discovery reaches every switch.
//
// Close stops them. Community must be 1 to 127 characters.
func (d *DataCenter) StartSwitches(ctx context.Context, community string) (seeds []string, port uint16, err error) {
	if community == "" || len(community) > 127 {
		return nil, 0, fmt.Errorf("%w: community: %d characters, want 1 to 127", ErrConfig, len(community))
	}
	d.fabricMu.Lock()
	defer d.fabricMu.Unlock()
	if d.fabric != nil {
		return nil, 0, ErrSwitchesStarted
	}
	placement, err := d.placement(ctx)
	if err != nil {
		return nil, 0, err
	}
	f := &fabricAgents{switches: d.plan.fabric(), start: time.Now(), placement: placement}
	if err := f.listen(community); err != nil {
		return nil, 0, err
	}
	f.rebuild(d.plan)
	for _, a := range f.agents {
		a.serve()
	}
	d.fabric = f
	return []string{f.switches[0].addr.String()}, f.port, nil
}

// placement returns each VM's current host index, as vCenter has it.
func (d *DataCenter) placement(ctx context.Context) ([]int, error) {
	out := make([]int, len(d.plan.vms))
	for i, v := range d.plan.vms {
		out[i] = v.host
	}
	if len(d.vmRefs) == 0 {
		return out, nil
	}
	var vms []mo.VirtualMachine
	if err := d.client.PropertyCollector().Retrieve(ctx, d.vmRefs, []string{"runtime.host"}, &vms); err != nil {
		return nil, fmt.Errorf("sim: placements: %w", err)
	}
	for _, vm := range vms {
		vi := slices.Index(d.vmRefs, vm.Self)
		if vi < 0 || vm.Runtime.Host == nil {
			continue
		}
		if hi := slices.Index(d.hostRefs, *vm.Runtime.Host); hi >= 0 {
			out[vi] = hi
		}
	}
	return out, nil
}

// listen opens every agent's socket on one port, free on all of their
// addresses: the first agent picks it, and the attempt starts over when
// another address has it taken.
func (f *fabricAgents) listen(community string) error {
	var last error
	for range 20 {
		f.agents = f.agents[:0]
		var port uint16
		for _, sw := range f.switches {
			a, err := listenAgent(netip.AddrPortFrom(sw.addr, port), community)
			if err != nil {
				last = err
				break
			}
			if port == 0 {
				port = uint16(a.conn.LocalAddr().(*net.UDPAddr).Port)
			}
			f.agents = append(f.agents, a)
		}
		if len(f.agents) == len(f.switches) {
			f.port = port
			return nil
		}
		for _, a := range f.agents {
			_ = a.conn.Close()
		}
	}
	f.agents = nil
	return fmt.Errorf("sim: switch agents: no UDP port free on all %d loopback addresses: %w", len(f.switches), last)
}

// rebuild computes every switch's table from the plan and the placement.
// The caller holds f.mu or is the only user of f.
func (f *fabricAgents) rebuild(p *plan) {
	up := uint32(time.Since(f.start) / (10 * time.Millisecond))
	for i, a := range f.agents {
		a.table.Store(p.switchMIB(f.switches, i, f.placement, up))
	}
}

// moved records that VM vi now runs on host hi and rebuilds the tables.
func (f *fabricAgents) moved(p *plan, vi, hi int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.placement[vi] = hi
	f.rebuild(p)
}

// close stops every agent.
func (f *fabricAgents) close() error {
	var errs []error
	for _, a := range f.agents {
		errs = append(errs, a.close())
	}
	return errors.Join(errs...)
}

// switchMoved tells the running fabric, if any, that a VM moved.
func (d *DataCenter) switchMoved(vi, hi int) {
	d.fabricMu.Lock()
	f := d.fabric
	d.fabricMu.Unlock()
	if f != nil {
		f.moved(d.plan, vi, hi)
	}
}
