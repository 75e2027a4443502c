package vsphere

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// DRSPrefix starts the name of every DRS group and rule vnetmap owns.
// ApplyDRS adds, edits and removes only those: groups and rules named
// otherwise are never touched.
const DRSPrefix = "vnetmap-"

// maxDRSName is the longest name vCenter takes for a group or rule.
const maxDRSName = 80

// ErrDRS is wrapped by the errors of a DRS request that cannot be applied
// as asked: a name without DRSPrefix, a rule naming a group the request
// does not define, a datacenter or cluster vCenter does not have.
var ErrDRS = errors.New("vsphere: DRS request")

// DRSCluster is the DRS configuration vnetmap wants on one cluster: all of
// its groups and VM-host rules. Those of vnetmap's the cluster has and
// the request does not name are removed.
type DRSCluster struct {
	Datacenter string
	Cluster    string
	// VMGroups name their members by instance UUID, HostGroups by host
	// name as vCenter has it.
	VMGroups   []DRSGroup
	HostGroups []DRSGroup
	Rules      []DRSRule
}

// DRSGroup is a VM group or a host group.
type DRSGroup struct {
	Name    string
	Members []string
}

// DRSRule is a VM-host affinity rule: the VMs of VMGroup run on the hosts
// of HostGroup, as a requirement ("must") when Mandatory, else as a
// preference ("should").
type DRSRule struct {
	Name, VMGroup, HostGroup string
	Mandatory                bool
}

// DRSChange is one change ApplyDRS made.
type DRSChange struct {
	Cluster string `json:"cluster"` // datacenter/cluster
	Kind    string `json:"kind"`    // "vm-group", "host-group" or "rule"
	Name    string `json:"name"`
	Op      string `json:"op"` // "add", "edit" or "remove"
}

// DRSResult is what ApplyDRS did.
type DRSResult struct {
	Changes []DRSChange `json:"changes"`
	// Skipped are members vCenter does not have in the cluster (a VM moved
	// out or deleted since the map was made), "datacenter/cluster: what";
	// a group left with no member is not made, nor its rule.
	Skipped []string `json:"skipped,omitempty"`
}

// ApplyDRS makes each cluster's vnetmap groups and rules what want says,
// through ClusterComputeResource.ReconfigureComputeResource_Task: groups
// and rules missing are added, those that differ are edited (members,
// group names, mandatory), and vnetmap's that are not wanted any more are
// removed — rules before the groups they use. A cluster already as wanted
// is not reconfigured at all, so applying the same request twice changes
// nothing the second time.
func (c *Collector) ApplyDRS(ctx context.Context, want []DRSCluster) (*DRSResult, error) {
	for _, w := range want {
		if err := w.validate(); err != nil {
			return nil, err
		}
	}
	res := &DRSResult{Changes: []DRSChange{}}
	for _, w := range want {
		out, err := retry(ctx, c, func(cn *conn) (applied, error) {
			return c.applyCluster(ctx, cn, w)
		})
		res.Changes = append(res.Changes, out.changes...)
		res.Skipped = append(res.Skipped, out.skipped...)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// validate checks names and references of one cluster's request.
func (w DRSCluster) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: cluster %s/%s: %s", ErrDRS, w.Datacenter, w.Cluster, fmt.Sprintf(format, args...))
	}
	if w.Datacenter == "" || w.Cluster == "" {
		return bad("datacenter and cluster are required")
	}
	groups, rules := map[string]string{}, map[string]bool{} // group name → kind
	name := func(kind, n string) error {
		if !strings.HasPrefix(n, DRSPrefix) || len(n) > maxDRSName {
			return bad("%s name %q: want %q then at most %d characters in all", kind, n, DRSPrefix, maxDRSName)
		}
		return nil
	}
	for kind, gs := range map[string][]DRSGroup{"vm-group": w.VMGroups, "host-group": w.HostGroups} {
		for _, g := range gs {
			if err := name(kind, g.Name); err != nil {
				return err
			}
			if groups[g.Name] != "" {
				return bad("group %q is named twice", g.Name)
			}
			groups[g.Name] = kind
		}
	}
	for _, r := range w.Rules {
		if err := name("rule", r.Name); err != nil {
			return err
		}
		if rules[r.Name] {
			return bad("rule %q is named twice", r.Name)
		}
		rules[r.Name] = true
		if groups[r.VMGroup] != "vm-group" || groups[r.HostGroup] != "host-group" {
			return bad("rule %q names VM group %q and host group %q, which the request does not define", r.Name, r.VMGroup, r.HostGroup)
		}
	}
	return nil
}

