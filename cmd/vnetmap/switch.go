package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

func switchCmd(g *globals) *cobra.Command {
	var ports bool
	cmd := queryCmd(g, &cobra.Command{
		Use:   "switch NAME",
		Short: "A switch: identity, ports, inter-switch links, what is behind it, and what its last collection read (skipped rows, failed tables)",
		Long: `switch shows what the switch page of the web UI shows: the switch's identity, its ports and
port-channels, the switches it is linked to, the hosts and VMs behind it, its VLANs, and the
collection health of each source that read it — one line per table group, such as
"LLDP 6 neighbours" or "IF 48 ports, ifXTable: 2 rows skipped (no index)", with an example of
a skipped row. The health is the latest run's, whatever --at says. --json prints the answer of
GET /api/v1/switch/NAME.`,
		Args: cobra.ExactArgs(1),
	}, atHelp, func(ctx context.Context, q *query.Service, args []string, at time.Time) (*query.SwitchAnswer, error) {
		return q.Switch(ctx, args[0], at)
	}, func(w io.Writer, a *query.SwitchAnswer) { printSwitch(w, a, ports) })
	cmd.Flags().BoolVar(&ports, "ports", false, "list every port with its state, VLANs, bundle and what is attached")
	return cmd
}

// printSwitch renders a switch answer for a person.
func printSwitch(w io.Writer, a *query.SwitchAnswer, ports bool) {
	fmt.Fprintf(w, "%s  (%s)", a.Name, a.ID)
	if addr := a.Attrs["address"]; addr != "" {
		fmt.Fprintf(w, "  %s", addr)
	}
	if m := strings.TrimSpace(a.Attrs["vendor"] + " " + a.Attrs["model"]); m != "" {
		fmt.Fprintf(w, "  %s", m)
	}
	fmt.Fprintf(w, "  as of %s\n", a.At.Local().Format(time.DateTime+" MST"))
	var phys, up, channels, neighbours int
	for _, p := range a.Ports {
		if p.Kind == model.KindPortChannel {
			channels++
			continue
		}
		phys++
		if p.Oper == "up" {
			up++
		}
		if p.Neighbor != "" {
			neighbours++
		}
	}
	fmt.Fprintf(w, "  ports      %d (%d up), %d port-channels, %d with an LLDP/CDP neighbour\n", phys, up, channels, neighbours)
	if len(a.Neighbors) > 0 {
		fmt.Fprintf(w, "  linked to  %s\n", strings.Join(a.Neighbors, ", "))
	}
	fmt.Fprintf(w, "  behind it  %d hosts, %d VMs\n", a.Hosts, a.VMs)
	if len(a.VLANs) > 0 {
		fmt.Fprintf(w, "  vlans      %d: %s\n", len(a.VLANs), vlanRanges(a.VLANs))
	}
	printSwitchHealth(w, a.Health)
	if ports {
		printSwitchPorts(w, a.Ports)
	}
}

// vlanRanges lists VLAN IDs (in the answer's order, ascending) with runs of
// three or more consecutive IDs as ranges: "1, 10, 100-199, 240".
func vlanRanges(vlans []query.SwitchVLAN) string {
	var parts []string
	for i := 0; i < len(vlans); {
		first, err := strconv.Atoi(vlans[i].VID)
		j := i + 1
		for err == nil && j < len(vlans) {
			if n, e := strconv.Atoi(vlans[j].VID); e != nil || n != first+(j-i) {
				break
			}
			j++
		}
		if j-i >= 3 {
			parts = append(parts, vlans[i].VID+"-"+vlans[j-1].VID)
		} else {
			for _, v := range vlans[i:j] {
				parts = append(parts, v.VID)
			}
		}
		i = j
	}
	return strings.Join(parts, ", ")
}

// printSwitchHealth renders the switch's collection health: per source, a
// line per table group, and under it the example of each table that
// skipped rows.
func printSwitchHealth(w io.Writer, hs []query.SwitchHealth) {
	if len(hs) == 0 {
		fmt.Fprintln(w, "  collection no table counts (no source reports them for this switch)")
		return
	}
	for _, h := range hs {
		fmt.Fprintf(w, "  collection %s", h.Source)
		if h.Address != "" {
			fmt.Fprintf(w, " at %s", h.Address)
		}
		fmt.Fprintf(w, ", %s", h.Taken.Local().Format(time.DateTime+" MST"))
		if h.Outdated {
			fmt.Fprint(w, " (not read by the later runs)")
		}
		fmt.Fprintf(w, ": %d %s skipped, %d %s failed\n", h.Skipped, plural(h.Skipped, "row", "rows"), h.Failed, plural(h.Failed, "table", "tables"))
		for _, g := range h.Groups {
			fmt.Fprintf(w, "    %s\n", g.Text)
			for _, t := range g.Tables {
				if t.Skipped > 0 && t.Example != "" {
					fmt.Fprintf(w, "      e.g. %s: %s\n", t.Table, t.Example)
				}
			}
		}
	}
}

// plural returns one when n is 1, else several.
func plural(n int, one, several string) string {
	if n == 1 {
		return one
	}
	return several
}

// printSwitchPorts lists the ports: name, state, VLANs, bundle, attached.
func printSwitchPorts(w io.Writer, ports []query.SwitchPort) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  PORT\tSTATE\tVLANS\tBUNDLE\tATTACHED")
	for _, p := range ports {
		vlans := p.Mode
		switch p.Mode {
		case "access":
			vlans = "access " + p.AccessVLAN
		case "trunk":
			vlans = "trunk " + p.AllowedVLANs
			if p.NativeVLAN != "" {
				vlans += " (native " + p.NativeVLAN + ")"
			}
		}
		bundle := p.PortChannel
		if len(p.Members) > 0 {
			bundle = "members " + strings.Join(p.Members, ",")
		}
		var att []string
		if p.Peer != "" {
			att = append(att, "switch "+p.Peer)
		}
		for _, x := range p.Attached {
			att = append(att, fmt.Sprintf("%s %s (%d VMs)", x.Host, x.Device, x.VMCount))
		}
		if len(att) == 0 && p.Neighbor != "" {
			att = append(att, p.Neighbor)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, cmp.Or(p.Oper, "?"), vlans, bundle, strings.Join(att, ", "))
	}
	tw.Flush()
}
