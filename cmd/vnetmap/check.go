package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/query"
)

func checkCmd(g *globals) *cobra.Command {
	return queryCmd(g, &cobra.Command{
		Use:   "check",
		Short: "Findings: where the sources disagree (a pNIC on two ports, a port with two pNICs, a MAC on unrelated ports)",
		Args:  cobra.NoArgs,
	}, atHelp, func(ctx context.Context, q *query.Service, _ []string, at time.Time) (*query.FindingsAnswer, error) {
		return q.Findings(ctx, at)
	}, printFindings)
}

func printFindings(w io.Writer, a *query.FindingsAnswer) {
	fmt.Fprintf(w, "%d finding(s) as of %s\n", len(a.Findings), a.At.Local().Format(time.DateTime+" MST"))
	for _, f := range a.Findings {
		fmt.Fprintf(w, "  %-7s %-24s %s\n", strings.ToUpper(f.Severity), f.Kind, f.Message)
	}
}
