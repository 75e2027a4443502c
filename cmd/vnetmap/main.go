// Command vnetmap maps virtual machines to the physical network: which VM
// runs on which host, through which virtual switch, port group and VLAN, out
// of which physical NIC into which switch port — now and at any past moment.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
	"github.com/vnetmap/vnetmap/internal/timeparse"
)

// globals are the flags every subcommand shares.
type globals struct {
	db       string
	config   string
	logLevel string
	stdout   io.Writer
	stderr   io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit code:
// 0 on success, 1 when the command failed (an unknown VM included), 2 on a
// usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "vnetmap",
		Short:         "Map virtual machines to the physical network, now and in the past",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.db, "db", "", `store DSN: "sqlite:PATH" or "postgres://…" (default from --config, else sqlite:vnetmap.db)`)
	root.PersistentFlags().StringVar(&g.config, "config", "", "configuration file (YAML)")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.AddCommand(whereCmd(g), historyCmd(g), impactCmd(g), pathCmd(g), diffCmd(g), checkCmd(g), decodeCmd(g), collectCmd(g), serveCmd(g), demoCmd(g), simCmd(g))
	root.AddCommand(migrateCheckCmd(g), drsRulesCmd(g))
	root.AddCommand(flowsCmd(g), importCmd(g), configCmd(g))
	root.AddCommand(docCmd(g))
	root.AddCommand(tokenCmd(g))
	root.AddCommand(switchCmd(g))
	root.AddCommand(vlanCmd(g), portgroupCmd(g))
	root.AddCommand(probeCmd(g))
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "vnetmap: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return 2
	}
	return 1
}

// usageError marks an error in the command line itself.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// isCobraUsage tells cobra's own argument errors apart from command failures.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// logger returns the process logger: text on stderr at the chosen level.
func (g *globals) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: lvl}))
}

// configuration loads --config, or the defaults without one; --db wins.
func (g *globals) configuration() (config.Configuration, error) {
	c := config.DefaultConfiguration()
	if g.config != "" {
		var err error
		if c, err = config.Load(g.config); err != nil {
			return c, err
		}
	}
	if g.db != "" {
		c.DB = g.db
	}
	return c, nil
}

// openStore opens the configured store.
func (g *globals) openStore(ctx context.Context) (store.Store, config.Configuration, error) {
	c, err := g.configuration()
	if err != nil {
		return nil, c, err
	}
	st, err := store.Open(ctx, c.DB)
	return st, c, err
}

// errNoData is the error of a query on a store that does not exist or
// holds nothing to answer from: an answer there ("0 finding(s)") would
// pass for a verdict on the network.
var errNoData = errors.New("no data")

// openQueryStore opens the configured store for a query command. A store
// that does not exist is not created, and one that does, or that holds no
// fact (for a flows command, no fact nor flow), is an error wrapping
// errNoData that says how to fill it. The commands that fill a store
// (collect, serve, demo, import, token create) use openStore.
func (g *globals) openQueryStore(ctx context.Context, flows bool) (store.Store, config.Configuration, error) {
	c, err := g.configuration()
	if err != nil {
		return nil, c, err
	}
	where := "the store"
	if strings.HasPrefix(c.DB, "sqlite:") {
		where += " " + c.DB
	}
	fill := `fill it with "vnetmap collect --config FILE" (or "vnetmap demo --once" for a simulated data center)`
	if g.config != "" {
		fill = fmt.Sprintf(`fill it with "vnetmap collect --config %s"`, g.config)
	}
	st, err := store.OpenExisting(ctx, c.DB)
	if errors.Is(err, store.ErrNoStore) {
		return nil, c, fmt.Errorf("%w: %s does not exist (give --db or --config to use another); %s", errNoData, where, fill)
	}
	if err != nil {
		return nil, c, err
	}
	has, err := st.Contents(ctx)
	if err != nil {
		st.Close()
		return nil, c, err
	}
	if !has.Facts && !(flows && has.Flows) {
		st.Close()
		what := "no facts"
		if flows {
			what = "no facts and no flows"
		}
		return nil, c, fmt.Errorf("%w: %s holds %s yet (no collection recorded any); %s", errNoData, where, what, fill)
	}
	return st, c, nil
}

// parseAt reads an --at flag value; empty means now (zero time).
func parseAt(s string) (time.Time, error) { return parseMoment("--at", s) }

// parseMoment reads a moment the user gave as what (a flag, "--at", or an
// argument, "T1"); empty means now (zero time). The error names what.
func parseMoment(what, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := timeparse.Parse(s, time.Now())
	if err != nil {
		return t, usageError{fmt.Errorf("%s: %w", what, err)}
	}
	return t, nil
}

// errBeforeData is the error of a moment before the store's first fact:
// the map then is empty, and an answer from it ("no VM named web01", "0
// finding(s)") would pass for one about the network.
var errBeforeData = errors.New("before the first data")

// checkMoment refuses a moment t (zero: now, always fine) that the user
// gave as what when it is before st's first fact.
func checkMoment(ctx context.Context, st store.Store, what string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	first, err := st.FirstFact(ctx)
	if err != nil {
		return err
	}
	if !first.IsZero() && t.Before(first) {
		return fmt.Errorf("%s %s: %w: the store's first fact is from %s; give a moment from then on",
			what, t.Local().Format(time.DateTime), errBeforeData, first.Local().Format(time.DateTime))
	}
	return nil
}

// atHelp is the help of the --at flag of the query commands.
const atHelp = `moment to answer for (RFC 3339, "2026-11-17 14:00", or "2h"/"3d" ago; default now)`

// queryCmd completes a query command: it parses --at, opens the store, asks
// the query service and prints the answer as JSON (--json, the REST API's
// format) or for a person.
func queryCmd[T any](g *globals, cmd *cobra.Command, at string,
	ask func(ctx context.Context, q *query.Service, args []string, at time.Time) (T, error),
	show func(io.Writer, T)) *cobra.Command {
	var atFlag string
	var asJSON bool
	cmd.RunE = func(c *cobra.Command, args []string) error {
		t, err := parseAt(atFlag)
		if err != nil {
			return err
		}
		st, conf, err := g.openQueryStore(c.Context(), false)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := checkMoment(c.Context(), st, "--at", t); err != nil {
			return err
		}
		ans, err := ask(c.Context(), query.New(st, conf.Applications), args, t)
		if err != nil {
			return queryError(err)
		}
		if asJSON {
			return printJSON(g.stdout, ans)
		}
		show(g.stdout, ans)
		return nil
	}
	cmd.Flags().StringVar(&atFlag, "at", "", at)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	return cmd
}

// printJSON writes v as indented JSON, the same as the REST API.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// queryError makes a bad target a usage error; the query's errors carry
// their user's messages (query.NotFoundError, query.BadTargetError…).
func queryError(err error) error {
	if errors.Is(err, graph.ErrBadTarget) {
		return usageError{err}
	}
	return err
}
