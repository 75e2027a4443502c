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

func pathCmd(g *globals) *cobra.Command {
	return queryCmd(g, &cobra.Command{
		Use:   "path A B",
		Short: "How traffic between two VMs (or between the VMs of two applications) travels: VLAN or routed, uplinks, switch ports, switches and inter-switch links",
		Args:  cobra.ExactArgs(2),
	}, atHelp, func(ctx context.Context, q *query.Service, args []string, at time.Time) (*query.PathAnswer, error) {
		return q.Path(ctx, args[0], args[1], at)
	}, printPath)
}

func printPath(w io.Writer, a *query.PathAnswer) {
	defer printPathFlows(w, a.Flows)
	if a.PathResult != nil {
		printOnePath(w, a.PathResult, a.At)
		return
	}
	fmt.Fprintf(w, "%d VM pair(s)\n", len(a.Paths))
	for _, p := range a.Paths {
		printOnePath(w, p, a.At)
	}
	if a.Truncated {
		fmt.Fprintln(w, "(more pairs left out)")
	}
}

func printOnePath(w io.Writer, p *graph.PathResult, at time.Time) {
	fmt.Fprintf(w, "%s → %s: %s", p.A.Name, p.B.Name, p.Kind)
	if p.VLAN != "" {
		fmt.Fprintf(w, " on VLAN %s", p.VLAN)
	}
	fmt.Fprintf(w, " (as of %s)\n", at.Local().Format(time.DateTime+" MST"))
	for _, e := range []graph.Endpoint{p.A, p.B} {
		fmt.Fprintf(w, "  %-20s on %-10s %s %s VLAN %s", e.Name, e.Host, e.VNIC, e.Portgroup, e.VLAN)
		var ups []string
		for _, u := range e.Uplinks {
			s := u.PNIC
			if u.Switch != "" {
				s += "→" + u.Switch + " " + u.Port
			}
			ups = append(ups, s)
		}
		if len(ups) > 0 {
			fmt.Fprintf(w, "  via %s", strings.Join(ups, ", "))
		}
		fmt.Fprintln(w)
		if wp := e.WorkingPath; wp != nil && wp.State == graph.PathNone {
			fmt.Fprintf(w, "    NO WORKING PATH from %s: %s\n", e.Name, wp.Reason)
		} else if wp != nil && wp.State == graph.PathPartial {
			fmt.Fprintf(w, "    ! partial path from %s: %s\n", e.Name, wp.Reason)
		}
	}
	if len(p.Switches) > 0 {
		fmt.Fprintf(w, "  switches: %s\n", strings.Join(p.Switches, " → "))
	}
	for _, h := range p.Hops {
		fmt.Fprintf(w, "    %s %s → %s %s\n", h.FromSwitch, h.FromPort, h.ToSwitch, h.ToPort)
	}
	if p.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", p.Note)
	}
}
