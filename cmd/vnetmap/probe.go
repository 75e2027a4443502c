package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
)

func probeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "probe",
		Short: "Ask one device what each table a source reads answers",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(probeSNMPCmd(g))
	return cmd
}

// snmpFlags are the SNMP settings given on the command line; each one set
// overrides the configured source's.
type snmpFlags struct {
	source                               string
	version                              string
	port                                 uint16
	timeout                              time.Duration
	retries, maxRepetitions              int
	getNext                              bool
	communityFile, communityEnv          string
	username, authProtocol, privProtocol string
	authKeyFile, authKeyEnv              string
	privKeyFile, privKeyEnv              string
}

func probeSNMPCmd(g *globals) *cobra.Command {
	var f snmpFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "snmp ADDRESS",
		Short: "Walk every table the SNMP source reads on one device: rows read, kept, skipped (why) and time",
		Long: `probe snmp reads one device as the SNMP source would (its identity, interfaces, LLDP and CDP
neighbours, VLANs, forwarding table, port-channels, ARP, ENTITY-MIB) and shows, per table, the rows
read, kept and skipped with the reasons and one example, a table that failed and why, and the time
spent — what to run when a switch looks wrong on the map. Nothing is stored.

Credentials and limits are the configured SNMP source's (--config, --source NAME when there are several),
or the defaults; the flags below override them. Secrets are read from a file or an environment variable,
never from the command line, and never printed.

Exit status: 0 when the device answered (even if some tables failed), 1 when it did not answer or a
secret cannot be read, 2 on a usage error.`,
		Example: `  vnetmap probe snmp 10.0.0.11 --community-env SNMP_COMMUNITY
  vnetmap --config vnetmap.yaml probe snmp leaf1.dc.example --source fabric --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := probeConfig(g, c, f)
			if err != nil {
				return err
			}
			r, err := snmp.Probe(c.Context(), cfg, args[0])
			if errors.Is(err, snmp.ErrConfig) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, r)
			}
			printProbe(g.stdout, r)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.source, "source", "", "the configured SNMP source whose settings to use (default: the only one)")
	fl.StringVar(&f.version, "version", "", `SNMP version: "2c" or "3" (default 2c)`)
	fl.Uint16Var(&f.port, "port", 0, "UDP port of the agent (default 161)")
	fl.DurationVar(&f.timeout, "timeout", 0, "timeout of one request (default 2s)")
	fl.IntVar(&f.retries, "retries", 0, "times a request that timed out is resent (default 1)")
	fl.IntVar(&f.maxRepetitions, "max-repetitions", 0, "GETBULK max-repetitions (default 25)")
	fl.BoolVar(&f.getNext, "get-next", false, "walk with GETNEXT instead of GETBULK")
	fl.StringVar(&f.communityFile, "community-file", "", "file holding the v2c community")
	fl.StringVar(&f.communityEnv, "community-env", "", "environment variable holding the v2c community")
	fl.StringVar(&f.username, "username", "", "v3 USM user (v3 uses authPriv)")
	fl.StringVar(&f.authProtocol, "auth-protocol", "", "v3 authentication: MD5, SHA, SHA224, SHA256, SHA384, SHA512")
	fl.StringVar(&f.authKeyFile, "auth-key-file", "", "file holding the v3 authentication passphrase")
	fl.StringVar(&f.authKeyEnv, "auth-key-env", "", "environment variable holding the v3 authentication passphrase")
	fl.StringVar(&f.privProtocol, "priv-protocol", "", "v3 privacy: DES, AES, AES192, AES256")
	fl.StringVar(&f.privKeyFile, "priv-key-file", "", "file holding the v3 privacy passphrase")
	fl.StringVar(&f.privKeyEnv, "priv-key-env", "", "environment variable holding the v3 privacy passphrase")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// probeConfig is the SNMP configuration to probe with: the configured
// source's (or the defaults), with the flags given on top.
func probeConfig(g *globals, c *cobra.Command, f snmpFlags) (snmp.Configuration, error) {
	cfg := snmp.DefaultConfiguration()
	if g.config != "" {
		conf, err := g.configuration()
		if err != nil {
			return cfg, err
		}
		var names []string
		var found *snmp.Configuration
		for _, s := range conf.Sources {
			if s.Type != config.TypeSNMP || s.SNMP == nil {
				if f.source != "" && s.Name == f.source {
					return cfg, usageError{fmt.Errorf("--source %s: a source of type %s, not snmp", s.Name, s.Type)}
				}
				continue
			}
			names = append(names, s.Name)
			if f.source == "" || s.Name == f.source {
				found = s.SNMP
			}
		}
		switch {
		case f.source != "" && found == nil:
			return cfg, usageError{fmt.Errorf("--source %s: no snmp source of that name in %s (snmp sources: %s)", f.source, g.config, listOrNone(names))}
		case f.source == "" && len(names) > 1:
			return cfg, usageError{fmt.Errorf("%s has %d snmp sources (%s): choose one with --source", g.config, len(names), strings.Join(names, ", "))}
		case found != nil:
			cfg = *found
		}
	} else if f.source != "" {
		return cfg, usageError{errors.New("--source needs --config")}
	}
	fl := c.Flags()
	set := func(name string, apply func()) {
		if fl.Changed(name) {
			apply()
		}
	}
	set("version", func() { cfg.Version = f.version })
	set("port", func() { cfg.Port = f.port })
	set("timeout", func() { cfg.Timeout = f.timeout })
	set("retries", func() { cfg.Retries = f.retries })
	set("max-repetitions", func() { cfg.MaxRepetitions = f.maxRepetitions })
	set("get-next", func() { cfg.GetNext = f.getNext })
	// A secret given on the command line replaces the configured one of
	// either kind (file or variable).
	set("community-file", func() { cfg.CommunityFile, cfg.CommunityEnv = f.communityFile, "" })
	set("community-env", func() { cfg.CommunityEnv, cfg.CommunityFile = f.communityEnv, "" })
	set("username", func() { cfg.Username = f.username })
	set("auth-protocol", func() { cfg.AuthProtocol = strings.ToUpper(f.authProtocol) })
	set("auth-key-file", func() { cfg.AuthKeyFile, cfg.AuthKeyEnv = f.authKeyFile, "" })
	set("auth-key-env", func() { cfg.AuthKeyEnv, cfg.AuthKeyFile = f.authKeyEnv, "" })
	set("priv-protocol", func() { cfg.PrivProtocol = strings.ToUpper(f.privProtocol) })
	set("priv-key-file", func() { cfg.PrivKeyFile, cfg.PrivKeyEnv = f.privKeyFile, "" })
	set("priv-key-env", func() { cfg.PrivKeyEnv, cfg.PrivKeyFile = f.privKeyEnv, "" })
	if cfg.Version == "2c" && cfg.CommunityFile == "" && cfg.CommunityEnv == "" {
		return cfg, usageError{errors.New("no community: give --community-file or --community-env (or --config with an snmp source)")}
	}
	cfg.Discovery.Enabled = false // one device: no neighbours followed
	return cfg, nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// printProbe shows a probe report for a person: the device, one line per
// table, the failures, and a summary line.
func printProbe(w io.Writer, r snmp.ProbeReport) {
	fmt.Fprintf(w, "%s (%s)", r.Name, r.Address)
	if r.SysObjectID != "" {
		fmt.Fprintf(w, " sysObjectID %s", r.SysObjectID)
	}
	fmt.Fprintln(w)
	if d := firstLine(r.SysDescr); d != "" {
		fmt.Fprintf(w, "  %s\n", d)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tTABLE\tROWS\tKEPT\tSKIPPED\tTIME\tREASONS / EXAMPLE")
	var rows, kept, skipped int
	failed := 0
	for _, t := range r.Tables {
		rows, kept, skipped = rows+t.Rows, kept+t.Kept, skipped+t.Skipped
		var note []string
		if t.Error != "" {
			failed++
			note = append(note, "FAILED: "+t.Error)
		}
		if len(t.Reasons) > 0 {
			note = append(note, reasons(t.Reasons))
		}
		if t.Example != "" {
			note = append(note, "e.g. "+t.Example)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", t.Group, t.Table, t.Rows, t.Kept, t.Skipped, t.Duration.Round(time.Millisecond), strings.Join(note, "; "))
	}
	tw.Flush()
	if len(r.Failures) > 0 {
		fmt.Fprintln(w, "\nfailed groups (their facts would be kept from the last run):")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	fmt.Fprintf(w, "\n%d tables, %d rows read, %d kept, %d skipped, %d failed; %d ports, %d neighbours, %d FDB entries, %d VLANs in %s\n",
		len(r.Tables), rows, kept, skipped, failed, r.Ports, r.Neighbours, r.FDB, r.VLANs, r.Duration.Round(time.Millisecond))
}

// reasons lists skip reasons, most frequent first: "reason ×n, other ×m".
func reasons(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}
