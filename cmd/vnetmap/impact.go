package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
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
	for _, h := range byHost(a.Down, a.Degraded) {
		if h.host == "" {
			fmt.Fprintf(w, "  NO HOST KNOWN: %s\n", stateCounts(h))
		} else {
			fmt.Fprintf(w, "  HOST %s: %s\n", h.host, stateCounts(h))
		}
		for _, v := range h.down {
			fmt.Fprintf(w, "    %-9s %-24s %s\n", "DOWN", v.Name, strings.Join(v.Reasons, "; "))
		}
		for _, v := range h.degraded {
			fmt.Fprintf(w, "    %-9s %-24s %s\n", "DEGRADED", v.Name, strings.Join(v.Reasons, "; "))
		}
	}
}

// hostImpact is what a failure does to the VMs of one host.
type hostImpact struct {
	host           string
	down, degraded []graph.VMImpact
}

// byHost groups the VMs down and degraded by their host: the hosts with
// the most VMs down first, then the most degraded, then by name; the VMs
// of a host by name. VMs with no host known come last.
func byHost(down, degraded []graph.VMImpact) []hostImpact {
	idx := map[string]int{}
	var hosts []hostImpact
	at := func(host string) *hostImpact {
		i, ok := idx[host]
		if !ok {
			i = len(hosts)
			idx[host] = i
			hosts = append(hosts, hostImpact{host: host})
		}
		return &hosts[i]
	}
	for _, v := range down {
		h := at(v.Host)
		h.down = append(h.down, v)
	}
	for _, v := range degraded {
		h := at(v.Host)
		h.degraded = append(h.degraded, v)
	}
	byName := func(a, b graph.VMImpact) int { return strings.Compare(a.Name, b.Name) }
	for i := range hosts {
		slices.SortFunc(hosts[i].down, byName)
		slices.SortFunc(hosts[i].degraded, byName)
	}
	slices.SortFunc(hosts, func(a, b hostImpact) int {
		if (a.host == "") != (b.host == "") {
			if a.host == "" {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(len(b.down), len(a.down)); c != 0 {
			return c
		}
		if c := cmp.Compare(len(b.degraded), len(a.degraded)); c != 0 {
			return c
		}
		return strings.Compare(a.host, b.host)
	})
	return hosts
}

// stateCounts says how many VMs of h are down and degraded.
func stateCounts(h hostImpact) string {
	var parts []string
	if len(h.down) > 0 {
		parts = append(parts, fmt.Sprintf("%d DOWN", len(h.down)))
	}
	if len(h.degraded) > 0 {
		parts = append(parts, fmt.Sprintf("%d DEGRADED", len(h.degraded)))
	}
	return strings.Join(parts, ", ")
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
