package sim

import (
	"bytes"
	"slices"
	"text/template"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// relocationHook corrects what the simulator records for a vMotion. Its
// RelocateVM_Task posts a VmMigratedEvent whose destination host (and
// compute resource, and so the message "Migration of virtual machine X from
// A, ds to A, ds completed") is the source host, and it leaves the hosts'
// and resource pools' vm lists as they were. The hook is a registry handler
// (simulator.RegisterObject): when a VM's runtime.host changes, it fixes the
// event just posted and the vm lists, still inside the relocation task,
// which holds the VM's lock.
//
// The event is corrected in place, under the event manager's lock, a few
// microseconds after the simulator posted it: a client querying events in
// that window may read the uncorrected version.
//
// The simulator offers Registry.Handler to substitute an object for a
// method, but a logged-in session resolves every inventory object itself
// (Session.Get), so the substitute is never used for RelocateVM_Task.
type relocationHook struct {
	d *DataCenter
}

var relocationHookRef = types.ManagedObjectReference{Type: "VnetmapRelocationHook", Value: "relocation-hook"}

// Reference implements mo.Reference.
func (h *relocationHook) Reference() types.ManagedObjectReference { return relocationHookRef }

// PutObject implements simulator.RegisterObject.
func (h *relocationHook) PutObject(*simulator.Context, mo.Reference) {}

// RemoveObject implements simulator.RegisterObject.
func (h *relocationHook) RemoveObject(*simulator.Context, types.ManagedObjectReference) {}

// UpdateObject implements simulator.RegisterObject. It is called for every
// property change of every object, so it returns at once for anything but a
// VM's runtime.host.
func (h *relocationHook) UpdateObject(ctx *simulator.Context, obj mo.Reference, changes []types.PropertyChange) {
	vm, ok := obj.(*mo.VirtualMachine)
	if !ok || vm.Runtime.Host == nil || !slices.ContainsFunc(changes, func(c types.PropertyChange) bool { return c.Name == "runtime.host" }) {
		return
	}
	to := *vm.Runtime.Host
	dst, ok := ctx.Map.Get(to).(*simulator.HostSystem)
	if !ok {
		return
	}
	src, ok := h.fixEvent(ctx, vm, dst)
	if !ok {
		return
	}
	if s, ok := ctx.Map.Get(src).(*simulator.HostSystem); ok {
		removeVM(ctx, s, &s.Vm, vm.Self)
	}
	addVM(ctx, dst, &dst.Vm, vm.Self)
	srcPool, dstPool := h.d.poolOf(src), h.d.poolOf(to)
	if srcPool == dstPool {
		return
	}
	if p, ok := ctx.Map.Get(srcPool).(*simulator.ResourcePool); ok {
		removeVM(ctx, p, &p.Vm, vm.Self)
	}
	if p, ok := ctx.Map.Get(dstPool).(*simulator.ResourcePool); ok {
		addVM(ctx, p, &p.Vm, vm.Self)
	}
}

// fixEvent points the VM's latest VmMigratedEvent at the destination host
// and returns the source host; ok is false when there is nothing to fix.
func (h *relocationHook) fixEvent(ctx *simulator.Context, vm *mo.VirtualMachine, dst *simulator.HostSystem) (src types.ManagedObjectReference, ok bool) {
	em := ctx.Map.EventManager()
	ctx.WithLock(em, func() {
		body, _ := em.QueryEvents(ctx, &types.QueryEvents{Filter: types.EventFilterSpec{
			Entity:      &types.EventFilterSpecByEntity{Entity: vm.Self, Recursion: types.EventFilterSpecRecursionOptionSelf},
			EventTypeId: []string{"VmMigratedEvent"},
		}}).(*methods.QueryEventsBody)
		if body == nil || body.Res == nil || len(body.Res.Returnval) == 0 {
			return
		}
		e, isMigration := body.Res.Returnval[0].(*types.VmMigratedEvent) // newest first
		if !isMigration || e.Host == nil || e.Host.Host == dst.Self {
			return
		}
		e.Host = &types.HostEventArgument{Host: dst.Self, EntityEventArgument: types.EntityEventArgument{Name: dst.Name}}
		if c, isCluster := ctx.Map.Get(*dst.Parent).(*simulator.ClusterComputeResource); isCluster {
			e.ComputeResource = &types.ComputeResourceEventArgument{ComputeResource: c.Self, EntityEventArgument: types.EntityEventArgument{Name: c.Name}}
		}
		for _, info := range em.Description.EventInfo {
			if info.Key != "VmMigratedEvent" {
				continue
			}
			if t, err := template.New(info.Key).Parse(info.FullFormat); err == nil {
				var b bytes.Buffer
				if t.Execute(&b, e) == nil {
					e.FullFormattedMessage = b.String()
				}
			}
		}
		src, ok = e.SourceHost.Host, true
	})
	return src, ok
}

func removeVM(ctx *simulator.Context, obj mo.Reference, list *[]types.ManagedObjectReference, vm types.ManagedObjectReference) {
	ctx.WithLock(obj, func() {
		if !slices.Contains(*list, vm) {
			return
		}
		vms := slices.DeleteFunc(slices.Clone(*list), func(r types.ManagedObjectReference) bool { return r == vm })
		ctx.Update(obj, []types.PropertyChange{{Name: "vm", Val: vms}})
	})
}

func addVM(ctx *simulator.Context, obj mo.Reference, list *[]types.ManagedObjectReference, vm types.ManagedObjectReference) {
	ctx.WithLock(obj, func() {
		if slices.Contains(*list, vm) {
			return
		}
		ctx.Update(obj, []types.PropertyChange{{Name: "vm", Val: append(slices.Clone(*list), vm)}})
	})
}

// poolOf returns the root resource pool of the host's cluster.
func (d *DataCenter) poolOf(host types.ManagedObjectReference) types.ManagedObjectReference {
	if i := slices.Index(d.hostRefs, host); i >= 0 {
		return d.pools[d.plan.hosts[i].cluster]
	}
	return types.ManagedObjectReference{}
}
