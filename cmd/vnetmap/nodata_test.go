package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// factsDB returns the DSN of a SQLite store holding one host, for the
// tests of what queries say (a store without facts is refused).
func factsDB(t *testing.T) string {
	t.Helper()
	db := "sqlite:" + t.TempDir() + "/facts.db"
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	host := model.NewID(model.KindHost, "esx01")
	if _, err := st.Apply(context.Background(), model.Snapshot{Source: "vc1", Taken: time.Now().Add(-time.Hour),
		Facts: []model.Fact{model.Entity(host, host, "esx01", nil)}}); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestQueryNeedsData: a query on a store that does not exist, or that holds
// no facts (none ever collected, or only failed runs), is an error (exit
// 1) that says how to fill the store, and creates no file; `check
// --fail-on warning` no longer passes a CI gate on no data. The commands
// that fill a store still create it.
func TestQueryNeedsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	empty := "sqlite:" + filepath.Join(dir, "empty.db")
	failed := "sqlite:" + filepath.Join(dir, "failed.db")
	for _, db := range []string{empty, failed} {
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if db == failed {
			if err := st.MarkFailed(ctx, "vc1", time.Now(), errors.New("vCenter unreachable")); err != nil {
				t.Fatal(err)
			}
		}
		st.Close()
	}
	queries := [][]string{
		{"where", "web01"}, {"history", "web01"}, {"impact", "vlan:230"}, {"path", "web01", "db01"}, {"diff", "1d"},
		{"check"}, {"check", "--fail-on", "warning"}, {"migrate-check", "web01"}, {"drs-rules"},
		{"doc", "--out", filepath.Join(dir, "doc")}, {"flows", "deps"}, {"flows", "links"}, {"switch", "leaf1"},
	}
	for _, tc := range []struct{ name, db, says string }{
		{"missing store", "sqlite:" + missing, "does not exist"},
		{"empty store", empty, "holds no facts"},
		{"only failed runs", failed, "holds no facts"},
	} {
		for _, q := range queries {
			t.Run(tc.name+"/"+strings.Join(q, " "), func(t *testing.T) {
				code, out, errOut := vnetmap(t, append([]string{"--db", tc.db}, q...)...)
				if code != 1 || !strings.Contains(errOut, tc.says) || !strings.Contains(errOut, "vnetmap collect --config") || !strings.Contains(errOut, "vnetmap demo --once") {
					t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q with how to fill the store", code, out, errOut, tc.says)
				}
				if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s created after the query (stat: %v); want no file", missing, err)
				}
			})
		}
	}
	t.Run("with --config the message names it", func(t *testing.T) {
		conf := filepath.Join(dir, "vnetmap.yaml")
		if err := os.WriteFile(conf, []byte("db: sqlite:"+missing+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := vnetmap(t, "--config", conf, "check")
		if code != 1 || !strings.Contains(errOut, "vnetmap collect --config "+conf) {
			t.Errorf("exit %d, stderr %q; want 1 and the collect command with %s", code, errOut, conf)
		}
	})
	t.Run("filling commands create the store", func(t *testing.T) {
		db := "sqlite:" + filepath.Join(dir, "new.db")
		if code, _, errOut := vnetmap(t, "--db", db, "token", "create", "--name", "ops", "--role", "viewer"); code != 0 {
			t.Fatalf("token create exit %d: %s", code, errOut)
		}
		if _, err := os.Stat(strings.TrimPrefix(db, "sqlite:")); err != nil {
			t.Errorf("token create did not create the store: %v", err)
		}
	})
	t.Run("a store with facts answers", func(t *testing.T) {
		if code, out, errOut := vnetmap(t, "--db", factsDB(t), "check"); code != 0 || !strings.Contains(out, "finding") {
			t.Errorf("check exit %d, stdout %q, stderr %q; want 0 and the findings", code, out, errOut)
		}
	})
}
