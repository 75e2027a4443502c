package main

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/migrate"
)

// clusterDRS reads the DRS groups (name → member names) and VM-host rules
// (name → "vmgroup>hostgroup should|must") of a cluster of the simulator.
func clusterDRS(t *testing.T, s *simSite, cluster string) (map[string][]string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(s.dc.URL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(s.dc.Username(), s.dc.Password())
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout(ctx)
	f := find.NewFinder(c.Client, true)
	dc, err := f.Datacenter(ctx, s.dc.Datacenter())
	if err != nil {
		t.Fatal(err)
	}
	f.SetDatacenter(dc)
	cl, err := f.ClusterComputeResource(ctx, cluster)
	if err != nil {
		t.Fatal(err)
	}
	var m mo.ClusterComputeResource
	if err := cl.Properties(ctx, cl.Reference(), []string{"configurationEx"}, &m); err != nil {
		t.Fatal(err)
	}
	name := func(ref types.ManagedObjectReference) string {
		var e mo.ManagedEntity
		if err := c.PropertyCollector().RetrieveOne(ctx, ref, []string{"name"}, &e); err != nil {
			t.Fatal(err)
		}
		return e.Name
	}
	groups, rules := map[string][]string{}, map[string]string{}
	ex := m.ConfigurationEx.(*types.ClusterConfigInfoEx)
	for _, g := range ex.Group {
		var refs []types.ManagedObjectReference
		switch g := g.(type) {
		case *types.ClusterVmGroup:
			refs = g.Vm
		case *types.ClusterHostGroup:
			refs = g.Host
		}
		var names []string
		for _, r := range refs {
			names = append(names, name(r))
		}
		slices.Sort(names)
		groups[g.GetClusterGroupInfo().Name] = names
	}
	for _, r := range ex.Rule {
		if vh, ok := r.(*types.ClusterVmHostRuleInfo); ok {
			kind := "should"
			if vh.Mandatory != nil && *vh.Mandatory {
				kind = "must"
			}
			rules[vh.Name] = vh.VmGroupName + ">" + vh.AffineHostGroupName + " " + kind
		}
	}
	return groups, rules
}

func TestDRSRulesApply(t *testing.T) {
	s := startSimSite(t)
	shop := s.dc.Clusters()[len(s.dc.Clusters())-1]
	rule := "vnetmap-safe-not-" + s.bad
	want := slices.Clone(s.on230)
	slices.Sort(want)

	code, out, errOut := vnetmap(t, "--config", s.config, "drs-rules", "--json")
	if code != 0 {
		t.Fatalf("drs-rules: exit %d: %s", code, errOut)
	}
	var plan migrate.DRSPlan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(plan.Clusters, func(c migrate.DRSCluster) bool { return c.Name == shop })
	if i < 0 || len(plan.Clusters[i].Rules) != 1 || plan.Clusters[i].Rules[0].Name != rule || plan.Clusters[i].Source != "vc-sim" {
		t.Fatalf("plan = %s; want rule %s in %s", out, rule, shop)
	}

	code, out, _ = vnetmap(t, "--config", s.config, "drs-rules", "--cluster", shop)
	if code != 0 || !strings.Contains(out, rule+": ") || !strings.Contains(out, "avoid  "+s.bad+": Network adapter") {
		t.Errorf("drs-rules --cluster %s: exit %d\n%s", shop, code, out)
	}

	code, out, errOut = vnetmap(t, "--config", s.config, "drs-rules", "--apply", "--json")
	if code != 0 {
		t.Fatalf("drs-rules --apply: exit %d: %s", code, errOut)
	}
	var applied drsApplied
	if err := json.Unmarshal([]byte(out), &applied); err != nil {
		t.Fatal(err)
	}
	if applied.Source != "vc-sim" || len(applied.Result.Changes) != 3 || len(applied.Result.Skipped) != 0 {
		t.Errorf("drs-rules --apply = %s; want 3 additions by vc-sim", out)
	}
	groups, rules := clusterDRS(t, s, shop)
	hosts := slices.DeleteFunc(slices.Clone(s.dc.Hosts()[len(s.dc.Hosts())-4:]), func(h string) bool { return h == s.bad })
	if !slices.Equal(groups[rule+"-vms"], want) || !slices.Equal(groups[rule+"-hosts"], hosts) || rules[rule] != rule+"-vms>"+rule+"-hosts should" {
		t.Errorf("%s after --apply: groups %v, rules %v; want %v should run on %v", shop, groups, rules, want, hosts)
	}

	code, out, _ = vnetmap(t, "--config", s.config, "drs-rules", "--apply", "--source", "vc-sim")
	if code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("second --apply: exit %d\n%s; want nothing changed", code, out)
	}

	code, out, _ = vnetmap(t, "--config", s.config, "drs-rules", "--apply", "--must", "--cluster", shop, "--json")
	applied = drsApplied{}
	if err := json.Unmarshal([]byte(out), &applied); err != nil || code != 0 || len(applied.Result.Changes) != 1 || applied.Result.Changes[0].Op != "edit" {
		t.Errorf("--apply --must: exit %d, %v: %s; want the rule edited", code, err, out)
	}
	if _, rules := clusterDRS(t, s, shop); rules[rule] != rule+"-vms>"+rule+"-hosts must" {
		t.Errorf("rules after --must: %v; want must run on", rules)
	}

	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"drs-rules", "--apply", "--source", "nope"}, 2, "--source nope: no vsphere source"},
		{[]string{"drs-rules", "--source", "vc-sim"}, 2, "--source goes with --apply"},
		{[]string{"drs-rules", "--apply", "--at", "1h"}, 2, "--at"},
		{[]string{"drs-rules", "--cluster", "nope"}, 1, `no cluster "nope"`},
	} {
		code, _, errOut := vnetmap(t, append([]string{"--config", s.config}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tt.args, code, errOut, tt.code, tt.msg)
		}
	}
}
