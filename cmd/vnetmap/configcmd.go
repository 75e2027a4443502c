package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/config"
)

func configCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Check a configuration file"}
	var noSecrets, asJSON bool
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a configuration (FILE, else --config) and read every secret it names",
		Long: `config check decodes the configuration as serve would (unknown keys, wrong types and invalid
values are errors naming the key and its line) and reads every secret it names — vCenter
passwords, SNMP communities and keys, webhook signing keys — from their files or environment
variables, without printing them. It exits 1 when anything is wrong.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := g.config
			if len(args) == 1 {
				path = args[0]
			}
			if path == "" {
				return usageError{errors.New("config check needs a FILE (or --config FILE)")}
			}
			c, errs := config.Check(path, !noSecrets)
			sum := configSummary(path, c, errs)
			if asJSON {
				if err := printJSON(g.stdout, sum); err != nil {
					return err
				}
			} else {
				for _, e := range sum.Errors {
					fmt.Fprintln(g.stdout, e)
				}
				if len(errs) == 0 {
					fmt.Fprintf(g.stdout, "%s: ok — store %s, API on %s, %d sources (%s), flows on %s, %d application rules, %d webhooks%s\n",
						path, sum.Store, sum.Listen, len(sum.Sources), strings.Join(sum.Sources, ", "), strings.Join(sum.FlowListen, " "),
						sum.Applications, sum.Webhooks, map[bool]string{true: "; secrets not read", false: "; every secret readable"}[noSecrets])
				}
			}
			if len(errs) > 0 {
				return fmt.Errorf("%s: %d problem(s)", path, len(errs))
			}
			return nil
		},
	}
	check.Flags().BoolVar(&noSecrets, "no-secrets", false, "do not read the secret files and variables")
	check.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.AddCommand(check)
	return cmd
}

// configCheck is what `config check` reports: the configuration's outline
// (no secret, the store DSN without its password) and the problems.
type configCheck struct {
	File         string   `json:"file"`
	OK           bool     `json:"ok"`
	Errors       []string `json:"errors"`
	Store        string   `json:"store,omitempty"`
	Listen       string   `json:"listen,omitempty"`
	Sources      []string `json:"sources"`
	FlowListen   []string `json:"flow_listen"`
	Applications int      `json:"applications"`
	Webhooks     int      `json:"webhooks"`
}

func configSummary(path string, c config.Configuration, errs []error) configCheck {
	out := configCheck{File: path, OK: len(errs) == 0, Errors: []string{}, Sources: []string{}, FlowListen: c.Flows.Listen}
	for _, e := range errs {
		out.Errors = append(out.Errors, e.Error())
	}
	if !out.OK && len(c.Sources) == 0 && c.DB == "" {
		return out
	}
	out.Store, out.Listen = redactDSN(c.DB), c.Listen
	for _, s := range c.Sources {
		out.Sources = append(out.Sources, fmt.Sprintf("%s: %s every %s", s.Name, s.Type, s.Interval))
	}
	out.Applications, out.Webhooks = len(c.Applications), len(c.Webhooks)
	return out
}

// redactDSN shows a store DSN without a password.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
