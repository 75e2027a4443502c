package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/query"
)

func portgroupCmd(g *globals) *cobra.Command {
	return queryCmd(g, &cobra.Command{
		Use:   "portgroup NAME",
		Short: "A port group: its VLAN and teaming, on each host the uplinks it uses and whether their switch ports carry its VLAN, its VMs",
		Long: `portgroup shows what the port-group page of the web UI shows, for every port group of that name
(a standard port group exists once per host, a distributed one once per distributed switch): its
VLAN or trunk ranges and teaming, on each host the uplinks it uses with their role and switch
ports and whether each port carries its VLAN, the gaps, and its VMs. NAME may also be a port
group's ID key (esx01/VM Network). --json prints the answer of GET /api/v1/portgroup/NAME.`,
		Args: cobra.ExactArgs(1),
	}, atHelp, func(ctx context.Context, q *query.Service, args []string, at time.Time) (*query.PortgroupAnswer, error) {
		return q.Portgroup(ctx, args[0], at)
	}, printPortgroup)
}

// printPortgroup renders a port-group answer for a person.
func printPortgroup(w io.Writer, a *query.PortgroupAnswer) {
	fmt.Fprintf(w, "%s  %s  %d port group(s), %d VMs  as of %s\n", a.Name, strings.Join(a.VLANs, ", "), len(a.Portgroups), a.VMCount, a.At.Local().Format(time.DateTime+" MST"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SWITCH\tHOST\tSTATE\tUPLINK\tROLE\tSWITCH PORT\tCARRIES")
	for _, p := range a.Portgroups {
		for _, h := range p.Hosts {
			if len(h.Uplinks) == 0 {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t-\t\t\t\n", p.Switch, h.Host, h.State)
			}
			for _, u := range h.Uplinks {
				if len(u.Ports) == 0 {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t?\t\n", p.Switch, h.Host, h.State, u.Device, u.Role)
				}
				for _, port := range u.Ports {
					sp := port.Switch + " " + port.Port
					if port.PortChannel != "" {
						sp += " (" + port.PortChannel + ")"
					}
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Switch, h.Host, h.State, u.Device, u.Role, sp, port.Carries)
				}
			}
		}
		if p.HostCount > len(p.Hosts) {
			fmt.Fprintf(tw, "  %s\t%d more hosts (--json lists %d)\t\t\t\t\t\n", p.Switch, p.HostCount-len(p.Hosts), len(p.Hosts))
		}
	}
	tw.Flush()
	printGaps(w, a.Gaps)
}
