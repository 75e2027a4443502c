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

func vlanCmd(g *globals) *cobra.Command {
	return queryCmd(g, &cobra.Command{
		Use:   "vlan ID",
		Short: "A VLAN: where it is defined and carried, the hosts where an uplink drops it (gaps), its port groups and VMs",
		Long: `vlan shows what the VLAN page of the web UI shows: the switches that define the VLAN and their
ports (access ports, trunks, port-channels) that carry it, the port groups on it, the state of
each host with an access port group on it (ok; gap: an active or standby uplink's switch port
does not carry it; unknown), the gaps one by one, and its VMs. --json prints the answer of
GET /api/v1/vlan/ID.`,
		Args: cobra.ExactArgs(1),
	}, atHelp, func(ctx context.Context, q *query.Service, args []string, at time.Time) (*query.VLANAnswer, error) {
		return usage(q.VLAN(ctx, args[0], at))
	}, printVLAN)
}

// printVLAN renders a VLAN answer for a person.
func printVLAN(w io.Writer, a *query.VLANAnswer) {
	fmt.Fprintf(w, "VLAN %d", a.VID)
	if len(a.Names) > 0 {
		fmt.Fprintf(w, "  %s", strings.Join(a.Names, ", "))
	}
	fmt.Fprintf(w, "  as of %s\n", a.At.Local().Format(time.DateTime+" MST"))
	if a.OnNoSwitch {
		fmt.Fprintln(w, "  WARNING    port groups use it, but no switch defines it")
	}
	for _, s := range a.Switches {
		def := "carried, not defined"
		if s.Defined {
			def = "defined"
			if s.VLANName != "" {
				def += " as " + s.VLANName
			}
		}
		var ports []string
		for _, p := range s.Ports {
			x := p.Name + " " + p.Mode
			if p.Native {
				x += " native"
			}
			if p.PortChannel != "" {
				x += " in " + p.PortChannel
			}
			ports = append(ports, x)
		}
		fmt.Fprintf(w, "  switch     %s: %s; %d ports: %s\n", s.Name, def, len(s.Ports), strings.Join(ports, ", "))
	}
	for _, p := range a.Portgroups {
		on := "VLAN " + p.VLAN
		if p.Trunk != "" {
			on = "trunk " + p.Trunk
		}
		sw := p.Switch
		if p.Host != "" {
			sw += " of " + p.Host
		}
		fmt.Fprintf(w, "  port group %s on %s (%s): %d hosts, %d VMs\n", p.Name, sw, on, p.Hosts, p.VMs)
	}
	if len(a.Hosts) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  HOST\tCLUSTER\tSTATE\tPORT GROUPS")
		for _, h := range a.Hosts {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", h.Host, h.Cluster, strings.ToUpper(h.State), strings.Join(h.Portgroups, ", "))
		}
		tw.Flush()
	}
	printGaps(w, a.Gaps)
	fmt.Fprintf(w, "  VMs        %d", a.VMCount)
	if len(a.VMs) > 0 {
		names := make([]string, 0, min(len(a.VMs), 20))
		for _, v := range a.VMs[:min(len(a.VMs), 20)] {
			names = append(names, v.Name)
		}
		fmt.Fprintf(w, ": %s", strings.Join(names, ", "))
		if a.VMCount > len(names) {
			fmt.Fprintf(w, " and %d more (--json lists %d)", a.VMCount-len(names), len(a.VMs))
		}
	}
	fmt.Fprintln(w)
}

// printGaps lists the uplinks whose switch port drops their port group's
// VLAN.
func printGaps(w io.Writer, gaps []query.VLANGap) {
	if len(gaps) == 0 {
		fmt.Fprintln(w, "  gaps       none")
		return
	}
	fmt.Fprintf(w, "  gaps       %d uplink(s) whose switch port does not carry the VLAN:\n", len(gaps))
	for _, g := range gaps {
		port := g.Switch + " " + g.Port
		if g.PortChannel != "" {
			port += " (" + g.PortChannel + ")"
		}
		fmt.Fprintf(w, "    %s %s (%s, port group %s, VLAN %s) → %s\n", g.Host, g.PNIC, g.Role, g.Portgroup, g.VLAN, port)
	}
}
