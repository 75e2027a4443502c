package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/query"
)

func checkCmd(g *globals) *cobra.Command {
	var (
		opts     check.Options
		severity string
		failOn   string
		evidence bool
		answer   *query.FindingsAnswer
		fail     check.Severity
	)
	cmd := queryCmd(g, &cobra.Command{
		Use:   "check",
		Short: "Findings: VLANs not carried upstream, teaming/LACP and MTU mismatches, single points of failure, source conflicts",
		Long: `check evaluates every rule (docs/checks.md) on the map of a moment and lists the findings,
worst first, each with its rule, severity, the entities involved, a message and a one-line fix.

Exit status: 0 when the check ran, whatever it found; with --fail-on SEVERITY, 1 when a finding
shown is that bad or worse (for CI); 2 on a usage error.`,
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			var err error
			if severity != "" {
				if opts.MinSeverity, err = check.ParseSeverity(severity); err != nil {
					return usageError{fmt.Errorf("--severity: %w", err)}
				}
			}
			if failOn != "" {
				if fail, err = check.ParseSeverity(failOn); err != nil {
					return usageError{fmt.Errorf("--fail-on: %w", err)}
				}
			}
			if err := opts.Validate(); err != nil {
				return usageError{fmt.Errorf("--rule: %w", err)}
			}
			return nil
		},
	}, atHelp, func(ctx context.Context, q *query.Service, _ []string, at time.Time) (*query.FindingsAnswer, error) {
		a, err := q.Findings(ctx, at, opts)
		answer = a
		return a, err
	}, func(w io.Writer, a *query.FindingsAnswer) { printFindings(w, a, evidence) })
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := run(c, args); err != nil {
			return err
		}
		if fail == "" || answer == nil {
			return nil
		}
		n := 0
		for _, f := range answer.Findings {
			if f.Severity.AtLeast(fail) {
				n++
			}
		}
		if n > 0 {
			return fmt.Errorf("%w: %d finding(s) %s or worse", errFindings, n, fail)
		}
		return nil
	}
	cmd.Flags().StringVar(&severity, "severity", "", "show findings this bad or worse: critical, warning or info (default all)")
	cmd.Flags().StringSliceVar(&opts.Rules, "rule", nil, "show the findings of these rules only (comma-separated or repeated; see docs/checks.md)")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a finding shown is this bad or worse: critical, warning or info")
	cmd.Flags().BoolVar(&evidence, "evidence", false, "print each finding's evidence")
	return cmd
}

// errFindings is the failure of `check --fail-on` when findings are found.
var errFindings = errors.New("check failed")

func printFindings(w io.Writer, a *query.FindingsAnswer, evidence bool) {
	fmt.Fprintf(w, "%d finding(s) as of %s: %d critical, %d warning, %d info\n", len(a.Findings),
		a.At.Local().Format(time.DateTime+" MST"), a.Counts[check.Critical], a.Counts[check.Warning], a.Counts[check.Info])
	if len(a.Findings) == 0 {
		return
	}
	width := len("RULE")
	for _, f := range a.Findings {
		width = max(width, len(f.Rule))
	}
	fmt.Fprintf(w, "\n%-8s  %-*s  %s\n", "SEVERITY", width, "RULE", "FINDING")
	indent := strings.Repeat(" ", 8+2+width+2)
	for _, f := range a.Findings {
		fmt.Fprintf(w, "%-8s  %-*s  %s\n", strings.ToUpper(string(f.Severity)), width, f.Rule, f.Message)
		if evidence {
			for _, e := range f.Evidence {
				fmt.Fprintf(w, "%s- %s\n", indent, e)
			}
		}
		fmt.Fprintf(w, "%sfix: %s\n", indent, f.Fix)
	}
}

// checkInterval is how often serve re-evaluates the checks besides after
// each collection (cheap while the map has not changed).
const checkInterval = time.Minute

// startChecks runs the checks of serve: a notifier for the configured
// webhooks that records in the store when each finding was first and last
// seen, and check.Watch re-evaluating the rules on the map of now
// (Fresh: the map that holds the change it was woken for). It returns the
// function the collector calls when the facts changed, after telling the
// graph cache (it wakes Watch, so that a new fault is posted within
// seconds) and the function that stops it all.
func startChecks(ctx context.Context, c config.Configuration, q *query.Service, logger *slog.Logger, reg prometheus.Registerer) (onChange, stop func(), err error) {
	n, err := check.NewNotifier(c.Webhooks, logger.With("component", "check"), reg)
	if err != nil {
		return nil, nil, err
	}
	n.RecordSeen(q.Store)
	ctx, cancel := context.WithCancel(ctx)
	n.Start(ctx)
	changed := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		check.Watch(ctx, q.Cache.Fresh, changed, checkInterval, n)
	}()
	onChange = func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	stop = func() {
		cancel()
		<-done
		n.Stop()
	}
	return onChange, stop, nil
}
