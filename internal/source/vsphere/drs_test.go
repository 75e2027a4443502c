package vsphere

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// drsState is a cluster's groups and rules as vCenter reports them: group
// name → sorted member names, rule name → "vmgroup>hostgroup must|should".
type drsState struct {
	groups map[string][]string
	rules  map[string]string
	keys   map[string]int32 // rule name → key
}

// readDRS reads the cluster's ConfigurationEx back through the API.
func readDRS(t *testing.T, c *govmomi.Client, cl *object.ClusterComputeResource) drsState {
	t.Helper()
	ctx := context.Background()
	var m mo.ClusterComputeResource
	if err := cl.Properties(ctx, cl.Reference(), []string{"configurationEx"}, &m); err != nil {
		t.Fatal(err)
	}
	ex := m.ConfigurationEx.(*types.ClusterConfigInfoEx)
	names := func(refs []types.ManagedObjectReference) []string {
		var out []string
		for _, r := range refs {
			var e mo.ManagedEntity
			if err := c.PropertyCollector().RetrieveOne(ctx, r, []string{"name"}, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e.Name)
		}
		slices.Sort(out)
		return out
	}
	s := drsState{groups: map[string][]string{}, rules: map[string]string{}, keys: map[string]int32{}}
	for _, g := range ex.Group {
		switch g := g.(type) {
		case *types.ClusterVmGroup:
			s.groups[g.Name] = names(g.Vm)
		case *types.ClusterHostGroup:
			s.groups[g.Name] = names(g.Host)
		}
	}
	for _, r := range ex.Rule {
		info := r.GetClusterRuleInfo()
		s.keys[info.Name] = info.Key
		vh, ok := r.(*types.ClusterVmHostRuleInfo)
		if !ok {
			s.rules[info.Name] = "other"
			continue
		}
		kind := "should"
		if isTrue(vh.Mandatory) {
			kind = "must"
		}
		if !isTrue(vh.Enabled) {
			kind += " disabled"
		}
		s.rules[info.Name] = vh.VmGroupName + ">" + vh.AffineHostGroupName + " " + kind
	}
	return s
}