// applied is what applyCluster did to one cluster.
type applied struct {
	changes []DRSChange
	skipped []string
}

// drsCluster is a cluster as ApplyDRS reads it.
type drsCluster struct {
	ref   types.ManagedObjectReference
	label string // datacenter/cluster
	cfg   *types.ClusterConfigInfoEx
	vms   map[string]types.ManagedObjectReference // instance UUID → VM
	hosts map[string]types.ManagedObjectReference // name → host
}

func (c *Collector) applyCluster(ctx context.Context, cn *conn, w DRSCluster) (applied, error) {
	cl, err := c.readCluster(ctx, cn, w.Datacenter, w.Cluster)
	if err != nil {
		return applied{}, err
	}
	var skipped []string
	made := map[string]bool{} // groups that will exist, by name
	var wantGroups []types.BaseClusterGroupInfo
	for _, g := range w.VMGroups {
		vg := &types.ClusterVmGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: g.Name}}
		for _, m := range g.Members {
			if ref, ok := cl.vms[strings.ToLower(m)]; ok {
				vg.Vm = append(vg.Vm, ref)
			} else {
				skipped = append(skipped, fmt.Sprintf("%s: VM %s of %s is not in the cluster", cl.label, m, g.Name))
			}
		}
		if len(vg.Vm) > 0 {
			made[g.Name] = true
			wantGroups = append(wantGroups, vg)
		}
	}
	for _, g := range w.HostGroups {
		hg := &types.ClusterHostGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: g.Name}}
		for _, m := range g.Members {
			if ref, ok := cl.hosts[m]; ok {
				hg.Host = append(hg.Host, ref)
			} else {
				skipped = append(skipped, fmt.Sprintf("%s: host %s of %s is not in the cluster", cl.label, m, g.Name))
			}
		}
		if len(hg.Host) > 0 {
			made[g.Name] = true
			wantGroups = append(wantGroups, hg)
		}
	}
	var wantRules []*types.ClusterVmHostRuleInfo
	for _, r := range w.Rules {
		if !made[r.VMGroup] || !made[r.HostGroup] {
			skipped = append(skipped, fmt.Sprintf("%s: rule %s: a group it uses has no member in the cluster", cl.label, r.Name))
			continue
		}
		wantRules = append(wantRules, &types.ClusterVmHostRuleInfo{
			ClusterRuleInfo: types.ClusterRuleInfo{Name: r.Name, Enabled: types.NewBool(true), Mandatory: types.NewBool(r.Mandatory), UserCreated: types.NewBool(true)},
			VmGroupName:     r.VMGroup, AffineHostGroupName: r.HostGroup,
		})
	}

	var changes []DRSChange
	change := func(kind, name, op string) {
		changes = append(changes, DRSChange{Cluster: cl.label, Kind: kind, Name: name, Op: op})
	}

	// Step 1: groups added or edited.
	have := map[string]types.BaseClusterGroupInfo{}
	for _, g := range cl.cfg.Group {
		if n := g.GetClusterGroupInfo().Name; strings.HasPrefix(n, DRSPrefix) {
			have[n] = g
		}
	}
	var groupSpecs []types.ClusterGroupSpec
	for _, g := range wantGroups {
		n := g.GetClusterGroupInfo().Name
		old, ok := have[n]
		switch {
		case !ok:
			groupSpecs = append(groupSpecs, types.ClusterGroupSpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd}, Info: g})
			change(groupKind(g), n, "add")
		case !sameGroup(old, g):
			groupSpecs = append(groupSpecs, types.ClusterGroupSpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationEdit}, Info: g})
			change(groupKind(g), n, "edit")
		}
	}
	if err := c.reconfigure(ctx, cn, cl, &types.ClusterConfigSpecEx{GroupSpec: groupSpecs}, len(groupSpecs)); err != nil {
		return applied{skipped: skipped}, err
	}

	// Step 2: rules added, edited or removed.
	haveRules := map[string]types.BaseClusterRuleInfo{}
	for _, r := range cl.cfg.Rule {
		if n := r.GetClusterRuleInfo().Name; strings.HasPrefix(n, DRSPrefix) {
			haveRules[n] = r
		}
	}
	var ruleSpecs []types.ClusterRuleSpec
	wanted := map[string]bool{}
	for _, r := range wantRules {
		wanted[r.Name] = true
		old, ok := haveRules[r.Name]
		switch {
		case !ok:
			ruleSpecs = append(ruleSpecs, types.ClusterRuleSpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd}, Info: r})
			change("rule", r.Name, "add")
		case !sameRule(old, r):
			oi := old.GetClusterRuleInfo()
			r.Key, r.RuleUuid = oi.Key, oi.RuleUuid
			ruleSpecs = append(ruleSpecs, types.ClusterRuleSpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationEdit}, Info: r})
			change("rule", r.Name, "edit")
		}
	}
	for _, r := range cl.cfg.Rule {
		oi := r.GetClusterRuleInfo()
		if _, ours := haveRules[oi.Name]; ours && !wanted[oi.Name] {
			ruleSpecs = append(ruleSpecs, types.ClusterRuleSpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationRemove, RemoveKey: oi.Key}, Info: r})
			change("rule", oi.Name, "remove")
		}
	}
	if err := c.reconfigure(ctx, cn, cl, &types.ClusterConfigSpecEx{RulesSpec: ruleSpecs}, len(ruleSpecs)); err != nil {
		return applied{changes[:len(groupSpecs)], skipped}, err
	}

	// Step 3: vnetmap's groups no longer wanted, once no rule of ours uses them.
	groupSpecs = groupSpecs[:0]
	for _, g := range cl.cfg.Group {
		n := g.GetClusterGroupInfo().Name
		if _, ours := have[n]; ours && !made[n] {
			groupSpecs = append(groupSpecs, types.ClusterGroupSpec{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationRemove, RemoveKey: n}, Info: g})
			change(groupKind(g), n, "remove")
		}
	}
	if err := c.reconfigure(ctx, cn, cl, &types.ClusterConfigSpecEx{GroupSpec: groupSpecs}, len(groupSpecs)); err != nil {
		return applied{changes[:len(changes)-len(groupSpecs)], skipped}, err
	}
	if len(changes) > 0 {
		c.logger.Info("drs rules applied", "cluster", cl.label, "changes", len(changes))
	}
	return applied{changes, skipped}, nil
}

