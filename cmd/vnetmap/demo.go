package main

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/api"
	"github.com/vnetmap/vnetmap/internal/collect"
	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/source"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
	"github.com/vnetmap/vnetmap/internal/store"
	"github.com/vnetmap/vnetmap/internal/web"
)

// demoSource is the source name of the demo's simulated vCenter.
const demoSource = "demo-vc"

// demoFabricSource is the source name of the demo's simulated switches.
const demoFabricSource = "demo-fabric"

// demoPasswordEnv is the prefix of the environment variable that carries
// the simulator's password to the vSphere source, the way a real deployment
// would (never on the command line, never logged). Each demo adds a random
// suffix, so that demos in one process (tests) do not share it.
const demoPasswordEnv = "VNETMAP_DEMO_VC_PASSWORD"

// demoCommunityEnv is the prefix of the variable that carries the simulated
// switches' SNMP community to the SNMP source, like the vCenter password.
const demoCommunityEnv = "VNETMAP_DEMO_SNMP_COMMUNITY"

// demoEnv returns a variable name of its own for one demo: prefix and a
// random suffix.
func demoEnv(prefix string) string { return prefix + "_" + strings.ToUpper(cryptorand.Text()[:8]) }

type demoOptions struct {
	seed         int64
	once         bool
	listen       string
	history      time.Duration
	migrateEvery time.Duration
	vms, hosts   int
}