func TestApplyDRS(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	admin := s.client(t)
	ctx := context.Background()
	f := finder(t, admin)
	cl, err := f.ClusterComputeResource(ctx, "DC0_C0")
	if err != nil {
		t.Fatal(err)
	}
	uuid := func(name string) string {
		var vm mo.VirtualMachine
		if err := vmByName(t, admin, name).Properties(ctx, vmByName(t, admin, name).Reference(), []string{"config.instanceUuid"}, &vm); err != nil {
			t.Fatal(err)
		}
		return vm.Config.InstanceUuid
	}
	vm0, vm1 := uuid("DC0_C0_RP0_VM0"), uuid("DC0_C0_RP0_VM1")

	// Someone else's group and rule: never touched.
	foreignHosts := &types.ClusterHostGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: "ops-pinned-hosts"}}
	h0, err := f.HostSystem(ctx, "DC0_C0_H0")
	if err != nil {
		t.Fatal(err)
	}
	foreignHosts.Host = []types.ManagedObjectReference{h0.Reference()}
	foreignVMs := &types.ClusterVmGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: "ops-pinned-vms"}, Vm: []types.ManagedObjectReference{vmByName(t, admin, "DC0_C0_RP0_VM0").Reference()}}
	task, err := cl.Reconfigure(ctx, &types.ClusterConfigSpecEx{
		GroupSpec: []types.ClusterGroupSpec{
			{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd}, Info: foreignHosts},
			{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd}, Info: foreignVMs},
		},
		RulesSpec: []types.ClusterRuleSpec{{ArrayUpdateSpec: types.ArrayUpdateSpec{Operation: types.ArrayUpdateOperationAdd},
			Info: &types.ClusterVmHostRuleInfo{ClusterRuleInfo: types.ClusterRuleInfo{Name: "ops-pin", Enabled: types.NewBool(true)}, VmGroupName: "ops-pinned-vms", AffineHostGroupName: "ops-pinned-hosts"}}},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	foreign := func(t *testing.T, st drsState) {
		t.Helper()
		if !slices.Equal(st.groups["ops-pinned-hosts"], []string{"DC0_C0_H0"}) || !slices.Equal(st.groups["ops-pinned-vms"], []string{"DC0_C0_RP0_VM0"}) ||
			st.rules["ops-pin"] != "ops-pinned-vms>ops-pinned-hosts should" {
			t.Errorf("the foreign groups and rule changed: %+v", st)
		}
	}

	c, _ := newCollector(t, testConfig(t, s))
	want := func(hosts []string, must bool, label string, vms ...string) []DRSCluster {
		return []DRSCluster{{
			Datacenter: "DC0", Cluster: "DC0_C0",
			VMGroups:   []DRSGroup{{Name: "vnetmap-safe-" + label + "-vms", Members: vms}},
			HostGroups: []DRSGroup{{Name: "vnetmap-safe-" + label + "-hosts", Members: hosts}},
			Rules:      []DRSRule{{Name: "vnetmap-safe-" + label, VMGroup: "vnetmap-safe-" + label + "-vms", HostGroup: "vnetmap-safe-" + label + "-hosts", Mandatory: must}},
		}}
	}
	type change struct{ kind, name, op string }
	changes := func(r *DRSResult) []change {
		var out []change
		for _, c := range r.Changes {
			if c.Cluster != "DC0/DC0_C0" {
				t.Errorf("change %+v: cluster %q; want DC0/DC0_C0", c, c.Cluster)
			}
			out = append(out, change{c.Kind, c.Name, c.Op})
		}
		return out
	}

	var before drsState
	t.Run("apply", func(t *testing.T) {
		r, err := c.ApplyDRS(ctx, want([]string{"DC0_C0_H0", "DC0_C0_H1"}, false, "not-DC0_C0_H2", vm0, strings.ToUpper(vm1)))
		if err != nil {
			t.Fatal(err)
		}
		wantCh := []change{{"vm-group", "vnetmap-safe-not-DC0_C0_H2-vms", "add"}, {"host-group", "vnetmap-safe-not-DC0_C0_H2-hosts", "add"}, {"rule", "vnetmap-safe-not-DC0_C0_H2", "add"}}
		if got := changes(r); !reflect.DeepEqual(got, wantCh) || len(r.Skipped) != 0 {
			t.Errorf("changes = %v, skipped %v; want %v", got, r.Skipped, wantCh)
		}
		before = readDRS(t, admin, cl)
		if got := before.groups["vnetmap-safe-not-DC0_C0_H2-vms"]; !slices.Equal(got, []string{"DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"}) {
			t.Errorf("VM group = %v; want both VMs", got)
		}
		if got := before.groups["vnetmap-safe-not-DC0_C0_H2-hosts"]; !slices.Equal(got, []string{"DC0_C0_H0", "DC0_C0_H1"}) {
			t.Errorf("host group = %v; want H0, H1", got)
		}
		if got := before.rules["vnetmap-safe-not-DC0_C0_H2"]; got != "vnetmap-safe-not-DC0_C0_H2-vms>vnetmap-safe-not-DC0_C0_H2-hosts should" {
			t.Errorf("rule = %q; want the VMs should run on the hosts", got)
		}
		foreign(t, before)
	})

	t.Run("apply twice changes nothing", func(t *testing.T) {
		r, err := c.ApplyDRS(ctx, want([]string{"DC0_C0_H1", "DC0_C0_H0"}, false, "not-DC0_C0_H2", vm1, vm0))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Changes) != 0 {
			t.Errorf("changes = %+v; want none", r.Changes)
		}
		if after := readDRS(t, admin, cl); !reflect.DeepEqual(after, before) {
			t.Errorf("configuration changed:\n%+v\n%+v", after, before)
		}
	})

	t.Run("changed safe set and must", func(t *testing.T) {
		r, err := c.ApplyDRS(ctx, want([]string{"DC0_C0_H0"}, true, "not-DC0_C0_H2", vm0))
		if err != nil {
			t.Fatal(err)
		}
		wantCh := []change{{"vm-group", "vnetmap-safe-not-DC0_C0_H2-vms", "edit"}, {"host-group", "vnetmap-safe-not-DC0_C0_H2-hosts", "edit"}, {"rule", "vnetmap-safe-not-DC0_C0_H2", "edit"}}
		if got := changes(r); !reflect.DeepEqual(got, wantCh) {
			t.Errorf("changes = %v; want %v", got, wantCh)
		}
		st := readDRS(t, admin, cl)
		if !slices.Equal(st.groups["vnetmap-safe-not-DC0_C0_H2-vms"], []string{"DC0_C0_RP0_VM0"}) || !slices.Equal(st.groups["vnetmap-safe-not-DC0_C0_H2-hosts"], []string{"DC0_C0_H0"}) ||
			st.rules["vnetmap-safe-not-DC0_C0_H2"] != "vnetmap-safe-not-DC0_C0_H2-vms>vnetmap-safe-not-DC0_C0_H2-hosts must" ||
			st.keys["vnetmap-safe-not-DC0_C0_H2"] != before.keys["vnetmap-safe-not-DC0_C0_H2"] {
			t.Errorf("after the edit: %+v; want VM0 must run on H0, same rule key", st)
		}
		foreign(t, st)
	})

	t.Run("another set replaces the stale one", func(t *testing.T) {
		r, err := c.ApplyDRS(ctx, want([]string{"DC0_C0_H1", "DC0_C0_H2"}, false, "not-DC0_C0_H0", vm1))
		if err != nil {
			t.Fatal(err)
		}
		wantCh := []change{
			{"vm-group", "vnetmap-safe-not-DC0_C0_H0-vms", "add"}, {"host-group", "vnetmap-safe-not-DC0_C0_H0-hosts", "add"},
			{"rule", "vnetmap-safe-not-DC0_C0_H0", "add"}, {"rule", "vnetmap-safe-not-DC0_C0_H2", "remove"},
			{"vm-group", "vnetmap-safe-not-DC0_C0_H2-vms", "remove"}, {"host-group", "vnetmap-safe-not-DC0_C0_H2-hosts", "remove"},
		}
		if got := changes(r); !reflect.DeepEqual(got, wantCh) {
			t.Errorf("changes = %v; want %v", got, wantCh)
		}
		st := readDRS(t, admin, cl)
		if len(st.groups) != 4 || len(st.rules) != 2 || st.rules["vnetmap-safe-not-DC0_C0_H0"] == "" {
			t.Errorf("after the replacement: %+v; want the foreign groups and rule and the new set only", st)
		}
		foreign(t, st)
	})

	t.Run("VMs gone: nothing left to make", func(t *testing.T) {
		r, err := c.ApplyDRS(ctx, want([]string{"DC0_C0_H1"}, false, "not-DC0_C0_H0", "4242-not-a-vm"))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Skipped) != 2 || !strings.Contains(r.Skipped[0], "VM 4242-not-a-vm") || !strings.Contains(r.Skipped[1], "rule vnetmap-safe-not-DC0_C0_H0") {
			t.Errorf("skipped = %q; want the missing VM and its rule", r.Skipped)
		}
		st := readDRS(t, admin, cl)
		if _, ok := st.groups["vnetmap-safe-not-DC0_C0_H0-vms"]; ok || st.rules["vnetmap-safe-not-DC0_C0_H0"] != "" {
			t.Errorf("after: %+v; want the empty group and its rule removed", st)
		}
		if !slices.Equal(st.groups["vnetmap-safe-not-DC0_C0_H0-hosts"], []string{"DC0_C0_H1"}) {
			t.Errorf("host group = %v; want H1", st.groups["vnetmap-safe-not-DC0_C0_H0-hosts"])
		}
		foreign(t, st)
	})

	t.Run("empty request removes vnetmap's only", func(t *testing.T) {
		if _, err := c.ApplyDRS(ctx, []DRSCluster{{Datacenter: "DC0", Cluster: "DC0_C0"}}); err != nil {
			t.Fatal(err)
		}
		st := readDRS(t, admin, cl)
		if len(st.groups) != 2 || len(st.rules) != 1 {
			t.Errorf("after: %+v; want the foreign groups and rule only", st)
		}
		foreign(t, st)
	})

	t.Run("bad requests", func(t *testing.T) {
		for name, req := range map[string]DRSCluster{
			"no prefix":        {Datacenter: "DC0", Cluster: "DC0_C0", HostGroups: []DRSGroup{{Name: "ops-pinned-hosts", Members: []string{"DC0_C0_H0"}}}},
			"undefined group":  {Datacenter: "DC0", Cluster: "DC0_C0", Rules: []DRSRule{{Name: "vnetmap-x", VMGroup: "vnetmap-a", HostGroup: "vnetmap-b"}}},
			"unknown cluster":  {Datacenter: "DC0", Cluster: "nope"},
			"unknown dc":       {Datacenter: "nope", Cluster: "DC0_C0"},
			"no cluster named": {Datacenter: "DC0"},
		} {
			if _, err := c.ApplyDRS(ctx, []DRSCluster{req}); !errors.Is(err, ErrDRS) {
				t.Errorf("%s: error %v; want ErrDRS", name, err)
			}
		}
		foreign(t, readDRS(t, admin, cl))
	})
}
