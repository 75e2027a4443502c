package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

func historyCmd(g *globals) *cobra.Command {
	return queryCmd(g, &cobra.Command{
		Use:   "history VM",
		Short: "Every placement of a VM over time, with its live migrations and physical attachment",
		Args:  cobra.ExactArgs(1),
	}, "moment at which to look the VM up (for a VM deleted since); default now",
		func(ctx context.Context, q *query.Service, args []string, at time.Time) (*query.HistoryAnswer, error) {
			return q.History(ctx, args[0], at)
		}, printHistory)
}

func printHistory(w io.Writer, a *query.HistoryAnswer) {
	fmt.Fprintf(w, "%s  (%s)  %d placement(s)\n", a.Name, a.VM, len(a.Placements))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  FROM\tTO\tHOST\tMOVE\tACTIVE UPLINKS → SWITCH PORTS")
	for _, p := range a.Placements {
		to := "now"
		if !p.To.IsZero() {
			to = p.To.Local().Format(time.DateTime)
		}
		move := ""
		if p.Move != nil {
			move = p.Move.Type
			if p.Move.User != "" {
				move += " by " + p.Move.User
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.From.Local().Format(time.DateTime), to, p.HostName, move, attachmentText(p.Attachment))
	}
	tw.Flush()
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
