package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
)

type drsOptions struct {
	migrate.DRSOptions
	at     string
	asJSON bool
	apply  bool
	source string
}

func drsRulesCmd(g *globals) *cobra.Command {
	var o drsOptions
	cmd := &cobra.Command{
		Use:   "drs-rules",
		Short: "vSphere DRS groups and VM-host rules that keep every VM on hosts where it keeps its network",
		Long: `drs-rules turns each VM's safe hosts (see migrate-check) into vSphere DRS configuration: in
each cluster, the VMs that share the same set of safe hosts form one VM group, the set is a
host group, and a VM-host affinity rule keeps the one on the other — "should run on" by
default, "must run on" with --must. VMs safe on every host of their cluster need no rule.
Names start with "vnetmap-" and are deterministic (vnetmap-safe-not-<unsafe hosts>).

Without --apply it prints the plan. With --apply it makes vCenter match it through the
vSphere source named by --source (its URL and credentials from the configuration): groups
and rules are added or edited, vnetmap-* ones no longer wanted are removed, and nothing else
is touched; applying twice changes nothing the second time. See docs/migration.md.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runDRSRules(c.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.Cluster, "cluster", "", "only this cluster (name)")
	cmd.Flags().BoolVar(&o.Must, "must", false, `"must run on" rules instead of "should run on"`)
	cmd.Flags().StringVar(&o.at, "at", "", atHelp+"; not with --apply")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print JSON (the REST API's format for the plan)")
	cmd.Flags().BoolVar(&o.apply, "apply", false, "apply the plan to vCenter")
	cmd.Flags().StringVar(&o.source, "source", "", "with --apply: the vsphere source to apply to (default: the only one configured)")
	return cmd
}

// drsApplied is what drs-rules --apply prints.
type drsApplied struct {
	Source string             `json:"source"`
	Plan   *migrate.DRSPlan   `json:"plan"`
	Result *vsphere.DRSResult `json:"result"`
}

func runDRSRules(ctx context.Context, g *globals, o drsOptions) error {
	if o.apply && o.at != "" {
		return usageError{errors.New("--at: DRS rules are applied from the map of now")}
	}
	if !o.apply && o.source != "" {
		return usageError{errors.New("--source goes with --apply")}
	}
	at, err := parseAt(o.at)
	if err != nil {
		return err
	}
	st, conf, err := g.openQueryStore(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var src *vsphere.Configuration
	if o.apply {
		if src, err = vsphereSource(conf, o.source); err != nil {
			return err
		}
	}
	gr, err := query.New(st, conf.Applications).Cache.At(ctx, at)
	if err != nil {
		return err
	}
	plan, err := migrate.DRSRules(gr, o.DRSOptions)
	if err != nil {
		return queryError(err)
	}
	if !o.apply {
		if o.asJSON {
			return printJSON(g.stdout, plan)
		}
		printDRSPlan(g.stdout, plan)
		return nil
	}
	applied, err := applyDRSPlan(ctx, src, plan, g.logger())
	if applied != nil {
		if o.asJSON {
			if perr := printJSON(g.stdout, applied); perr != nil {
				return perr
			}
		} else {
			printDRSApplied(g.stdout, src.Name, applied.Result)
		}
	}
	return err
}

// errNoCluster is wrapped by applyDRSPlan's error when the plan has no
// cluster of the source.
var errNoCluster = errors.New("drs-rules: the map has no cluster of source")

// applyDRSPlan makes the vCenter of the vsphere source src match the
// clusters of plan that belong to it (drs-rules --apply, and POST
// /api/v1/drs-rules/apply in serve). It returns what it did, nil when it
// did not reach vCenter, with the error that stopped it.
func applyDRSPlan(ctx context.Context, src *vsphere.Configuration, plan *migrate.DRSPlan, logger *slog.Logger) (*drsApplied, error) {
	mine := &migrate.DRSPlan{At: plan.At, Mandatory: plan.Mandatory, Clusters: []migrate.DRSCluster{}}
	var want []vsphere.DRSCluster
	for _, c := range plan.Clusters {
		if c.Source == src.Name {
			mine.Clusters = append(mine.Clusters, c)
			want = append(want, drsRequest(c))
		}
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("%w %s (collect it first)", errNoCluster, src.Name)
	}
	col, err := vsphere.New(*src, logger.With("source", src.Name))
	if err != nil {
		return nil, err
	}
	defer col.Close()
	res, err := col.ApplyDRS(ctx, want)
	if res == nil {
		return nil, err
	}
	return &drsApplied{Source: src.Name, Plan: mine, Result: res}, err
}

// vsphereSource returns the configuration of the vsphere source named
// name, or of the only one when name is empty.
func vsphereSource(conf config.Configuration, name string) (*vsphere.Configuration, error) {
	var found []config.Source
	for _, s := range conf.Sources {
		if s.Type == config.TypeVSphere && s.VSphere != nil && (name == "" || s.Name == name) {
			found = append(found, s)
		}
	}
	switch {
	case len(found) == 1:
		c := *found[0].VSphere
		c.Name = found[0].Name
		return &c, nil
	case name != "":
		return nil, usageError{fmt.Errorf("--source %s: no vsphere source of that name in the configuration", name)}
	case len(found) == 0:
		return nil, usageError{errors.New("--apply: no vsphere source configured (give --config FILE)")}
	}
	return nil, usageError{fmt.Errorf("--apply: %d vsphere sources configured: name one with --source", len(found))}
}

// drsRequest turns one cluster of the plan into what vCenter is asked.
func drsRequest(c migrate.DRSCluster) vsphere.DRSCluster {
	r := vsphere.DRSCluster{Datacenter: c.Datacenter, Cluster: c.Name}
	group := func(g migrate.DRSGroup) vsphere.DRSGroup {
		out := vsphere.DRSGroup{Name: g.Name}
		for _, m := range g.Members {
			out.Members = append(out.Members, m.ID.Key()) // a VM's instance UUID, a host's name
		}
		return out
	}
	for _, g := range c.VMGroups {
		r.VMGroups = append(r.VMGroups, group(g))
	}
	for _, g := range c.HostGroups {
		r.HostGroups = append(r.HostGroups, group(g))
	}
	for _, rule := range c.Rules {
		r.Rules = append(r.Rules, vsphere.DRSRule{Name: rule.Name, VMGroup: rule.VMGroup, HostGroup: rule.HostGroup, Mandatory: rule.Mandatory})
	}
	return r
}

func printDRSPlan(w io.Writer, p *migrate.DRSPlan) {
	kind := "should run on"
	if p.Mandatory {
		kind = "must run on"
	}
	fmt.Fprintf(w, "DRS rules (%s) as of %s\n", kind, p.At.Local().Format(time.DateTime+" MST"))
	for _, c := range p.Clusters {
		fmt.Fprintf(w, "  cluster %s (%s, datacenter %s, %d hosts): %d rule(s)\n", c.Name, c.Source, c.Datacenter, c.Hosts, len(c.Rules))
		if !c.DRSEnabled {
			fmt.Fprintf(w, "    ! DRS is off in this cluster: the rules only bind HA and manual moves\n")
		}
		groups := map[string][]migrate.DRSMember{}
		for _, gr := range append(c.VMGroups, c.HostGroups...) {
			groups[gr.Name] = gr.Members
		}
		for _, r := range c.Rules {
			vms, hosts := groups[r.VMGroup], groups[r.HostGroup]
			fmt.Fprintf(w, "    %s: %d VM(s) %s %d host(s)\n", r.Name, len(vms), kind, len(hosts))
			fmt.Fprintf(w, "      VMs    %s\n", memberNames(vms))
			fmt.Fprintf(w, "      hosts  %s\n", memberNames(hosts))
			for _, a := range r.Avoided {
				why := ""
				if len(a.Reasons) > 0 {
					why = ": " + a.Reasons[0].Message
				}
				fmt.Fprintf(w, "      avoid  %s%s\n", a.Host, why)
			}
		}
		if len(c.NoSafeHost) > 0 {
			fmt.Fprintf(w, "    ! no safe host in the cluster for %s\n", memberNames(c.NoSafeHost))
		}
	}
}

func memberNames(ms []migrate.DRSMember) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

func printDRSApplied(w io.Writer, source string, r *vsphere.DRSResult) {
	if len(r.Changes) == 0 {
		fmt.Fprintf(w, "%s: DRS groups and rules already as planned, nothing changed\n", source)
	}
	for _, c := range r.Changes {
		fmt.Fprintf(w, "%s: %s %-6s %-10s %s\n", source, c.Cluster, c.Op, c.Kind, c.Name)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "%s: skipped %s\n", source, s)
	}
}
