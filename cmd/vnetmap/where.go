package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

func whereCmd(g *globals) *cobra.Command {
	return queryCmd(g, &cobra.Command{
		Use:   "where VM|MAC|IP",
		Short: "Where a VM is: host, vNICs, port group, VLAN, virtual switch, uplinks and the switch ports behind them",
		Args:  cobra.ExactArgs(1),
	}, atHelp, func(ctx context.Context, q *query.Service, args []string, at time.Time) (*query.WhereAnswer, error) {
		return q.Where(ctx, args[0], at)
	}, printWhere)
}

// printWhere renders a where answer as an indented tree.
func printWhere(w io.Writer, a *query.WhereAnswer) {
	if a.MAC != nil {
		printMAC(w, a.MAC, a.At)
		return
	}
	if a.IP != nil {
		fmt.Fprintf(w, "%s  no VM has this IP, as of %s\n", a.IP.IP, a.At.Local().Format(time.DateTime+" MST"))
		for _, e := range a.IP.ARP {
			fmt.Fprintf(w, "  arp        %s %s VLAN %s → %s\n", e.Switch, e.Interface, e.VLAN, e.MAC)
		}
		for _, m := range a.IP.MACs {
			printMAC(w, m, a.At)
		}
		return
	}
	vm := a.VM
	fmt.Fprintf(w, "%s  (%s", vm.Name, vm.ID)
	if vm.Power != "" {
		fmt.Fprintf(w, ", %s", vm.Power)
	}
	fmt.Fprintf(w, ")  matched by %s, as of %s\n", a.MatchedBy, a.At.Local().Format(time.DateTime+" MST"))
	for _, s := range a.Stale {
		fmt.Fprintf(w, "  ! source %s is stale since %s: %s\n", s.Name, s.LastAttempt.Local().Format(time.DateTime), s.LastError)
	}
	if h := a.Host; h != nil {
		fmt.Fprintf(w, "  host       %s", h.Name)
		if h.Cluster != "" {
			fmt.Fprintf(w, "  cluster %s", h.Cluster)
		}
		if h.Datacenter != "" {
			fmt.Fprintf(w, "  datacenter %s", h.Datacenter)
		}
		if h.Connection != "" && h.Connection != "connected" {
			fmt.Fprintf(w, "  (%s)", h.Connection)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "  host       unknown")
	}
	if vm.Folder != "" {
		fmt.Fprintf(w, "  folder     %s\n", vm.Folder)
	}
	if len(vm.Applications) > 0 {
		fmt.Fprintf(w, "  apps       %s\n", strings.Join(vm.Applications, ", "))
	}
	if len(vm.Tags) > 0 {
		fmt.Fprintf(w, "  tags       %s\n", strings.Join(vm.Tags, ", "))
	}
	if len(vm.Attrs) > 0 {
		fmt.Fprintf(w, "  attributes %s\n", joinAttrs(vm.Attrs))
	}
	switch wp := a.WorkingPath; wp.State {
	case graph.PathNone:
		fmt.Fprintf(w, "  NO WORKING PATH: %s\n", wp.Reason)
	case graph.PathPartial:
		fmt.Fprintf(w, "  ! PARTIAL PATH: %s\n", wp.Reason)
	}
	for _, n := range a.VNICs {
		printVNIC(w, n)
	}
}

