package vsphere

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/model"
)

// hintWorkers bounds the concurrent QueryNetworkHint calls of one Collect.
const hintWorkers = 8

// inventory is everything one Collect read.
type inventory struct {
	root        types.ManagedObjectReference
	places      places
	datacenters []*mo.Datacenter
	clusters    []*mo.ClusterComputeResource
	hosts       []*mo.HostSystem
	switches    []*mo.DistributedVirtualSwitch
	portgroups  []*mo.DistributedVirtualPortgroup
	vms         []*mo.VirtualMachine
	hints       map[types.ManagedObjectReference][]types.PhysicalNicHintInfo
	tags        map[types.ManagedObjectReference][]string
	events      []model.Event
	// failures are what the run could not read but went on without (the
	// snapshot's Failures).
	failures []string
}

// Collect logs in if needed and reads the whole inventory: one snapshot
// with every fact of docs/facts.md (vSphere section) and the migration
// events of the last EventWindow. A host whose network hints cannot be
// read is collected without them; VM tags that cannot be read (a vCenter
// without the tagging endpoint) are those last read, and the snapshot's
// Failures say so; any other failure fails the run.
func (c *Collector) Collect(ctx context.Context) (model.Snapshot, error) {
	inv, err := retry(ctx, c, func(cn *conn) (*inventory, error) { return c.read(ctx, cn) })
	if err != nil {
		return model.Snapshot{}, err
	}
	taken := time.Now()
	seen := make(map[types.ManagedObjectReference]vmState, len(inv.vms))
	for _, vm := range inv.vms {
		seen[vm.Self] = stateOf(vm.Runtime.Host, vm.Runtime.PowerState)
	}
	c.mu.Lock()
	c.places, c.seen = inv.places, seen
	c.mu.Unlock()
	return model.Snapshot{
		Source:   c.cfg.Name,
		Taken:    taken,
		Facts:    c.facts(inv),
		Events:   inv.events,
		Failures: inv.failures,
	}, nil
}

// read reads the inventory with session cn.
func (c *Collector) read(ctx context.Context, cn *conn) (_ *inventory, err error) {
	inv := &inventory{
		root:   cn.vim.ServiceContent.RootFolder,
		places: places{},
	}
	v, err := view.NewManager(cn.vim).CreateContainerView(ctx, inv.root, inventoryTypes, true)
	if err != nil {
		return nil, c.classify("CreateContainerView", err)
	}
	defer func() {
		if !errors.Is(err, ErrUnreachable) && !errors.Is(err, ErrTimeout) {
			c.destroyView(ctx, v)
		}
	}()

	err = c.retrieve(ctx, cn, inventorySpec(v.Reference()), func(oc types.ObjectContent) error {
		obj, err := c.load(oc)
		if err != nil {
			return err
		}
		inv.add(obj)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if inv.hints, err = c.hints(ctx, cn, inv.hosts); err != nil {
		return nil, err
	}
	if c.cfg.Tags {
		refs := make([]types.ManagedObjectReference, len(inv.vms))
		for i, vm := range inv.vms {
			refs[i] = vm.Self
		}
		var failure string
		if inv.tags, failure, err = c.vmTags(ctx, cn, refs, true); err != nil {
			return nil, err
		}
		if failure != "" {
			inv.failures = append(inv.failures, failure)
		}
	}
	ids := make(map[types.ManagedObjectReference]model.ID, len(inv.vms))
	for _, vm := range inv.vms {
		ids[vm.Self] = vmID(vm)
	}
	if inv.events, err = c.migrations(ctx, cn, inv.root, types.EventFilterSpecRecursionOptionAll, ids); err != nil {
		return nil, err
	}
	return inv, nil
}

// add files a decoded object.
func (inv *inventory) add(obj any) {
	switch o := obj.(type) {
	case *mo.Folder:
		inv.places.add(&o.ManagedEntity)
	case *mo.Datacenter:
		inv.places.add(&o.ManagedEntity)
		inv.datacenters = append(inv.datacenters, o)
	case *mo.ComputeResource:
		inv.places.add(&o.ManagedEntity)
	case *mo.ClusterComputeResource:
		inv.places.add(&o.ManagedEntity)
		inv.clusters = append(inv.clusters, o)
	case *mo.HostSystem:
		inv.places.add(&o.ManagedEntity)
		inv.hosts = append(inv.hosts, o)
	case *mo.VmwareDistributedVirtualSwitch:
		inv.switches = append(inv.switches, &o.DistributedVirtualSwitch)
	case *mo.DistributedVirtualSwitch:
		inv.switches = append(inv.switches, o)
	case *mo.DistributedVirtualPortgroup:
		inv.portgroups = append(inv.portgroups, o)
	case *mo.VirtualMachine:
		if isVM(o) {
			inv.vms = append(inv.vms, o)
		}
	}
}

// destroyView releases a view, even when ctx was cancelled.
func (c *Collector) destroyView(ctx context.Context, v *view.ContainerView) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
	defer cancel()
	_ = v.Destroy(ctx)
}

// hints queries the network hints (CDP, LLDP) of every connected host. A
// host that answers with a fault is logged and skipped; a transport failure
// fails the run.
func (c *Collector) hints(ctx context.Context, cn *conn, hosts []*mo.HostSystem) (map[types.ManagedObjectReference][]types.PhysicalNicHintInfo, error) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
		out      = make(map[types.ManagedObjectReference][]types.PhysicalNicHintInfo)
		sem      = make(chan struct{}, hintWorkers)
	)
	for _, h := range hosts {
		ns := h.ConfigManager.NetworkSystem
		if ns == nil || h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, err := methods.QueryNetworkHint(ctx, cn.vim, &types.QueryNetworkHint{This: *ns})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[h.Self] = res.Returnval
			case fault.Is(err, &types.NotAuthenticated{}):
				if firstErr == nil {
					firstErr = c.classify("QueryNetworkHint", err)
				}
			case soap.IsSoapFault(err) || soap.IsVimFault(err):
				c.logger.Warn("network hint query failed, host collected without cdp/lldp",
					"host", h.Name, "error", c.classify("QueryNetworkHint on "+h.Name, err))
			default:
				if firstErr == nil {
					firstErr = c.classify("QueryNetworkHint on "+h.Name, err)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// isVM reports whether vm is a VM the facts state: not a template, and not
// one being created (without an instance UUID yet).
func isVM(vm *mo.VirtualMachine) bool {
	return vm.Config != nil && vm.Config.InstanceUuid != "" && !vm.Config.Template
}

// vmID is the ID of a VM: its instance UUID.
func vmID(vm *mo.VirtualMachine) model.ID {
	return model.NewID(model.KindVM, vm.Config.InstanceUuid)
}
