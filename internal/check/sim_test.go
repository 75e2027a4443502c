package check_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/collect"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestDemoLiveMigrationToUnsafeHost runs the chain of `vnetmap serve` on
// the simulated data center: the vSphere source (with its live watch) and
// the SNMP source collect into SQLite, every change wakes check.Watch, and
// the notifier posts to a real HTTP endpoint. The demo's seeded fault —
// VLAN 230 missing on the leaf port of vmnic1 of the first shop host — is
// posted as it first appears; a VM of shop-db-v230 live-migrated onto that
// host makes vm-unsafe-host appear (the time it takes is logged), and
// migrating it back clears it.
func TestDemoLiveMigrationToUnsafeHost(t *testing.T) {
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
	t.Setenv("VNETMAP_TEST_CHECK_PW", dc.Password())
	t.Setenv("VNETMAP_TEST_CHECK_COMMUNITY", community)
	t.Setenv("VNETMAP_TEST_CHECK_HOOK", "hook-key")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	vcfg := vsphere.DefaultConfiguration()
	vcfg.Name, vcfg.URL, vcfg.Username, vcfg.PasswordEnv, vcfg.Insecure = "vc-test", dc.URL(), dc.Username(), "VNETMAP_TEST_CHECK_PW", true
	vcfg.Timeout = 30 * time.Second
	vc, err := vsphere.New(vcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vc.Close() })
	scfg := snmp.DefaultConfiguration()
	scfg.Name, scfg.Seeds, scfg.Port, scfg.CommunityEnv = "fabric-test", seeds, port, "VNETMAP_TEST_CHECK_COMMUNITY"
	scfg.Discovery.AllowedSubnets = []string{"127.0.0.0/8"}
	fabric, err := snmp.New(scfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/live.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	rc := &receiver{t: t, secret: []byte("hook-key"), events: make(chan check.Event, 1000)}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	n, err := check.NewNotifier([]check.WebhookConfiguration{{Name: "noc", URL: srv.URL, SecretEnv: "VNETMAP_TEST_CHECK_HOOK",
		RetryBackoff: 10 * time.Millisecond}}, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := query.New(st, nil)
	changed := make(chan struct{}, 1)
	comp := collect.New(st, quiet, nil, func() {
		q.Cache.Invalidate()
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	comp.Add(vc, time.Hour)
	comp.Add(fabric, time.Hour)
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	n.Start(wctx)
	comp.Start(wctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		check.Watch(wctx, q.Cache.Now, changed, time.Hour, n)
	}()
	defer func() {
		cancel()
		comp.Stop()
		wg.Wait()
		n.Stop()
	}()

	dvsClusters := (cfg.Clusters + 1) / 2
	bad := dc.Hosts()[dvsClusters*cfg.HostsPerCluster] // the first shop host
	seen := map[string]check.Event{}                   // appeared and not cleared, by finding ID
	await := func(what string, match func(check.Event) bool) check.Event {
		t.Helper()
		deadline := time.After(90 * time.Second)
		for {
			select {
			case ev := <-rc.events:
				if ev.Event == check.EventAppeared {
					seen[ev.Finding.ID] = ev
				} else {
					delete(seen, ev.Finding.ID)
				}
				if match(ev) {
					return ev
				}
			case <-deadline:
				t.Fatalf("no %s posted in 90s", what)
			}
		}
	}
	about := func(ev check.Event, event, rule string, subjects ...model.ID) bool {
		if ev.Event != event || ev.Finding.Rule != rule {
			return false
		}
		for _, s := range subjects {
			if !slices.Contains(ev.Finding.Subjects, s) {
				return false
			}
		}
		return true
	}
	seeded := await("vlan-not-carried for "+bad+" vmnic1", func(ev check.Event) bool {
		return about(ev, check.EventAppeared, check.RuleVLANNotCarried, model.NewID(model.KindPNIC, bad+"/vmnic1"))
	})
	if seeded.Finding.Severity != check.Critical || !strings.Contains(seeded.Finding.Message, "VLAN 230") {
		t.Errorf("seeded finding = %+v; want critical, VLAN 230", seeded.Finding)
	}

	g, err := q.Cache.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mover string
	var from model.ID
	for _, vm := range dc.VMs() {
		if !slices.ContainsFunc(vm.NICs, func(nic sim.VNIC) bool { return nic.Portgroup == "shop-db-v230" }) {
			continue
		}
		if a, err := g.Where(vm.Name); err == nil && a.Host != nil && a.Host.Name != bad {
			mover, from = vm.Name, a.Host.ID
			break
		}
	}
	if mover == "" {
		t.Fatalf("no VM of shop-db-v230 runs off %s", bad)
	}
	vmID, _, err := g.FindVM(mover)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := dc.Migrate(ctx, mover, bad); err != nil {
		t.Fatal(err)
	}
	appeared := await("vm-unsafe-host for "+mover, func(ev check.Event) bool {
		return about(ev, check.EventAppeared, check.RuleVMUnsafeHost, vmID, model.NewID(model.KindHost, bad))
	})
	t.Logf("%s migrated to %s: vm-unsafe-host posted %s after the migration", mover, bad, time.Since(start).Round(time.Millisecond))
	// Cut off now (vmnic1, its active uplink, drops VLAN 230): critical.
	if appeared.Finding.Severity != check.Critical || !strings.Contains(appeared.Finding.Message, "NO WORKING PATH now") || !strings.Contains(appeared.Finding.Message, "VLAN 230") {
		t.Errorf("appeared = %+v", appeared.Finding)
	}

	if err := dc.Migrate(ctx, mover, from.Key()); err != nil {
		t.Fatal(err)
	}
	cleared := await("vm-unsafe-host cleared for "+mover, func(ev check.Event) bool {
		return about(ev, check.EventCleared, check.RuleVMUnsafeHost, vmID)
	})
	if cleared.Finding.ID != appeared.Finding.ID {
		t.Errorf("cleared %s; want %s", cleared.Finding.ID, appeared.Finding.ID)
	}
	if _, ok := seen[seeded.Finding.ID]; !ok {
		t.Errorf("the seeded finding %s was cleared; the trunk is still wrong", seeded.Finding.ID)
	}
}