// reconfigure runs one cluster reconfiguration task, when it has n > 0
// changes, and waits for it.
func (c *Collector) reconfigure(ctx context.Context, cn *conn, cl *drsCluster, spec *types.ClusterConfigSpecEx, n int) error {
	if n == 0 {
		return nil
	}
	task, err := object.NewClusterComputeResource(cn.vim, cl.ref).Reconfigure(ctx, spec, true)
	if err == nil {
		err = task.Wait(ctx)
	}
	return c.classify("reconfigure DRS groups and rules of cluster "+cl.label, err)
}

// readCluster finds the cluster and reads its configuration, its hosts by
// name and its hosts' VMs by instance UUID.
func (c *Collector) readCluster(ctx context.Context, cn *conn, dcName, name string) (*drsCluster, error) {
	label := dcName + "/" + name
	dc, err := find.NewFinder(cn.vim, false).Datacenter(ctx, dcName)
	if err != nil {
		var nf *find.NotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("%w: %s: no datacenter %q", ErrDRS, c.url, dcName)
		}
		return nil, c.classify("find datacenter "+dcName, err)
	}
	folders, err := dc.Folders(ctx)
	if err != nil {
		return nil, c.classify("folders of datacenter "+dcName, err)
	}
	v, err := view.NewManager(cn.vim).CreateContainerView(ctx, folders.HostFolder.Reference(), []string{"ClusterComputeResource"}, true)
	if err != nil {
		return nil, c.classify("CreateContainerView", err)
	}
	defer c.destroyView(ctx, v)
	var cls []mo.ClusterComputeResource
	if err := v.Retrieve(ctx, []string{"ClusterComputeResource"}, []string{"name", "host", "configurationEx"}, &cls); err != nil {
		return nil, c.classify("read clusters of "+dcName, err)
	}
	i := slices.IndexFunc(cls, func(cl mo.ClusterComputeResource) bool { return cl.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("%w: %s: no cluster %q in datacenter %q", ErrDRS, c.url, name, dcName)
	}
	cl := &drsCluster{ref: cls[i].Self, label: label, cfg: &types.ClusterConfigInfoEx{},
		vms: map[string]types.ManagedObjectReference{}, hosts: map[string]types.ManagedObjectReference{}}
	if ex, ok := cls[i].ConfigurationEx.(*types.ClusterConfigInfoEx); ok && ex != nil {
		cl.cfg = ex
	}
	if len(cls[i].Host) == 0 {
		return cl, nil
	}
	pc := property.DefaultCollector(cn.vim)
	var hosts []mo.HostSystem
	if err := pc.Retrieve(ctx, cls[i].Host, []string{"name", "vm"}, &hosts); err != nil {
		return nil, c.classify("read hosts of cluster "+label, err)
	}
	var vmRefs []types.ManagedObjectReference
	for _, h := range hosts {
		cl.hosts[h.Name] = h.Self
		vmRefs = append(vmRefs, h.Vm...)
	}
	if len(vmRefs) == 0 {
		return cl, nil
	}
	var vms []mo.VirtualMachine
	if err := pc.Retrieve(ctx, vmRefs, []string{"config.instanceUuid"}, &vms); err != nil {
		return nil, c.classify("read VMs of cluster "+label, err)
	}
	for _, vm := range vms {
		if vm.Config != nil && vm.Config.InstanceUuid != "" {
			cl.vms[strings.ToLower(vm.Config.InstanceUuid)] = vm.Self
		}
	}
	return cl, nil
}

