package vsphere

import (
	"context"
	"fmt"
	"slices"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Properties read per managed object type: only what the facts need.
// required lists, per type, the properties without which an object cannot
// be named; a permission fault on one of them fails the run, on any other
// property the object is collected without it.
var (
	placeProps   = []string{"name", "parent"}
	clusterProps = []string{"name", "parent", "configuration.drsConfig.enabled", "configuration.dasConfig.enabled"}
	hostProps    = []string{
		"name", "parent",
		"runtime.connectionState", "runtime.powerState", "runtime.inMaintenanceMode",
		"summary.hardware", "summary.config.product",
		"config.network.pnic", "config.network.vswitch", "config.network.portgroup", "config.network.proxySwitch",
		"configManager.networkSystem",
	}
	dvsProps       = []string{"name", "uuid", "config", "summary.hostMember"}
	portgroupProps = []string{"name", "key", "config"}
	vmProps        = []string{
		"name", "parent",
		"config.instanceUuid", "config.uuid", "config.template", "config.guestFullName", "config.hardware.device",
		"runtime.powerState", "runtime.host",
		"guest.hostName", "guest.net",
		"customValue", "availableField",
	}

	required = map[string][]string{
		"Folder":                         {"name"},
		"Datacenter":                     {"name"},
		"ComputeResource":                {"name"},
		"ClusterComputeResource":         {"name"},
		"HostSystem":                     {"name"},
		"DistributedVirtualSwitch":       {"uuid", "config"},
		"VmwareDistributedVirtualSwitch": {"uuid", "config"},
		"DistributedVirtualPortgroup":    {"key", "config"},
		"VirtualMachine":                 {"config.instanceUuid"},
	}
)

// inventorySpec selects every object of the types the facts need, through
// a container view of the whole inventory.
func inventorySpec(view types.ManagedObjectReference) types.PropertyFilterSpec {
	return types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{
			Obj:       view,
			Skip:      types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}},
		}},
		PropSet: []types.PropertySpec{
			{Type: "Folder", PathSet: placeProps},
			{Type: "Datacenter", PathSet: placeProps},
			{Type: "ComputeResource", PathSet: placeProps},
			{Type: "ClusterComputeResource", PathSet: clusterProps},
			{Type: "HostSystem", PathSet: hostProps},
			{Type: "DistributedVirtualSwitch", PathSet: dvsProps},
			{Type: "DistributedVirtualPortgroup", PathSet: portgroupProps},
			{Type: "VirtualMachine", PathSet: vmProps},
		},
	}
}

// inventoryTypes are the container view types; subtypes are included
// (ClusterComputeResource, VmwareDistributedVirtualSwitch).
var inventoryTypes = []string{
	"Folder", "Datacenter", "ComputeResource", "HostSystem",
	"DistributedVirtualSwitch", "DistributedVirtualPortgroup", "VirtualMachine",
}

// retrieve reads the objects selected by spec, PageSize objects per call
// (RetrievePropertiesEx, then ContinueRetrievePropertiesEx), and calls each
// for every object. When each fails, the rest of the result is cancelled.
func (c *Collector) retrieve(ctx context.Context, cn *conn, spec types.PropertyFilterSpec, each func(types.ObjectContent) error) error {
	pc := cn.vim.ServiceContent.PropertyCollector
	res, err := methods.RetrievePropertiesEx(ctx, cn.vim, &types.RetrievePropertiesEx{
		This:    pc,
		SpecSet: []types.PropertyFilterSpec{spec},
		Options: types.RetrieveOptions{MaxObjects: int32(c.cfg.PageSize)},
	})
	if err != nil {
		return c.classify("RetrievePropertiesEx", err)
	}
	page := res.Returnval
	for page != nil {
		for _, oc := range page.Objects {
			if err := each(oc); err != nil {
				if page.Token != "" {
					_, _ = methods.CancelRetrievePropertiesEx(context.WithoutCancel(ctx), cn.vim,
						&types.CancelRetrievePropertiesEx{This: pc, Token: page.Token})
				}
				return err
			}
		}
		if page.Token == "" {
			return nil
		}
		next, err := methods.ContinueRetrievePropertiesEx(ctx, cn.vim, &types.ContinueRetrievePropertiesEx{This: pc, Token: page.Token})
		if err != nil {
			return c.classify("ContinueRetrievePropertiesEx", err)
		}
		page = &next.Returnval
	}
	return nil
}

// load decodes one object into a pointer to its mo type (*mo.HostSystem…).
// Properties the account may not read are dropped with a warning, unless
// they are required to name the object: then the run fails naming the
// property. A NotAuthenticated fault means the session expired.
func (c *Collector) load(oc types.ObjectContent) (any, error) {
	if len(oc.MissingSet) > 0 {
		for _, m := range oc.MissingSet {
			f := m.Fault.Fault
			switch {
			case fault.Is(f, &types.NotAuthenticated{}):
				return nil, fmt.Errorf("%w: %s: reading %s.%s of %s", ErrSessionExpired, c.url, oc.Obj.Type, m.Path, oc.Obj.Value)
			case slices.Contains(required[oc.Obj.Type], m.Path):
				s := ErrAPI
				if fault.Is(f, &types.NoPermission{}) {
					s = ErrPermission
				}
				return nil, fmt.Errorf("%w: %s: cannot read %s.%s of %s: %T", s, c.url, oc.Obj.Type, m.Path, oc.Obj.Value, f)
			}
			c.warnOnce(oc.Obj.Type+"."+m.Path, "property not readable, collecting without it",
				"type", oc.Obj.Type, "property", m.Path, "object", oc.Obj.Value, "fault", fmt.Sprintf("%T", f))
		}
		oc.MissingSet = nil
	}
	v, err := mo.ObjectContentToType(oc, true)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: decoding %s %s: %w", ErrAPI, c.url, oc.Obj.Type, oc.Obj.Value, err)
	}
	return v, nil
}

// warnOnce logs a warning the first time key is seen by this Collector.
func (c *Collector) warnOnce(key, msg string, args ...any) {
	c.mu.Lock()
	seen := c.warned[key]
	c.warned[key] = true
	c.mu.Unlock()
	if !seen {
		c.logger.Warn(msg, args...)
	}
}
