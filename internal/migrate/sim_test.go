package migrate_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/collect"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
	"github.com/vnetmap/vnetmap/internal/store"
)

// demo is the default simulated data center (2 clusters of 4 hosts, the
// switches with VLAN 230 missing on the leaf port of vmnic1 of the first
// shop host) collected by the vSphere and SNMP sources into a SQLite store.
type demo struct {
	dc   *sim.DataCenter
	q    *query.Service
	comp *collect.Component
	// bad is the first host of the standard (shop) clusters, the one whose
	// vmnic1 leaf port misses VLAN 230 (internal/sim/switches.go).
	bad string
	// shopHosts are the hosts of bad's cluster, shopCluster.
	shopHosts   []string
	shopCluster string
	changed     chan struct{}
}

func logger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startDemo(t *testing.T) *demo {
	t.Helper()
	ctx := context.Background()
	cfg := sim.DefaultConfig()
	dc, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	community := hex.EncodeToString(b[:])
	seeds, port, err := dc.StartSwitches(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VNETMAP_TEST_MIGRATE_PW", dc.Password())
	t.Setenv("VNETMAP_TEST_MIGRATE_COMMUNITY", community)
	vcfg := vsphere.DefaultConfiguration()
	vcfg.Name, vcfg.URL, vcfg.Username, vcfg.PasswordEnv, vcfg.Insecure = "vc-test", dc.URL(), dc.Username(), "VNETMAP_TEST_MIGRATE_PW", true
	vcfg.Timeout = 30 * time.Second
	vc, err := vsphere.New(vcfg, logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vc.Close() })
	scfg := snmp.DefaultConfiguration()
	scfg.Name, scfg.Seeds, scfg.Port, scfg.CommunityEnv = "fabric-test", seeds, port, "VNETMAP_TEST_MIGRATE_COMMUNITY"
	scfg.Discovery.AllowedSubnets = []string{"127.0.0.0/8"}
	fabric, err := snmp.New(scfg, logger())
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := &demo{dc: dc, q: query.New(st, nil), changed: make(chan struct{}, 100)}
	d.comp = collect.New(st, logger(), nil, func() {
		d.q.Cache.Invalidate()
		select {
		case d.changed <- struct{}{}:
		default:
		}
	})
	d.comp.Add(vc, time.Hour)
	d.comp.Add(fabric, time.Hour)
	dvsClusters := (cfg.Clusters + 1) / 2 // sim.Config.DVSClusters 0: half, rounded up
	hosts := dc.Hosts()
	d.shopHosts = hosts[dvsClusters*cfg.HostsPerCluster : (dvsClusters+1)*cfg.HostsPerCluster]
	d.bad, d.shopCluster = d.shopHosts[0], dc.Clusters()[dvsClusters]
	return d
}

// collectNow runs both sources once.
func (d *demo) collectNow(t *testing.T) *graph.Graph {
	t.Helper()
	for _, r := range d.comp.RunOnce(context.Background()) {
		if r.Err != nil {
			t.Fatalf("collect %s: %v", r.Source, r.Err)
		}
	}
	return d.graph(t)
}

