package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

func diffCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff T1 [T2]",
		Short: "What changed between two moments: migrations, entities added, removed and changed, relations",
		Long: `diff compares the map at T1 with the map at T2 (default now). Times are RFC 3339,
"2026-11-17 14:00", or a duration ago such as "2h" or "1d".`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, err := parseAt(args[0])
			if err != nil {
				return err
			}
			var to time.Time
			if len(args) == 2 {
				if to, err = parseAt(args[1]); err != nil {
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
			printDiff(g.stdout, d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	return cmd
}

func printDiff(w io.Writer, d *graph.DiffResult) {
	fmt.Fprintf(w, "from %s to %s: %d migration(s), %d added, %d removed, %d changed, %d relation change(s)\n",
		d.From.Local().Format(time.DateTime), d.To.Local().Format(time.DateTime),
		len(d.Migrations), len(d.Added), len(d.Removed), len(d.Changed), len(d.Links))
	for _, m := range d.Migrations {
		fmt.Fprintf(w, "  moved    %-24s %s → %s\n", m.Name, m.FromHost, m.ToHost)
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
	for _, l := range d.Links {
		fmt.Fprintf(w, "  %-8s %s -%s-> %s\n", l.Change, l.From, l.Rel, l.To)
	}
}

func label(e graph.EntityChange) string {
	if e.Name != "" && e.Name != e.ID.Key() {
		return e.Name + " (" + string(e.ID) + ")"
	}
	return string(e.ID)
}