func demoCmd(g *globals) *cobra.Command {
	o := demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a simulated data center (vSphere simulator), collect it into the store and serve it",
		Long: `demo starts an in-process vSphere simulator holding a generated data center (clusters,
hosts, a distributed switch with an LACP group, standard vSwitches, VLAN port groups, VMs
named after applications, CDP/LLDP hints) and the switches the hosts are cabled to (a vPC
leaf pair per rack and two spines, each an SNMP agent on a loopback address, read by the
SNMP source with neighbour discovery from the first leaf), seeds backdated history by
migrating VMs and collecting at simulated past moments (only into a store that has no
demo data yet), then collects live, migrates a VM now and then, and serves the REST API
until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd.Context(), g, o) },
	}
	cmd.Flags().Int64Var(&o.seed, "seed", 1, "seed of the generated data center and of its migrations")
	cmd.Flags().BoolVar(&o.once, "once", false, "collect, print a JSON summary and exit")
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8080", "REST API listen address")
	cmd.Flags().DurationVar(&o.history, "history", 7*24*time.Hour, "backdated history to seed (0: none)")
	cmd.Flags().DurationVar(&o.migrateEvery, "migrate-every", 20*time.Second, "live migration interval while serving (0: none)")
	cmd.Flags().IntVar(&o.vms, "vms", 0, "number of VMs (default: the default data center's)")
	cmd.Flags().IntVar(&o.hosts, "hosts", 0, "number of hosts (default: the default data center's)")
	return cmd
}

func runDemo(ctx context.Context, g *globals, o demoOptions) error {
	logger := g.logger()
	progress := func(format string, args ...any) { fmt.Fprintf(g.stderr, "demo: "+format+"\n", args...) }
	if o.once {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	cfg := sim.DefaultConfig()
	cfg.Seed = o.seed
	if o.vms > 0 {
		cfg.VMs = o.vms
	}
	if o.hosts > 0 {
		cfg.Clusters, cfg.HostsPerCluster = clusterSplit(o.hosts)
	}
	progress("starting the simulated vCenter (seed %d)…", o.seed)
	dc, err := sim.Start(ctx, cfg)
	if err != nil {
		return fmt.Errorf("demo: start simulator: %w", err)
	}
	defer dc.Close()
	passwordEnv := demoEnv(demoPasswordEnv)
	if err := os.Setenv(passwordEnv, dc.Password()); err != nil {
		return err
	}
	defer os.Unsetenv(passwordEnv)
	vcfg := vsphere.DefaultConfiguration()
	vcfg.Name, vcfg.URL, vcfg.Username, vcfg.PasswordEnv, vcfg.Insecure = demoSource, dc.URL(), dc.Username(), passwordEnv, true
	col, err := vsphere.New(vcfg, logger.With("source", demoSource))
	if err != nil {
		return err
	}
	fabric, err := startDemoFabric(ctx, dc, logger)
	if err != nil {
		return err
	}

	st, _, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rnd := rand.New(rand.NewPCG(uint64(o.seed), 0x766e65746d6170))

	fresh, err := noDemoData(ctx, st)
	if err != nil {
		return err
	}
	// The simulated exporters: the leaves (NetFlow v9, sampled 1 in 10) and
	// the hypervisors (IPFIX); live, they send to the demo's flow listener.
	flowConf := config.DefaultConfiguration()
	flowConf.Flows.Listen = []string{"127.0.0.1:0"}
	flowConf.Flows.InternalNetworks = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12")}
	reg := newRegistry()
	flows, err := startFlows(ctx, flowConf, st, logger, reg)
	if err != nil {
		return err
	}
	defer flows.Stop()
	exp, err := dc.Flows(flows.Addrs()[0], demoSampling)
	if err != nil {
		return err
	}
	defer exp.Close()
	if fresh && o.history > 0 {
		past, err := seedHistory(ctx, st, []source.Source{col, fabric}, dc, exp, rnd, o.history, progress)
		if err != nil {
			return err
		}
		n, err := importFlows(ctx, st, flowConf, past, logger)
		if err != nil {
			return err
		}
		progress("seeded the traffic of %d past moments (%d flow datagrams)", len(past), n)
	} else if !fresh {
		progress("the store already holds demo data: continuing its history, not seeding more")
	}

	q := query.New(st, config.DefaultConfiguration().Applications, query.WithCache(graph.DefaultCacheConfiguration(), reg))
	comp := collect.New(st, logger.With("component", "collect"), reg, flows.Invalidate)
	comp.NotifyChanges(q.Cache.Changed)
	q.Collector = comp
	comp.Add(col, time.Minute)
	comp.Add(fabric, time.Minute)
	if o.once {
		for _, r := range comp.RunOnce(ctx) {
			if r.Err != nil {
				return r.Err
			}
		}
		now := time.Now()
		dgs, _, err := exp.Datagrams(ctx, now, time.Minute)
		if err != nil {
			return err
		}
		if _, err := importFlows(ctx, st, flowConf, []pastFlows{{at: now, datagrams: dgs}}, logger); err != nil {
			return err
		}
		sum, err := q.Summary(ctx, time.Time{})
		if err != nil {
			return err
		}
		return printJSON(g.stdout, sum)
	}

	// The checks run as serve's do (no webhook), so the findings say when
	// each was first seen.
	checksChanged, stopChecks, err := startChecks(ctx, config.DefaultConfiguration(), q, logger, reg)
	if err != nil {
		return err
	}
	defer stopChecks()
	comp.NotifyChanges(func(t time.Time) { q.Cache.Changed(t); checksChanged() })
	progress("collecting live (vCenter and %d switches); migrating a VM every %s; Ctrl-C to stop", len(dc.Switches())+2, o.migrateEvery)
	comp.Start(ctx)
	defer comp.Stop()
	if o.migrateEvery > 0 {
		go migrateForever(ctx, dc, rnd, o.migrateEvery, logger)
	}
	go exportForever(ctx, exp, logger)
	return serveHTTP(ctx, o.listen, web.Handler(api.Handler(q, reg, logger)), logger, func(addr string) {
		progress("web UI on http://%s/ and REST API on http://%s/api/v1 — try: vnetmap where web01; vnetmap impact switch:leaf1; vnetmap history web01", addr, addr)
	})
}

// startDemoFabric starts the data center's simulated switches with a random
// community and returns the SNMP source that reads them: seeded with the
// first leaf, discovering the rest through LLDP/CDP management addresses
// on loopback.
func startDemoFabric(ctx context.Context, dc *sim.DataCenter, logger *slog.Logger) (*snmp.Collector, error) {
	var b [12]byte
	if _, err := cryptorand.Read(b[:]); err != nil {
		return nil, err
	}
	community := hex.EncodeToString(b[:])
	seeds, port, err := dc.StartSwitches(ctx, community)
	if err != nil {
		return nil, fmt.Errorf("demo: start switches: %w", err)
	}
	communityEnv := demoEnv(demoCommunityEnv)
	if err := os.Setenv(communityEnv, community); err != nil {
		return nil, err
	}
	cfg := snmp.DefaultConfiguration()
	cfg.Name, cfg.Seeds, cfg.Port, cfg.CommunityEnv = demoFabricSource, seeds, port, communityEnv
	cfg.Discovery.AllowedSubnets = []string{"127.0.0.0/8"}
	return snmp.New(cfg, logger.With("source", demoFabricSource))
}

// clusterSplit spreads n hosts over equal clusters of at most 32 hosts (at
// least 2 clusters), rounding n up only when no exact split exists.
func clusterSplit(n int) (clusters, perCluster int) {
	least := max(2, (n+31)/32)
	for c := least; c <= 2*least; c++ {
		if n%c == 0 {
			return c, n / c
		}
	}
	return least, max(1, (n+least-1)/least)
}

// noDemoData reports whether the store never heard of the demo source.
func noDemoData(ctx context.Context, st store.Store) (bool, error) {
	srcs, err := st.Sources(ctx)
	if err != nil {
		return false, err
	}
	for _, s := range srcs {
		if s.Name == demoSource {
			return false, nil
		}
	}
	return true, nil
}

// seedRounds is how many backdated collections the demo's history has.
const seedRounds = 28

// seedHistory gives the demo a past: it collects the sources at moments
// spread over the last span (stamping each snapshot with that moment), with
// real migrations in the simulator between two collections. Migration
// events seen for the first time are moved to the moment of the collection
// that observed them, the way they would have been logged then.
func seedHistory(ctx context.Context, st store.Store, srcs []source.Source, dc *sim.DataCenter, exp *sim.FlowExporter, rnd *rand.Rand, span time.Duration, progress func(string, ...any)) ([]pastFlows, error) {
	start := time.Now().Add(-span)
	step := span / seedRounds
	seen := map[string]bool{}
	moves := 0
	var past []pastFlows
	for i := range seedRounds {
		if i > 0 {
			for range 1 + rnd.IntN(3) {
				if _, _, _, err := dc.RandomMigration(ctx, rnd); err != nil {
					return nil, fmt.Errorf("demo: migrate: %w", err)
				}
				moves++
			}
		}
		at := start.Add(time.Duration(i) * step).Add(time.Duration(rnd.Int64N(int64(step / 2))))
		for _, src := range srcs {
			snap, err := src.Collect(ctx)
			if err != nil {
				return nil, fmt.Errorf("demo: collect %s: %w", src.Name(), err)
			}
			snap.Taken = at
			for j := range snap.Events {
				if !seen[snap.Events[j].Key] {
					seen[snap.Events[j].Key] = true
					snap.Events[j].Time = at.Add(-time.Duration(5+rnd.IntN(40)) * time.Second)
				}
			}
			if _, err := st.Apply(ctx, snap); err != nil {
				return nil, err
			}
		}
		// The minute of traffic after the collection, so that the whole
		// flow is attributed with what it observed.
		dgs, _, err := exp.Datagrams(ctx, at.Add(time.Minute), time.Minute)
		if err != nil {
			return nil, err
		}
		past = append(past, pastFlows{at: at.Add(time.Minute), datagrams: dgs})
		progress("seeding history: %s (%d/%d), %d migrations so far", at.Local().Format(time.DateTime), i+1, seedRounds, moves)
	}
	return past, nil
}

// migrateForever live-migrates a random VM every interval until ctx ends.
func migrateForever(ctx context.Context, dc *sim.DataCenter, rnd *rand.Rand, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			vm, from, to, err := dc.RandomMigration(ctx, rnd)
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					logger.Warn("demo migration failed", "error", err)
				}
				continue
			}
			logger.Info("demo: live migration", "vm", vm, "from", from, "to", to)
		}
	}
}
