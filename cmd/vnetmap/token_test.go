package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestTokenCommands: create prints the token alone on stdout once, list
// never shows a secret or a hash, revoke refuses the token; bad flags are
// usage errors.
func TestTokenCommands(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "v.db")
	code, out, errOut := vnetmap(t, "--db", db, "token", "create", "--name", "ci", "--role", "operator", "--expires", "90d")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	secret := strings.TrimSpace(out)
	if strings.Count(out, "\n") != 1 || !strings.HasPrefix(secret, auth.TokenPrefix) || !strings.Contains(errOut, "shown only now") || !strings.Contains(errOut, "role operator, expires ") {
		t.Errorf("create: stdout %q, stderr %q; want the token alone on stdout", out, errOut)
	}
	code, out, _ = vnetmap(t, "--db", db, "token", "create", "--name", "grafana", "--json")
	var created struct {
		Token, Name, Role string
		Expires           *time.Time
	}
	if err := json.Unmarshal([]byte(out), &created); code != 0 || err != nil || created.Role != "viewer" || !strings.HasPrefix(created.Token, auth.TokenPrefix) || created.Expires != nil {
		t.Errorf("create --json: exit %d, %v: %s; want a viewer token that never expires", code, err, out)
	}

	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	toks := auth.NewTokens(st)
	if p, err := toks.Authenticate(context.Background(), secret); err != nil || p.Name != "ci" || p.Role != auth.Operator {
		t.Errorf("the created token authenticates as %+v, %v; want ci operator", p, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"token", "create", "--name", "ci", "--role", "viewer"}, 1, "a token named ci is in use"},
		{[]string{"token", "create", "--name", "x", "--role", "root"}, 2, `--role "root"`},
		{[]string{"token", "create", "--name", "x", "--role", "none"}, 2, `--role "none"`},
		{[]string{"token", "create", "--name", "x", "--expires", "soon"}, 2, `--expires "soon"`},
		{[]string{"token", "create", "--role", "viewer"}, 2, "--name is required"},
		{[]string{"token", "create", "--name", "two words"}, 2, `name "two words"`},
		{[]string{"token", "revoke", "nobody"}, 1, "no token named nobody"},
		{[]string{"token", "revoke"}, 2, "accepts 1 arg"},
	} {
		code, _, errOut := vnetmap(t, append([]string{"--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}

	code, out, _ = vnetmap(t, "--db", db, "token", "list")
	if code != 0 || !strings.Contains(out, "NAME") || !lineWith(out, "ci", "operator", "active") || !lineWith(out, "grafana", "viewer", "never", "active") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	if code, out, _ := vnetmap(t, "--db", db, "token", "revoke", "ci"); code != 0 || out != "token ci revoked\n" {
		t.Errorf("revoke: exit %d, %q", code, out)
	}
	// A fresh Tokens: toks trusts what it read for auth.CacheTTL.
	if _, err := auth.NewTokens(st).Authenticate(context.Background(), secret); !errors.Is(err, auth.ErrRevokedToken) {
		t.Errorf("after revoke: %v; want ErrRevokedToken", err)
	}
	code, listed, _ := vnetmap(t, "--db", db, "token", "list")
	if code != 0 || !lineWith(listed, "ci", "operator", "revoked") {
		t.Errorf("list after revoke: exit %d\n%s", code, listed)
	}
	code, asJSON, _ := vnetmap(t, "--db", db, "token", "list", "--json")
	var list []store.Token
	if err := json.Unmarshal([]byte(asJSON), &list); code != 0 || err != nil || len(list) != 2 || list[0].Revoked.IsZero() {
		t.Errorf("list --json: exit %d, %v: %s", code, err, asJSON)
	}
	for _, s := range []string{secret, created.Token} {
		for _, shown := range []string{listed, asJSON} {
			if strings.Contains(shown, s) || strings.Contains(shown, auth.Hash(s)) {
				t.Errorf("list shows a token or its hash:\n%s", shown)
			}
		}
	}
}

// lineWith reports whether a line of out holds every field, in order.
func lineWith(out string, fields ...string) bool {
	for line := range strings.SplitSeq(out, "\n") {
		rest, ok := line, true
		for _, f := range fields {
			i := strings.Index(rest, f)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(f):]
		}
		if ok {
			return true
		}
	}
	return false
}
