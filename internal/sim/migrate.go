package sim

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Migrate live-migrates the VM to the host through the vSphere API
// (VirtualMachine.RelocateVM_Task with the destination host and its
// cluster's resource pool), as an operator's vMotion: vCenter records the
// new runtime.host and a VmMigratedEvent by the simulator's user. The
// running switches (StartSwitches) learn the VM's MACs on its new host's
// uplinks.
func (d *DataCenter) Migrate(ctx context.Context, vmName, hostName string) error {
	vi, ok := d.vmByName[vmName]
	if !ok {
		return fmt.Errorf("migrate %s: %w", vmName, ErrUnknownVM)
	}
	hi, ok := d.hostByName[hostName]
	if !ok {
		return fmt.Errorf("migrate %s to %s: %w", vmName, hostName, ErrUnknownHost)
	}
	host, pool := d.hostRefs[hi], d.pools[d.plan.hosts[hi].cluster]
	vm := object.NewVirtualMachine(d.client.Client, d.vmRefs[vi])
	task, err := vm.Relocate(ctx, types.VirtualMachineRelocateSpec{Host: &host, Pool: &pool}, types.VirtualMachineMovePriorityDefaultPriority)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("sim: migrate %s to %s: %w", vmName, hostName, err)
	}
	d.switchMoved(vi, hi)
	return nil
}

// RandomMigration picks a VM and another host that has all of the VM's
// port groups (its cluster's hosts, or any host for a VM on port groups
// every host has), both drawn from rnd, and migrates it. Given the same rnd
// state and the same placements it makes the same move. It returns
// ErrNoMigration when the VMs it tried had nowhere to go.
func (d *DataCenter) RandomMigration(ctx context.Context, rnd *rand.Rand) (vm, from, to string, err error) {
	if len(d.plan.vms) == 0 {
		return "", "", "", ErrNoMigration
	}
	for range 16 {
		vi := rnd.IntN(len(d.plan.vms))
		v := &d.plan.vms[vi]
		var cur mo.VirtualMachine
		if err := d.client.PropertyCollector().RetrieveOne(ctx, d.vmRefs[vi], []string{"runtime.host"}, &cur); err != nil {
			return "", "", "", fmt.Errorf("sim: placement of %s: %w", v.name, err)
		}
		if cur.Runtime.Host == nil {
			continue
		}
		var candidates []int
		current := -1
		for hi := range d.plan.hosts {
			if d.hostRefs[hi] == *cur.Runtime.Host {
				current = hi
				continue
			}
			if d.plan.fits(v, &d.plan.hosts[hi]) {
				candidates = append(candidates, hi)
			}
		}
		if current < 0 || len(candidates) == 0 {
			continue
		}
		hi := candidates[rnd.IntN(len(candidates))]
		vm, from, to = v.name, d.plan.hosts[current].name, d.plan.hosts[hi].name
		return vm, from, to, d.Migrate(ctx, vm, to)
	}
	return "", "", "", ErrNoMigration
}

// fits reports whether the host has every port group of the VM.
func (p *plan) fits(v *vmPlan, h *hostPlan) bool {
	for _, n := range v.nics {
		if !h.has(p, &p.portgroups[n.portgroup]) {
			return false
		}
	}
	return true
}
