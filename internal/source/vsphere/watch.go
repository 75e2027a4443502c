package vsphere

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/model"
)

// watchProps are the VM properties whose change triggers a re-read of the
// VM: placement, power, guest IPs, name, and config.changeVersion, which
// vCenter bumps on every reconfiguration (vNICs added, removed or moved to
// another port group) — watched instead of config.hardware.device, whose
// every update would carry the whole device list. config.instanceUuid gives
// the ID of a VM that leaves the inventory.
var watchProps = []string{"name", "config.instanceUuid", "config.changeVersion", "runtime.host", "runtime.powerState", "guest.net"}

// Watch follows the VMs until ctx ends (it then returns nil) or the
// connection fails (it returns the error; the caller marks the source stale
// and runs a full Collect, which reconnects, before watching again). For
// every VM that changes it re-reads the VM and calls emit with a snapshot
// scoped to the VM: its facts and its recent migration events. A VM removed
// from the inventory yields a scoped snapshot without facts. Changes that
// happen between the caller's last Collect and the start of Watch are not
// reported when they only touch devices or guest IPs (the next Collect has
// them); a VM whose host or power state differs from the last Collect's is
// re-read as soon as the watch starts, so no migration falls in that gap.
func (c *Collector) Watch(ctx context.Context, emit func(model.Snapshot) error) error {
	cn, err := c.session(ctx)
	if err != nil {
		return err
	}
	err = c.watch(ctx, cn, emit)
	if ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrTLS) || errors.Is(err, ErrSessionExpired) {
		c.drop(cn)
	}
	return err
}

// watchWait is the MaxWaitSeconds of one WaitForUpdatesEx call: half the
// Timeout, so that an idle poll never hits the HTTP timeout.
func (c *Collector) watchWait() int32 {
	return int32(max(1, min(60, int(c.cfg.Timeout/2/time.Second))))
}

func (c *Collector) watch(ctx context.Context, cn *conn, emit func(model.Snapshot) error) (err error) {
	pc, err := property.DefaultCollector(cn.vim).Create(ctx)
	if err != nil {
		return c.classify("CreatePropertyCollector", err)
	}
	v, err := view.NewManager(cn.vim).CreateContainerView(ctx, cn.vim.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		c.cleanup(ctx, pc.Destroy)
		return c.classify("CreateContainerView", err)
	}
	defer func() {
		// Release the collector and view unless the vCenter is gone.
		if !errors.Is(err, ErrUnreachable) && !errors.Is(err, ErrTimeout) {
			c.cleanup(ctx, pc.Destroy)
			c.destroyView(ctx, v)
		}
	}()
	_, err = pc.CreateFilter(ctx, types.CreateFilter{
		Spec: types.PropertyFilterSpec{
			ObjectSet: []types.ObjectSpec{{
				Obj:       v.Reference(),
				Skip:      types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}},
			}},
			PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: watchProps}},
		},
	})
	if err != nil {
		return c.classify("CreateFilter", err)
	}

	wait := c.watchWait()
	req := types.WaitForUpdatesEx{
		This:    pc.Reference(),
		Options: &types.WaitOptions{MaxWaitSeconds: &wait, MaxObjectUpdates: int32(c.cfg.PageSize)},
	}
	ids := make(map[types.ManagedObjectReference]model.ID)
	changed := make(map[types.ManagedObjectReference]bool)
	var gone []model.ID
	initial := true // the first update set is the current state, already collected
	for {
		res, err := methods.WaitForUpdatesEx(ctx, cn.vim, &req)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return c.classify("WaitForUpdatesEx", err)
		}
		set := res.Returnval
		if set == nil {
			continue // MaxWaitSeconds passed without a change
		}
		req.Version = set.Version
		for _, fs := range set.FilterSet {
			for _, u := range fs.ObjectSet {
				for _, m := range u.MissingSet {
					if fault.Is(m.Fault.Fault, &types.NotAuthenticated{}) {
						return fmt.Errorf("%w: %s: watching VMs", ErrSessionExpired, c.url)
					}
				}
				switch u.Kind {
				case types.ObjectUpdateKindEnter, types.ObjectUpdateKindModify:
					if initial && c.movedSinceCollect(u.Obj, u.ChangeSet) {
						changed[u.Obj] = true
					}
					for _, ch := range u.ChangeSet {
						if s, ok := ch.Val.(string); ok && ch.Name == "config.instanceUuid" && s != "" {
							id := model.NewID(model.KindVM, s)
							if old, ok := ids[u.Obj]; ok && old != id && !initial {
								gone = append(gone, old) // a new instance UUID: a new ID
							}
							ids[u.Obj] = id
						}
					}
					if !initial {
						changed[u.Obj] = true
					}
				case types.ObjectUpdateKindLeave:
					if id, ok := ids[u.Obj]; ok && !initial {
						gone = append(gone, id)
					}
					delete(ids, u.Obj)
					delete(changed, u.Obj)
				}
			}
		}
		if set.Truncated != nil && *set.Truncated {
			continue // more of this update set to come
		}
		initial = false
		for _, id := range gone {
			if err := emit(model.Snapshot{Source: c.cfg.Name, Taken: time.Now(), Scope: []model.ID{id}, Facts: []model.Fact{}}); err != nil {
				return fmt.Errorf("vsphere: emit: %w", err)
			}
		}
		gone = gone[:0]
		for ref := range changed {
			delete(changed, ref)
			snap, ok, err := c.reread(ctx, cn, ref, ids[ref])
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := emit(snap); err != nil {
				return fmt.Errorf("vsphere: emit: %w", err)
			}
		}
	}
}

