package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

func impactCmd(g *globals) *cobra.Command {
	var at string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "impact TARGET",
		Short: "Which VMs go DOWN and which only lose redundancy if TARGET fails",
		Long: `impact takes down TARGET and says which VMs are left without a path (DOWN) and which only
lose redundancy (DEGRADED), from each vNIC's active and standby uplinks, the switch ports
they are cabled to, port-channels, hosts and VLANs.

TARGET is one of: switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME (a port-channel),
host:NAME, pnic:HOST/NIC, vlan:ID.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := parseAt(at)
			if err != nil {
				return err
			}
			st, c, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			ans, err := query.New(st, c.Applications).Impact(cmd.Context(), args[0], t)
			if err != nil {
				return queryError(err)
			}
			if asJSON {
				return printJSON(g.stdout, ans)
			}
			printImpact(g.stdout, ans)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", `moment to answer for (RFC 3339, "2026-11-17 14:00", or "2h"/"3d" ago; default now)`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	return cmd
}

func printImpact(w io.Writer, a *query.ImpactAnswer) {
	fmt.Fprintf(w, "if %s fails (as of %s): %d VM(s) DOWN, %d DEGRADED\n", a.Target, a.At.Local().Format(time.DateTime+" MST"), len(a.Down), len(a.Degraded))
	if len(a.Applications) > 0 {
		fmt.Fprintln(w, "  APPLICATIONS")
		for _, app := range a.Applications {
			fmt.Fprintf(w, "    %-24s %-9s %d of %d VMs down, %d degraded\n", app.Name, strings.ToUpper(app.State), app.Down, app.VMs, app.Degraded)
		}
	}
	for _, section := range []struct {
		title string
		vms   []graph.VMImpact
	}{{"DOWN", a.Down}, {"DEGRADED", a.Degraded}} {
		if len(section.vms) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s\n", section.title)
		for _, v := range section.vms {
			fmt.Fprintf(w, "    %-24s on %-12s %s\n", v.Name, v.Host, strings.Join(v.Reasons, "; "))
		}
	}
}