func groupKind(g types.BaseClusterGroupInfo) string {
	if _, ok := g.(*types.ClusterHostGroup); ok {
		return "host-group"
	}
	return "vm-group"
}

// sameGroup reports whether two groups are of the same kind with the same
// members, in any order.
func sameGroup(a, b types.BaseClusterGroupInfo) bool {
	refs := func(g types.BaseClusterGroupInfo) (string, []string) {
		var r []types.ManagedObjectReference
		switch g := g.(type) {
		case *types.ClusterVmGroup:
			r = g.Vm
		case *types.ClusterHostGroup:
			r = g.Host
		default:
			return fmt.Sprintf("%T", g), nil
		}
		s := make([]string, len(r))
		for i, x := range r {
			s[i] = x.Value
		}
		slices.Sort(s)
		return groupKind(g), s
	}
	ka, ra := refs(a)
	kb, rb := refs(b)
	return ka == kb && slices.Equal(ra, rb)
}

// sameRule reports whether an existing rule is the wanted VM-host rule.
func sameRule(have types.BaseClusterRuleInfo, want *types.ClusterVmHostRuleInfo) bool {
	h, ok := have.(*types.ClusterVmHostRuleInfo)
	return ok && h.VmGroupName == want.VmGroupName && h.AffineHostGroupName == want.AffineHostGroupName &&
		h.AntiAffineHostGroupName == "" && isTrue(h.Enabled) && isTrue(h.Mandatory) == isTrue(want.Mandatory)
}

func isTrue(b *bool) bool { return b != nil && *b }