// vmState is where a VM was and whether it ran, as a Collect saw it.
type vmState struct {
	host  types.ManagedObjectReference
	power types.VirtualMachinePowerState
}

func stateOf(host *types.ManagedObjectReference, power types.VirtualMachinePowerState) vmState {
	s := vmState{power: power}
	if host != nil {
		s.host = *host
	}
	return s
}

// movedSinceCollect reports whether the watch's first view of a VM shows a
// host or power state other than the last Collect's (a change that happened
// between the two). A VM the Collect did not see counts as moved.
func (c *Collector) movedSinceCollect(ref types.ManagedObjectReference, changes []types.PropertyChange) bool {
	c.mu.Lock()
	before, ok := c.seen[ref]
	c.mu.Unlock()
	if !ok {
		return true
	}
	now := before
	for _, ch := range changes {
		switch v := ch.Val.(type) {
		case types.ManagedObjectReference:
			if ch.Name == "runtime.host" {
				now.host = v
			}
		case types.VirtualMachinePowerState:
			if ch.Name == "runtime.powerState" {
				now.power = v
			}
		}
	}
	return now != before
}

// cleanup runs a release call even when ctx was cancelled.
func (c *Collector) cleanup(ctx context.Context, f func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
	defer cancel()
	_ = f(ctx)
}

// reread reads one VM and returns the snapshot scoped to it. known is its
// ID as the watch last saw it: when the VM no longer exists (or became a
// template), the snapshot for known has no facts. ok is false when there is
// nothing to report (a VM being created, without an instance UUID yet).
func (c *Collector) reread(ctx context.Context, cn *conn, ref types.ManagedObjectReference, known model.ID) (model.Snapshot, bool, error) {
	var vm *mo.VirtualMachine
	err := c.retrieve(ctx, cn, types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: ref}},
		PropSet:   []types.PropertySpec{{Type: "VirtualMachine", PathSet: vmProps}},
	}, func(oc types.ObjectContent) error {
		v, err := c.load(oc)
		if err != nil {
			return err
		}
		vm, _ = v.(*mo.VirtualMachine)
		return nil
	})
	switch {
	case err != nil && fault.Is(err, &types.ManagedObjectNotFound{}):
		vm = nil
	case err != nil:
		return model.Snapshot{}, false, err
	}
	if vm == nil || !isVM(vm) {
		if known == "" {
			return model.Snapshot{}, false, nil
		}
		return model.Snapshot{Source: c.cfg.Name, Taken: time.Now(), Scope: []model.ID{known}, Facts: []model.Fact{}}, true, nil
	}
	id := vmID(vm)

	var learn []types.ManagedObjectReference
	if vm.Runtime.Host != nil {
		learn = append(learn, *vm.Runtime.Host)
	}
	if vm.Parent != nil {
		learn = append(learn, *vm.Parent)
	}
	if err := c.learn(ctx, cn, learn...); err != nil {
		return model.Snapshot{}, false, err
	}
	var tags []string
	if c.cfg.Tags {
		t, _, err := c.vmTags(ctx, cn, []types.ManagedObjectReference{ref}, false)
		if err != nil {
			return model.Snapshot{}, false, err
		}
		tags = t[ref]
	}
	events, err := c.migrations(ctx, cn, ref, types.EventFilterSpecRecursionOptionSelf, map[types.ManagedObjectReference]model.ID{ref: id})
	if err != nil {
		return model.Snapshot{}, false, err
	}

	c.mu.Lock()
	facts := c.vmFacts(nil, vm, c.places, cn.vim.ServiceContent.RootFolder, tags)
	c.mu.Unlock()
	sortFacts(facts)
	scope := []model.ID{id}
	if known != "" && known != id {
		scope = append(scope, known)
	}
	return model.Snapshot{Source: c.cfg.Name, Taken: time.Now(), Scope: scope, Facts: facts, Events: events}, true, nil
}
