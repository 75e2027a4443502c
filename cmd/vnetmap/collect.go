package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/collect"
)

func collectCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Run one collection pass of the configured sources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if len(c.Sources) == 0 {
				return usageError{errors.New("no sources configured: give --config FILE with a sources: list")}
			}
			logger := g.logger()
			if asJSON {
				logger = slog.New(slog.DiscardHandler)
			}
			comp, err := newCollector(c, st, logger, nil, nil)
			if err != nil {
				return err
			}
			results := comp.RunOnce(cmd.Context())
			if asJSON {
				if err := printJSON(g.stdout, results); err != nil {
					return err
				}
			} else {
				printResults(g, results)
			}
			failed := 0
			for _, r := range results {
				if r.Err != nil {
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d sources failed (their facts are kept and marked stale)", failed, len(results))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON results")
	return cmd
}

func printResults(g *globals, results []collect.Result) {
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(g.stdout, "%-16s FAILED after %.1fs: %v\n", r.Source, r.Seconds, r.Err)
			continue
		}
		fmt.Fprintf(g.stdout, "%-16s %d facts in %.1fs (%d opened, %d closed, %d unchanged, %d events)\n",
			r.Source, r.Facts, r.Seconds, r.Stats.Opened, r.Stats.Closed, r.Stats.Unchanged, r.Stats.Events)
	}
}
