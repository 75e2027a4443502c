package migrate

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// drsSite is cluster c1 (esx-ok, esx-ok2, esx-bad-standby: its vmnic1
// port misses VLAN 110; esx-no-dvs: not on dvs1) with the VMs
//   - web1, web2 on app-110: unsafe on esx-bad-standby;
//   - db1 on db-120: unsafe on esx-no-dvs;
//   - both on app-110 and db-120: unsafe on both;
//   - flat on the untagged port group: safe everywhere, no rule;
//
// and cluster c2, whose only host esx-lonely misses VLAN 110 on vmnic1's
// port too, with the VM lost on app-110: no safe host at all.
func drsSite() *site {
	s := newSite()
	s.cluster("c1",
		hostSpec{name: "esx-ok"},
		hostSpec{name: "esx-ok2"},
		hostSpec{name: "esx-bad-standby", port: [4]model.Attrs{1: {"allowed_vlans": "1,120"}}},
		hostSpec{name: "esx-no-dvs", noDVS: true},
	)
	s.cluster("c2", hostSpec{name: "esx-lonely", port: [4]model.Attrs{1: {"allowed_vlans": "1,120"}}})
	s.vm("web1", "esx-ok", "app-110")
	s.vm("web2", "esx-ok2", "app-110")
	s.vm("db1", "esx-ok", "db-120")
	s.vm("both", "esx-ok2", "app-110", "db-120")
	s.vm("flat", "esx-ok", "flat")
	s.vm("lost", "esx-lonely", "app-110")
	return s
}

func members(g DRSGroup) []string {
	var out []string
	for _, m := range g.Members {
		out = append(out, m.Name)
	}
	return out
}

