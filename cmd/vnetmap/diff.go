package main

import (
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

func diffCmd(g *globals) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "diff T1 [T2]",
		Short: "What changed between two moments: migrations, entities added, removed and changed, relations",
		Long: `diff compares the map at T1 with the map at T2 (default now). Times are RFC 3339,
"2026-11-17 14:00", or a duration ago such as "2h" or "1d".
Migrations come first, in time order, with who moved the VM when vCenter said so; relation
changes are summarized per VM, per entity and, last, per switch for its forwarding (learned)
and ARP tables, which change all the time: --all lists every relation change.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, err := parseMoment("T1", args[0])
			if err != nil {
				return err
			}
			var to time.Time
			if len(args) == 2 {
				if to, err = parseMoment("T2", args[1]); err != nil {
					return err
				}
			}
			st, c, err := g.openQueryStore(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer st.Close()
			d, err := query.New(st, c.Applications).Diff(cmd.Context(), from, to)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, d)
			}
			printDiff(g.stdout, d, all)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	cmd.Flags().BoolVar(&all, "all", false, "list every relation change, not only their summary")
	return cmd
}

func printDiff(w io.Writer, d *query.DiffAnswer, all bool) {
	fmt.Fprintf(w, "from %s to %s: %d migration(s), %d added, %d removed, %d changed, %d relation change(s)\n",
		d.From.Local().Format(time.DateTime), d.To.Local().Format(time.DateTime),
		len(d.Migrations), len(d.Added), len(d.Removed), len(d.Changed), len(d.Links))
	for _, warn := range d.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if len(d.Moves) > 0 {
		fmt.Fprintln(w, "\nMIGRATIONS (in time order)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  WHEN\tVM\tFROM HOST\tTO HOST\tBY")
		for _, m := range d.Moves {
			when := "-"
			if !m.At.IsZero() {
				when = m.At.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", when, m.Name, m.FromHost, m.ToHost, orDash(m.User))
		}
		tw.Flush()
	}
	if len(d.Added)+len(d.Removed)+len(d.Changed) > 0 {
		fmt.Fprintln(w, "\nENTITIES")
	}
	for _, e := range d.Added {
		fmt.Fprintf(w, "  added    %-11s %s\n", e.Kind, label(e))
	}
	for _, e := range d.Removed {
		fmt.Fprintf(w, "  removed  %-11s %s\n", e.Kind, label(e))
	}
	for _, e := range d.Changed {
		keys := make([]string, 0, len(e.Attrs))
		for k := range e.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %q→%q", k, e.Attrs[k][0], e.Attrs[k][1])
		}
		fmt.Fprintf(w, "  changed  %-11s %s: %s\n", e.Kind, label(e), strings.Join(parts, ", "))
	}
	if len(d.Churn) > 0 {
		fmt.Fprintln(w, "\nRELATION CHANGES (per VM, per entity, then per switch for its forwarding and ARP tables)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, c := range d.Churn {
			rels := make([]string, 0, len(c.Rels))
			for rel, n := range c.Rels {
				rels = append(rels, fmt.Sprintf("%s +%d −%d", rel, n[0], n[1]))
			}
			sort.Strings(rels)
			fmt.Fprintf(tw, "  %s %s\t+%d −%d\t%s\n", c.Kind, c.Name, c.Added, c.Removed, strings.Join(rels, ", "))
		}
		tw.Flush()
	}
	if all {
		for _, l := range d.Links {
			fmt.Fprintf(w, "  %-8s %s -%s-> %s\n", l.Change, l.From, l.Rel, l.To)
		}
	} else if len(d.Links) > 0 {
		fmt.Fprintln(w, "  (--all lists each relation change)")
	}
}

func label(e graph.EntityChange) string {
	if e.Name != "" && e.Name != e.ID.Key() {
		return e.Name + " (" + string(e.ID) + ")"
	}
	return string(e.ID)
}
