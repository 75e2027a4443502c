package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/store"
)

func tokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage the API tokens of serve's REST API and UI (create, list, revoke)",
		Long: `An API token is sent as "Authorization: Bearer vnm_…". Its role is viewer (read), operator
(read, trigger collections, apply DRS rules, acknowledge findings) or admin (also manage tokens
over the API). The token is shown once, at creation; the store keeps only its SHA-256. These
commands work on the store directly (--db or --config), so they need no running server and no
token; see docs/security.md.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(tokenCreateCmd(g), tokenListCmd(g), tokenRevokeCmd(g))
	return cmd
}

func tokenCreateCmd(g *globals) *cobra.Command {
	var name, role, expires string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --name NAME --role viewer|operator|admin [--expires 90d]",
		Short: "Create a token and print it (shown only this once)",
		Long: `create prints the token on stdout (alone on its line, so TOKEN=$(vnetmap token create …) works)
and what it is on stderr. With --json it prints the token and its record as JSON, the same as
POST /api/v1/tokens.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if name == "" {
				return usageError{errors.New("--name is required")}
			}
			r, err := auth.ParseRole(role)
			if err != nil || r == auth.None {
				return usageError{fmt.Errorf("--role %q: want viewer, operator or admin", role)}
			}
			ttl, err := auth.ParseTTL(expires)
			if err != nil {
				return usageError{fmt.Errorf("--expires %q: want a duration like 12h, 90d or 2w, or 0 for never", expires)}
			}
			st, _, err := g.openStore(c.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			created, err := auth.NewTokens(st).Create(c.Context(), name, r, ttl)
			if errors.Is(err, auth.ErrBadToken) {
				return usageError{errors.New(strings.TrimPrefix(err.Error(), auth.ErrBadToken.Error()+": "))}
			}
			if errors.Is(err, store.ErrTokenExists) {
				return fmt.Errorf("a token named %s is in use: revoke it first (vnetmap token revoke %s) or choose another name", name, name)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, created)
			}
			fmt.Fprintf(g.stderr, "token %s created: role %s, %s. It is shown only now; the store keeps its SHA-256 only.\n",
				created.Name, created.Role, expiry(created.Expires))
			fmt.Fprintln(g.stdout, created.Secret)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the token (who or what uses it): letters, digits, . _ @ -")
	cmd.Flags().StringVar(&role, "role", "viewer", "viewer, operator or admin")
	cmd.Flags().StringVar(&expires, "expires", "", `lifetime: "90d", "2w", "12h" (default never)`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the token and its record as JSON")
	return cmd
}

func tokenListCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the tokens (never their secrets): name, role, created, expires, state",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			list, err := listTokens(c.Context(), g)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, list)
			}
			printTokens(g.stdout, list, time.Now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	return cmd
}

// listTokens returns the store's tokens, an empty list rather than nil.
func listTokens(ctx context.Context, g *globals) ([]store.Token, error) {
	st, _, err := g.openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	list, err := auth.NewTokens(st).List(ctx)
	if list == nil {
		list = []store.Token{}
	}
	return list, err
}

func tokenRevokeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke the token in use of that name (refused at once; by running servers within 10 s)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, _, err := g.openStore(c.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			err = auth.NewTokens(st).Revoke(c.Context(), args[0])
			if errors.Is(err, store.ErrNoToken) {
				return fmt.Errorf("no token named %s is in use (vnetmap token list)", args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "token %s revoked\n", args[0])
			return nil
		},
	}
}

// expiry says when a token expires.
func expiry(t time.Time) string {
	if t.IsZero() {
		return "never expires"
	}
	return "expires " + t.Local().Format(time.DateTime+" MST")
}

// printTokens writes the tokens as a table.
func printTokens(w io.Writer, list []store.Token, now time.Time) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no tokens (vnetmap token create --name NAME --role ROLE)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tEXPIRES\tSTATE")
	for _, t := range list {
		exp, state := "never", "active"
		if !t.Expires.IsZero() {
			exp = t.Expires.Local().Format(time.DateTime)
			if !now.Before(t.Expires) {
				state = "expired"
			}
		}
		if !t.Revoked.IsZero() {
			state = "revoked " + t.Revoked.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, t.Created.Local().Format(time.DateTime), exp, state)
	}
	tw.Flush()
}