func (d *demo) graph(t *testing.T) *graph.Graph {
	t.Helper()
	g, err := d.q.Cache.Now(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// onPortgroup returns the names of the simulated VMs with a vNIC on pg,
// and of those without.
func onPortgroup(dc *sim.DataCenter, pg string, prefix string) (on, off []string) {
	for _, vm := range dc.VMs() {
		if !strings.HasPrefix(vm.Name, prefix) {
			continue
		}
		if slices.ContainsFunc(vm.NICs, func(n sim.VNIC) bool { return n.Portgroup == pg }) {
			on = append(on, vm.Name)
		} else {
			off = append(off, vm.Name)
		}
	}
	return on, off
}

func vmID(t *testing.T, g *graph.Graph, name string) model.ID {
	t.Helper()
	id, _, err := g.FindVM(name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func host(name string) model.ID { return model.NewID(model.KindHost, name) }

// TestDemo checks the seeded fault of the demo: VLAN 230 missing on the leaf
// port of vmnic1 of the first shop host, the active uplink of shop-db-v230.
// The VMs with a vNIC on shop-db-v230 are unsafe there, and only there;
// the other shop VMs are safe on every shop host. Then a live migration of
// such a VM onto that host shows in UnsafePlacements once the collector's
// watch has applied it.
func TestDemo(t *testing.T) {
	d := startDemo(t)
	ctx := context.Background()
	on230, off230 := onPortgroup(d.dc, "shop-db-v230", "shop-")
	if len(on230) == 0 || len(off230) == 0 {
		t.Fatalf("the demo has %d VMs on shop-db-v230 and %d other shop VMs; want some of each", len(on230), len(off230))
	}
	// Make sure one VLAN 230 VM runs on the bad host before collecting, so
	// that UnsafePlacements has something to find.
	if err := d.dc.Migrate(ctx, on230[0], d.bad); err != nil {
		t.Fatal(err)
	}
	g := d.collectNow(t)

	t.Run("Evaluate", func(t *testing.T) {
		for _, name := range on230 {
			vm := vmID(t, g, name)
			for _, h := range d.shopHosts {
				v := migrate.Evaluate(g, vm, host(h))
				if h != d.bad {
					if !v.Safe {
						t.Errorf("%s on %s: unsafe %+v; want safe", name, h, v.Reasons)
					}
					continue
				}
				if v.Safe {
					t.Errorf("%s on %s: safe; want unsafe (VLAN 230 not on vmnic1's leaf port)", name, h)
					continue
				}
				for _, r := range v.Reasons {
					if r.Code != migrate.CodeVLANNotCarried || !strings.Contains(r.Message, "VLAN 230 of shop-db-v230 is not allowed on") ||
						!strings.Contains(r.Message, "vmnic1 (active) of "+d.bad) {
						t.Errorf("%s on %s: reason %+v; want VLAN 230 not carried behind vmnic1 (active)", name, h, r)
					}
				}
			}
		}
		for _, name := range off230 {
			vm := vmID(t, g, name)
			for _, h := range d.shopHosts {
				if v := migrate.Evaluate(g, vm, host(h)); !v.Safe {
					t.Errorf("%s on %s: unsafe %+v; want safe", name, h, v.Reasons)
				}
			}
		}
	})

	t.Run("Hosts", func(t *testing.T) {
		hs := migrate.Hosts(g, vmID(t, g, on230[0]))
		if len(hs.Unsafe) != 1 || hs.Unsafe[0].HostName != d.bad || len(hs.Safe) != len(d.shopHosts)-1 || hs.Scope != migrate.ScopeCluster {
			t.Errorf("hosts of %s: safe %d unsafe %+v scope %s; want unsafe %s only", on230[0], len(hs.Safe), hs.Unsafe, hs.Scope, d.bad)
		}
		wide := migrate.HostsInDatacenter(g, vmID(t, g, "web01"))
		for _, v := range wide.Unsafe {
			if slices.Contains(d.shopHosts, v.HostName) && v.Reasons[0].Code == migrate.CodeNotOnSwitch {
				continue
			}
			t.Errorf("web01 on %s: unsafe %+v; want only the shop hosts, not on the distributed switch", v.HostName, v.Reasons)
		}
		if len(wide.Unsafe) != len(d.shopHosts) || len(wide.Safe) != len(d.dc.Hosts())-len(d.shopHosts) {
			t.Errorf("web01: %d safe, %d unsafe hosts in the datacenter; want the shop hosts unsafe", len(wide.Safe), len(wide.Unsafe))
		}
	})

	t.Run("UnsafePlacements", func(t *testing.T) {
		var want []string
		for _, name := range on230 {
			if a, err := g.Where(name); err == nil && a.Host != nil && a.Host.Name == d.bad {
				want = append(want, name)
			}
		}
		var got []string
		for _, p := range migrate.UnsafePlacements(g) {
			got = append(got, p.Name)
			if p.HostName != d.bad {
				t.Errorf("unsafe placement %s on %s; want only %s", p.Name, p.HostName, d.bad)
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) || !slices.Contains(got, on230[0]) {
			t.Errorf("UnsafePlacements = %v; want %v (the VLAN 230 VMs on %s)", got, want, d.bad)
		}
	})

	t.Run("DRSRules", func(t *testing.T) {
		plan, err := migrate.DRSRules(g, migrate.DRSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Clusters) != len(d.dc.Clusters()) {
			t.Fatalf("plan of %d clusters; want %d", len(plan.Clusters), len(d.dc.Clusters()))
		}
		for _, c := range plan.Clusters {
			if c.Source != "vc-test" || c.Datacenter != d.dc.Datacenter() || c.Hosts != 4 || len(c.NoSafeHost) != 0 {
				t.Errorf("cluster %s: source %q datacenter %q, %d hosts, no safe host for %v", c.Name, c.Source, c.Datacenter, c.Hosts, c.NoSafeHost)
			}
			if c.Name != d.shopCluster {
				if len(c.Rules) != 0 {
					t.Errorf("cluster %s: rules %+v; want none (every VM safe everywhere)", c.Name, c.Rules)
				}
				continue
			}
			if len(c.Rules) != 1 || c.Rules[0].Name != "vnetmap-safe-not-"+d.bad || c.Rules[0].Mandatory {
				t.Fatalf("cluster %s: rules %+v; want vnetmap-safe-not-%s (should run on)", c.Name, c.Rules, d.bad)
			}
			var vms, hosts []string
			for _, m := range c.VMGroups[0].Members {
				vms = append(vms, m.Name)
			}
			for _, m := range c.HostGroups[0].Members {
				hosts = append(hosts, m.Name)
			}
			want := slices.Clone(on230)
			slices.Sort(want)
			if !slices.Equal(vms, want) || !slices.Equal(hosts, d.shopHosts[1:]) {
				t.Errorf("cluster %s: VM group %v on hosts %v; want %v on %v", c.Name, vms, hosts, want, d.shopHosts[1:])
			}
		}
	})

	t.Run("live migration to the unsafe host", func(t *testing.T) {
		var mover string
		for _, name := range on230 {
			if a, err := g.Where(name); err == nil && a.Host != nil && a.Host.Name != d.bad {
				mover = name
				break
			}
		}
		if mover == "" {
			t.Fatalf("every VLAN 230 VM already runs on %s", d.bad)
		}
		for len(d.changed) > 0 {
			<-d.changed
		}
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		d.comp.Start(wctx)
		defer d.comp.Stop()
		// The component runs both sources, then watches vCenter: the
		// migration below reaches the store through the watch (the next
		// full run is an hour away). The store holds them already, so the
		// runs change nothing (no change signal): wait for their results.
		rctx, rcancel := context.WithTimeout(wctx, 60*time.Second)
		defer rcancel()
		if res, err := d.comp.Run(rctx, ""); err != nil {
			t.Fatalf("the first collections: %v", err)
		} else {
			for _, r := range res {
				if r.Err != nil {
					t.Fatalf("collection of %s: %v", r.Source, r.Err)
				}
			}
		}
		for len(d.changed) > 0 {
			<-d.changed
		}
		if err := d.dc.Migrate(ctx, mover, d.bad); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		deadline := start.Add(60 * time.Second)
		for {
			g := d.graph(t)
			i := slices.IndexFunc(migrate.UnsafePlacements(g), func(p migrate.Placement) bool { return p.Name == mover })
			if i >= 0 {
				t.Logf("%s on %s seen unsafe %s after the migration", mover, d.bad, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s migrated to %s is not in UnsafePlacements after 60s", mover, d.bad)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
