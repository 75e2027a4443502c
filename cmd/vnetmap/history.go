package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

func historyCmd(g *globals) *cobra.Command {
	var limit, offset int
	cmd := queryCmd(g, &cobra.Command{
		Use:   "history VM | port:SWITCH/IF | MAC",
		Short: "A VM's placements over time; what a switch port saw (MACs, neighbours); where a MAC was learned",
		Long: `history shows, for a VM, every placement with its live migrations and physical attachment.

For port:SWITCH/IF (port:leaf1/Eth1/7), it lists what the port saw, newest first, as Netdisco's
port log: the MACs its forwarding-table entries held (with VLAN, vendor and the VM that has the
MAC) and the LLDP/CDP neighbours the switch reported on it, each with its interval; a port's
bundle and a port-channel's members are included. --json prints GET /api/v1/history/port/SWITCH/IF.

For a MAC (any notation; mac:MAC too), it lists where the switches learned it over time, newest
first, with its vendor (OUI), the VM or host NIC that has it, and the addresses ARP tables
resolved to it. --json prints GET /api/v1/history/mac/MAC. Ports and MACs are paged: --limit
entries from --offset.`,
		Args: cobra.ExactArgs(1),
	}, "moment at which to look the VM, port or MAC's owner up (for a VM deleted since); default now",
		func(ctx context.Context, q *query.Service, args []string, at time.Time) (any, error) {
			arg := strings.TrimSpace(args[0])
			if rest, ok := strings.CutPrefix(arg, "port:"); ok {
				sw, port, found := strings.Cut(rest, "/")
				if !found || sw == "" || port == "" {
					return nil, usageError{fmt.Errorf("history %s: want port:SWITCH/IF (port:leaf1/Eth1/7)", arg)}
				}
				return usage(q.PortHistory(ctx, sw, port, limit, offset, at))
			}
			if mac, ok := strings.CutPrefix(arg, "mac:"); ok || model.NormalizeMAC(arg) != "" {
				if !ok {
					mac = arg
				}
				return usage(q.MACHistory(ctx, mac, limit, offset, at))
			}
			return q.History(ctx, arg, at)
		}, func(w io.Writer, a any) {
			switch a := a.(type) {
			case *query.HistoryAnswer:
				printHistory(w, a)
			case *query.PortHistoryAnswer:
				printPortHistory(w, a)
			case *query.MACHistoryAnswer:
				printMACHistory(w, a)
			}
		})
	cmd.Flags().IntVar(&limit, "limit", query.DefaultHistoryLimit, fmt.Sprintf("port and MAC history: entries per page (1-%d)", query.MaxHistoryLimit))
	cmd.Flags().IntVar(&offset, "offset", 0, "port and MAC history: entries to skip (the previous page's next offset)")
	return cmd
}

// usage makes a query's refusal of its arguments (query.ErrBadRequest) a
// usage error (exit 2).
func usage[T any](a T, err error) (T, error) {
	if errors.Is(err, query.ErrBadRequest) {
		return a, usageError{err}
	}
	return a, err
}

func printHistory(w io.Writer, a *query.HistoryAnswer) {
	fmt.Fprintf(w, "%s  (%s)  %d placement(s)\n", a.Name, a.VM, len(a.Placements))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  FROM\tTO\tHOST\tMOVE\tACTIVE UPLINKS → SWITCH PORTS")
	for _, p := range a.Placements {
		move := ""
		if p.Move != nil {
			move = p.Move.Type
			if p.Move.User != "" {
				move += " by " + p.Move.User
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.From.Local().Format(time.DateTime), until(p.To), p.HostName, move, attachmentText(p.Attachment))
	}
	tw.Flush()
}

// until is the end of an interval: its moment, or "now" when still valid.
func until(t time.Time) string {
	if t.IsZero() {
		return "now"
	}
	return t.Local().Format(time.DateTime)
}

// pageLine says which entries of how many a page shows, and how to get
// the next.
func pageLine(w io.Writer, what string, p query.Page, shown int) {
	if shown == 0 {
		fmt.Fprintf(w, "  no %s\n", what)
		return
	}
	fmt.Fprintf(w, "  %s %d-%d of %d", what, p.Offset+1, p.Offset+shown, p.Total)
	if p.NextOffset > 0 {
		fmt.Fprintf(w, " (next: --offset %d)", p.NextOffset)
	}
	fmt.Fprintln(w)
}

// printPortHistory renders a port's history for a person.
func printPortHistory(w io.Writer, a *query.PortHistoryAnswer) {
	fmt.Fprintf(w, "%s %s  (%s)", a.Switch, a.Port, a.ID)
	if len(a.Related) > 0 {
		fmt.Fprintf(w, "  with %s", strings.Join(a.Related, ", "))
	}
	fmt.Fprintln(w)
	for _, c := range a.Cabled {
		fmt.Fprintf(w, "  cabled to %s (%s: %s)\n", c.PNIC, cmp.Or(c.Confidence, "?"), strings.Join(c.Evidence, ", "))
	}
	pageLine(w, "entries", a.Page, len(a.Entries))
	if len(a.Entries) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  FROM\tTO\tPORT\tSAW\tVLAN\tVENDOR\tWHO")
	for _, e := range a.Entries {
		saw, who := e.MAC, e.PNIC
		if e.Kind == query.SightingNeighbor {
			saw = e.Neighbor
		}
		if e.VM != nil {
			who = "VM " + e.VM.Name
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.From.Local().Format(time.DateTime), until(e.To), e.Port, saw, e.VLAN, e.Vendor, who)
	}
	tw.Flush()
}

// printMACHistory renders a MAC's history for a person.
func printMACHistory(w io.Writer, a *query.MACHistoryAnswer) {
	fmt.Fprintf(w, "%s  %s", a.MAC, cmp.Or(a.Vendor, "unknown vendor"))
	switch {
	case a.VM != nil:
		fmt.Fprintf(w, "  VM %s", a.VM.Name)
		if a.VM.Host != "" {
			fmt.Fprintf(w, " on %s", a.VM.Host)
		}
	case a.PNIC != "":
		fmt.Fprintf(w, "  host NIC %s", a.PNIC)
	}
	fmt.Fprintln(w)
	pageLine(w, "learned", a.Page, len(a.Learned))
	if len(a.Learned) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  FROM\tTO\tSWITCH\tPORT\tVLAN\tLINK")
		for _, l := range a.Learned {
			port := l.Port
			if l.PortChannel != "" {
				port += " (" + l.PortChannel + ")"
			}
			link := "edge"
			if !l.Edge {
				link = "inter-switch"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", l.From.Local().Format(time.DateTime), until(l.To), l.Switch, port, l.VLAN, link)
		}
		tw.Flush()
	}
	if len(a.ARP) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ARP FROM\tTO\tSWITCH\tIP\tINTERFACE\tVLAN")
		for _, e := range a.ARP {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", e.From.Local().Format(time.DateTime), until(e.To), e.Switch, e.IP, e.Interface, e.VLAN)
		}
		tw.Flush()
	}
}

// attachmentText lists the active uplinks of a placement and their ports.
func attachmentText(as []graph.Attachment) string {
	var parts []string
	seen := map[string]bool{}
	for _, a := range as {
		if a.Role != graph.RoleActive || seen[a.PNIC] {
			continue
		}
		seen[a.PNIC] = true
		s := a.PNIC
		if a.Switch != "" {
			s += "→" + a.Switch + " " + a.Port
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
