package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

func impactCmd(g *globals) *cobra.Command {
	return queryCmd(g, &cobra.Command{
		Use:   "impact TARGET",
		Short: "Which VMs go DOWN and which only lose redundancy if TARGET fails",
		Long: `impact takes down TARGET and says which VMs are left without a path (DOWN) and which only
lose redundancy (DEGRADED), from each vNIC's active and standby uplinks, the switch ports
they are cabled to, port-channels, hosts and VLANs, and rolls that up to applications.

TARGET is one of: switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME (a port-channel),
host:NAME, pnic:HOST/NIC, vlan:ID.`,
		Args: cobra.ExactArgs(1),
	}, atHelp, func(ctx context.Context, q *query.Service, args []string, at time.Time) (*query.ImpactAnswer, error) {
		return q.Impact(ctx, args[0], at)
	}, printImpact)
}

func printImpact(w io.Writer, a *query.ImpactAnswer) {
	fmt.Fprintf(w, "if %s fails (as of %s): %d VM(s) DOWN, %d DEGRADED, %d switch(es) lose fabric links (%d isolated)\n", a.Target, a.At.Local().Format(time.DateTime+" MST"), len(a.Down), len(a.Degraded), len(a.Fabric), isolated(a.Fabric))
	if len(a.Fabric) > 0 {
		fmt.Fprintln(w, "  FABRIC")
		for _, sw := range a.Fabric {
			var lost []string
			for _, h := range sw.Lost {
				lost = append(lost, h.FromPort+" → "+h.ToSwitch+" "+h.ToPort)
			}
			fmt.Fprintf(w, "    %-24s %-9s", sw.Switch, strings.ToUpper(sw.State))
			if len(lost) > 0 {
				fmt.Fprintf(w, " loses %s, keeps %d inter-switch link(s)", strings.Join(lost, ", "), sw.Left)
			}
			if len(sw.CutOff) > 0 {
				fmt.Fprintf(w, "; cut off from %s", strings.Join(sw.CutOff, ", "))
			}
			fmt.Fprintln(w)
		}
	}
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

// isolated counts the switches a failure cuts off from part of the fabric.
func isolated(fabric []graph.SwitchImpact) int {
	n := 0
	for _, sw := range fabric {
		if sw.State == graph.FabricIsolated {
			n++
		}
	}
	return n
}