func printVNIC(w io.Writer, n graph.VNICView) {
	state := "connected"
	if !n.Connected {
		state = "DISCONNECTED"
	}
	label := n.Label
	if label == "" {
		label = string(n.ID)
	}
	fmt.Fprintf(w, "  %s  %s  %s", label, n.MAC, state)
	if len(n.IPs) > 0 {
		fmt.Fprintf(w, "  %s", strings.Join(n.IPs, ", "))
	}
	fmt.Fprintln(w)
	if pg := n.Portgroup; pg != nil {
		fmt.Fprintf(w, "    port group  %s", pg.Name)
		if pg.Type != "" {
			fmt.Fprintf(w, " (%s)", pg.Type)
		}
		fmt.Fprintf(w, "  %s\n", vlanText(pg))
	}
	if sw := n.Switch; sw != nil {
		fmt.Fprintf(w, "    switch      %s (%s", sw.Name, sw.Kind)
		if sw.MTU != "" {
			fmt.Fprintf(w, ", MTU %s", sw.MTU)
		}
		fmt.Fprint(w, ")")
		if n.Portgroup != nil && n.Portgroup.Policy != "" {
			fmt.Fprintf(w, "  teaming %s", n.Portgroup.Policy)
		}
		fmt.Fprintln(w)
	}
	if len(n.Learned) > 0 {
		var at []string
		for _, l := range n.Learned {
			at = append(at, l.Switch+" "+l.Port+" VLAN "+l.VLAN)
		}
		verdict := "location confirmed"
		if !n.Confirmed {
			verdict = "NOT behind its uplinks"
		}
		fmt.Fprintf(w, "    fdb         learned on %s: %s\n", strings.Join(at, ", "), verdict)
	}
	if len(n.Uplinks) == 0 {
		if n.Connected && n.Switch != nil {
			fmt.Fprintln(w, "    uplinks     none on this host: its traffic cannot leave the host")
		}
		return
	}
	fmt.Fprintln(w, "    uplinks")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, u := range n.Uplinks {
		name := u.Device
		if u.Uplink != "" && u.Uplink != u.Device {
			name += " (" + u.Uplink + ")"
		}
		lag := ""
		if u.LAG != "" {
			lag = "LAG " + u.LAG
			if u.LAGMode != "" {
				lag += " " + u.LAGMode
			}
		}
		speed := ""
		if u.SpeedMbps != "" && u.SpeedMbps != "0" {
			speed = u.SpeedMbps + " Mb/s"
		}
		fmt.Fprintf(tw, "      %s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, u.Role, u.Link, speed, u.MAC, lag, neighborText(u.Neighbors))
		for _, p := range u.Ports {
			fmt.Fprintf(tw, "        → %s\n", portText(p))
		}
	}
	tw.Flush()
}

// portText renders the switch port behind an uplink with its evidence.
func portText(p graph.PortView) string {
	s := p.Switch + " " + p.Port
	if p.PortChannel != "" {
		s += " (" + p.PortChannel
		if p.MLAGPeer != "" {
			s += ", MLAG with " + p.MLAGPeer
		}
		s += ")"
	}
	if p.Mode != "" {
		s += " " + p.Mode
	}
	s += fmt.Sprintf("  VLAN carried: %s  [%s: %s]", p.Carries, p.Confidence, strings.Join(p.Evidence, ", "))
	if p.Confidence == "conflict" {
		s += "  ! evidence disagrees"
	}
	return s
}

func vlanText(pg *graph.PortgroupView) string {
	switch {
	case pg.Trunk != "":
		return "trunk " + pg.Trunk
	case pg.PVLAN != "":
		return "private VLAN " + pg.PVLAN
	case pg.VLAN == "" || pg.VLAN == "0":
		return "untagged"
	}
	return "VLAN " + pg.VLAN
}

func neighborText(ns []graph.Neighbor) string {
	var parts []string
	for _, n := range ns {
		dev := n.Device
		if dev == "" {
			dev = n.Chassis
		}
		parts = append(parts, fmt.Sprintf("%s %s %s", n.Protocol, dev, n.Port))
	}
	if len(parts) == 0 {
		return "no neighbour reported"
	}
	return strings.Join(parts, " · ")
}

func joinAttrs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

// printMAC renders where the switches learned a MAC that is no VM's.
func printMAC(w io.Writer, m *graph.MACLocation, at time.Time) {
	fmt.Fprintf(w, "%s  no VM has this MAC, as of %s\n", m.MAC, at.Local().Format(time.DateTime+" MST"))
	if m.PNIC != "" {
		fmt.Fprintf(w, "  host NIC   %s\n", m.PNIC.Key())
	}
	if len(m.Learned) == 0 {
		fmt.Fprintln(w, "  not in any switch forwarding table")
	}
	if !m.Until.IsZero() {
		fmt.Fprintf(w, "  no switch has it now; last learned until %s:\n", m.Until.Local().Format(time.DateTime))
	}
	for _, l := range m.Learned {
		kind := "edge port"
		if !l.Edge {
			kind = "inter-switch link"
		}
		pc := ""
		if l.PortChannel != "" {
			pc = " (" + l.PortChannel + ")"
		}
		fmt.Fprintf(w, "  learned    %s %s%s VLAN %s  %s\n", l.Switch, l.Port, pc, l.VLAN, kind)
	}
}
