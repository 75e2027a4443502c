package main

import (
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
	var at string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history VM",
		Short: "Every placement of a VM over time, with its live migrations",
		Args:  cobra.ExactArgs(1),
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
			ans, err := query.New(st, c.Applications).History(cmd.Context(), args[0], t)
			if err != nil {
				return queryError(err)
			}
			if asJSON {
				return printJSON(g.stdout, ans)
			}
			printHistory(g.stdout, ans)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "moment at which to look the VM up (for a VM deleted since); default now")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	return cmd
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
