package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/doc"
	"github.com/vnetmap/vnetmap/internal/timeparse"
)

func docCmd(g *globals) *cobra.Command {
	var (
		out, at, since, previous, formats string
		flowWindow                        time.Duration
	)
	cmd := &cobra.Command{
		Use:   "doc --out DIR",
		Short: "Generated documentation of the network (Markdown and a static HTML site, with cabling and dependency diagrams)",
		Long: `doc writes the documentation of the map (docs/doc.md): per cluster and host the uplinks, virtual
switches and port groups; per switch its ports and the hosts and VMs behind them; link aggregation
and MLAG pairs; a VLAN matrix with its gaps; per application its VMs, switch ports, VLANs and traffic;
the open findings; and with --since or --previous a change log. Markdown pages go to DIR (for a git
repository or wiki), the HTML site to DIR/html.

The documented moment is the latest change of the map at --at (default now), so that regenerating
without a change rewrites nothing. DIR must be new, empty, or the output of an earlier run (it holds
` + doc.StateFile + `); vnetmap doc never writes outside it and never overwrites a file it did not write.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usageError{errors.New("--out DIR is required")}
			}
			if since != "" && previous != "" {
				return usageError{errors.New("--since and --previous are exclusive")}
			}
			var fs []string
			for _, f := range strings.Split(formats, ",") {
				f = strings.TrimSpace(f)
				if f != doc.FormatMarkdown && f != doc.FormatHTML {
					return usageError{fmt.Errorf("--format: %q: want %s, %s or both", f, doc.FormatMarkdown, doc.FormatHTML)}
				}
				if !slices.Contains(fs, f) {
					fs = append(fs, f)
				}
			}
			slices.Sort(fs)
			o := doc.Options{FlowWindow: flowWindow}
			if flowWindow < 0 {
				return usageError{errors.New("--flow-window: negative")}
			}
			if flowWindow == 0 {
				o.FlowWindow = -1
			}
			var err error
			if o.At, err = parseAt(at); err != nil {
				return err
			}
			if since != "" {
				if o.Since, err = timeparse.Parse(since, time.Now()); err != nil {
					return usageError{fmt.Errorf("--since: %w", err)}
				}
			}
			if previous != "" {
				st, err := doc.ReadState(previous)
				if err != nil {
					return fmt.Errorf("--previous: %w", err)
				}
				o.Since = st.Moment
			}
			// The previous run in DIR: the documented moment does not go
			// back before it when the map changed since.
			if st, err := doc.ReadState(out); err == nil {
				o.After = append(o.After, st.Moment)
			}
			st, conf, err := g.openQueryStore(c.Context(), false)
			if err != nil {
				return err
			}
			defer st.Close()
			start := time.Now()
			in, err := doc.Gather(c.Context(), st, conf.Applications, o)
			if errors.Is(err, doc.ErrBadOptions) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			gathered := time.Now()
			site := doc.Build(in)
			built := time.Now()
			files, err := doc.Render(c.Context(), site, fs)
			if err != nil {
				return err
			}
			rendered := time.Now()
			ws, err := doc.Write(out, files, in.Moment, fs)
			if err != nil {
				return err
			}
			end := time.Now()
			fmt.Fprintf(g.stdout, "documented %s in %s: %d files (%d written, %d removed), %d bytes, in %.1fs (map, findings and traffic %.1fs, content %.1fs, diagrams and pages %.1fs, files %.1fs)\n",
				in.Moment.Format(time.RFC3339), out, ws.Files, ws.Written, ws.Removed, ws.Bytes, end.Sub(start).Seconds(),
				gathered.Sub(start).Seconds(), built.Sub(gathered).Seconds(), rendered.Sub(built).Seconds(), end.Sub(rendered).Seconds())
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output directory (new, empty, or an earlier vnetmap doc output)")
	cmd.Flags().StringVar(&at, "at", "", `moment to document (RFC 3339, "2026-11-17 14:00", or "2h"/"3d" ago; default now): the map's latest change until then`)
	cmd.Flags().StringVar(&since, "since", "", "add a change log from this moment to the documented one")
	cmd.Flags().StringVar(&previous, "previous", "", "add a change log since the documentation in this directory (its "+doc.StateFile+"); may be --out itself")
	cmd.Flags().StringVar(&formats, "format", "md,html", "formats: md, html or both (comma-separated)")
	cmd.Flags().DurationVar(&flowWindow, "flow-window", doc.DefaultFlowWindow, "traffic shown: the window before the documented moment (0: none)")
	return cmd
}