func TestDRSRules(t *testing.T) {
	g := drsSite().graph(t)
	plan, err := DRSRules(g, DRSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Clusters) != 2 || plan.Mandatory || !plan.At.Equal(t0) {
		t.Fatalf("plan: %d clusters, mandatory %v, at %v; want 2, false, %v", len(plan.Clusters), plan.Mandatory, plan.At, t0)
	}
	c1, c2 := plan.Clusters[0], plan.Clusters[1]
	if c1.Name != "c1" || c1.Datacenter != "dc1" || c1.Source != "vc1" || !c1.DRSEnabled || c1.Hosts != 4 {
		t.Errorf("cluster c1 = %q in %q from %q drs %v hosts %d; want c1 in dc1 from vc1, DRS on, 4 hosts", c1.Name, c1.Datacenter, c1.Source, c1.DRSEnabled, c1.Hosts)
	}
	type group struct {
		name    string
		members []string
	}
	var vmGroups, hostGroups []group
	for _, gr := range c1.VMGroups {
		vmGroups = append(vmGroups, group{gr.Name, members(gr)})
	}
	for _, gr := range c1.HostGroups {
		hostGroups = append(hostGroups, group{gr.Name, members(gr)})
	}
	wantVMs := []group{
		{"vnetmap-safe-not-esx-bad-standby-esx-no-dvs-vms", []string{"both"}},
		{"vnetmap-safe-not-esx-bad-standby-vms", []string{"web1", "web2"}},
		{"vnetmap-safe-not-esx-no-dvs-vms", []string{"db1"}},
	}
	wantHosts := []group{
		{"vnetmap-safe-not-esx-bad-standby-esx-no-dvs-hosts", []string{"esx-ok", "esx-ok2"}},
		{"vnetmap-safe-not-esx-bad-standby-hosts", []string{"esx-no-dvs", "esx-ok", "esx-ok2"}},
		{"vnetmap-safe-not-esx-no-dvs-hosts", []string{"esx-bad-standby", "esx-ok", "esx-ok2"}},
	}
	if !reflect.DeepEqual(vmGroups, wantVMs) {
		t.Errorf("VM groups = %v; want %v", vmGroups, wantVMs)
	}
	if !reflect.DeepEqual(hostGroups, wantHosts) {
		t.Errorf("host groups = %v; want %v", hostGroups, wantHosts)
	}
	if len(c1.Rules) != 3 {
		t.Fatalf("rules = %+v; want 3", c1.Rules)
	}
	var rules []string
	for _, r := range c1.Rules {
		rules = append(rules, r.Name)
		if r.Name+"-vms" != r.VMGroup || r.Name+"-hosts" != r.HostGroup || r.Mandatory {
			t.Errorf("rule %+v; want %s-vms should run on %s-hosts", r, r.Name, r.Name)
		}
	}
	if want := []string{"vnetmap-safe-not-esx-bad-standby", "vnetmap-safe-not-esx-bad-standby-esx-no-dvs", "vnetmap-safe-not-esx-no-dvs"}; !slices.Equal(rules, want) {
		t.Errorf("rules = %v; want %v", rules, want)
	}
	avoided := c1.Rules[0].Avoided
	if len(avoided) != 1 || avoided[0].Host != "esx-bad-standby" || len(avoided[0].Reasons) == 0 || avoided[0].Reasons[0].Code != CodeVLANNotCarried {
		t.Errorf("rule %s avoids %+v; want esx-bad-standby for VLAN not carried", c1.Rules[0].Name, avoided)
	}
	if both := c1.Rules[1].Avoided; len(both) != 2 || both[1].Host != "esx-no-dvs" || both[1].Reasons[0].Code != CodeNotOnSwitch {
		t.Errorf("rule %s avoids %+v; want esx-bad-standby and esx-no-dvs (not on the switch)", c1.Rules[1].Name, both)
	}
	if len(c1.NoSafeHost) != 0 {
		t.Errorf("c1 VMs with no safe host: %+v; want none", c1.NoSafeHost)
	}
	if c2.Name != "c2" || len(c2.VMGroups)+len(c2.HostGroups)+len(c2.Rules) != 0 || len(c2.NoSafeHost) != 1 || c2.NoSafeHost[0].Name != "lost" {
		t.Errorf("cluster c2 = %+v; want no groups and lost with no safe host", c2)
	}

	t.Run("deterministic", func(t *testing.T) {
		again, err := DRSRules(drsSite().graph(t), DRSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, plan) {
			t.Errorf("two plans of the same map differ:\n%+v\n%+v", again, plan)
		}
	})

	t.Run("must, one cluster", func(t *testing.T) {
		p, err := DRSRules(g, DRSOptions{Cluster: "C1", Must: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Clusters) != 1 || p.Clusters[0].Name != "c1" || !p.Mandatory || !p.Clusters[0].Rules[0].Mandatory {
			t.Errorf("--cluster c1 --must: %+v; want c1 with mandatory rules", p)
		}
		if _, err := DRSRules(g, DRSOptions{Cluster: "nope"}); !errors.Is(err, graph.ErrNotFound) {
			t.Errorf("unknown cluster: error %v; want ErrNotFound", err)
		}
	})

	t.Run("fixed host: its rule goes", func(t *testing.T) {
		s := drsSite()
		bad := model.NewID(model.KindPort, "leaf2/Ethernet1/30")
		for i, f := range s.facts {
			if f.Subject == bad && !f.IsRelation() {
				s.facts[i].Attrs = trunk("1,110,120")
			}
		}
		p, err := DRSRules(s.graph(t), DRSOptions{Cluster: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range p.Clusters[0].Rules {
			names = append(names, r.Name)
		}
		if want := []string{"vnetmap-safe-not-esx-no-dvs"}; !slices.Equal(names, want) {
			t.Errorf("rules = %v; want %v", names, want)
		}
		if vms := members(p.Clusters[0].VMGroups[0]); !slices.Equal(vms, []string{"both", "db1"}) {
			t.Errorf("VM group = %v; want both, db1", vms)
		}
	})
}

func TestDRSLabel(t *testing.T) {
	g := graph.Build(t0, nil)
	cl := model.NewID(model.KindCluster, "vc1/dc1/c1")
	h := func(names ...string) []model.ID {
		var ids []model.ID
		for _, n := range names {
			ids = append(ids, model.NewID(model.KindHost, n))
		}
		return ids
	}
	if got := drsLabel(g, cl, h("esx07", "esx05")); got != "not-esx05-esx07" {
		t.Errorf("label = %q; want not-esx05-esx07", got)
	}
	if got := drsLabel(g, cl, h("esx 05/a")); got != "not-esx_05_a" {
		t.Errorf("label = %q; want not-esx_05_a", got)
	}
	long := h("esx05.rack1.dc.example.com", "esx06.rack1.dc.example.com")
	a, b := drsLabel(g, cl, long), drsLabel(g, model.NewID(model.KindCluster, "vc1/dc1/c2"), long)
	if !strings.HasPrefix(a, "h") || len(a) != 11 || a == b || a != drsLabel(g, cl, long) {
		t.Errorf("long labels %q, %q; want h + 10 hex digits, per cluster, stable", a, b)
	}
}
