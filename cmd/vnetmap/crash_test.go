package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestCrashDuringCollection kills (SIGKILL) `vnetmap collect` at two
// moments of its first collection of a 500-VM vCenter, on SQLite and on
// PostgreSQL. After each kill the store opens, passes its integrity check,
// and holds either nothing of the source or the whole first collection
// (Apply is one transaction); a later complete collection yields exactly
// the facts of an uninterrupted one, with no version twice.
func TestCrashDuringCollection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := sim.DefaultConfig()
	cfg.Clusters, cfg.HostsPerCluster, cfg.HostsPerRack, cfg.VMs = 4, 10, 10, 500
	dc, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	env := []string{"VNETMAP_CRASH_PW=" + dc.Password()}

	backends := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "v.db") }},
		{"postgres", testPostgres},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			config := func(dsn string) string {
				p := filepath.Join(dir, fmt.Sprintf("c%d.yaml", time.Now().UnixNano()))
				y := fmt.Sprintf("db: %s\nsources:\n  - name: vc\n    type: vsphere\n    interval: 1h\n    vsphere:\n      url: %s\n      username: %s\n      password_env: VNETMAP_CRASH_PW\n      insecure: true\n",
					dsn, dc.URL(), dc.Username())
				if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			// The reference: one uninterrupted collection, and how long it takes.
			refDSN := b.dsn(t)
			start := time.Now()
			p := startVnetmap(t, dir, env, "collect", "--config", config(refDSN))
			if err := p.cmd.Wait(); err != nil {
				t.Fatalf("reference collection: %v", err)
			}
			full := time.Since(start)
			want := validFacts(t, refDSN)
			if len(want) < 2500 {
				t.Fatalf("reference collection stored %d facts; want a 500-VM data center's", len(want))
			}
			t.Logf("an uninterrupted collection takes %s and stores %d facts", full.Round(time.Millisecond), len(want))

			for _, frac := range []float64{0.6, 0.9} {
				dsn := b.dsn(t)
				conf := config(dsn)
				p := startVnetmap(t, dir, env, "collect", "--config", conf)
				time.Sleep(time.Duration(frac * float64(full)))
				_ = p.cmd.Process.Signal(syscall.SIGKILL)
				_ = p.cmd.Wait()
				got := validFacts(t, dsn)
				integrity(t, dsn)
				if len(got) != 0 && !sameFacts(got, want) {
					t.Errorf("killed at %.0f%% of a run: %d facts valid, want none or all %d", 100*frac, len(got), len(want))
				}
				t.Logf("killed at %.0f%% of a run: %d facts were stored", 100*frac, len(got))
				again := startVnetmap(t, dir, env, "collect", "--config", conf)
				if err := again.cmd.Wait(); err != nil {
					t.Fatalf("collection after the crash: %v", err)
				}
				if got := validFacts(t, dsn); !sameFacts(got, want) {
					t.Errorf("after the crash and a complete run: %d facts, want the reference's %d", len(got), len(want))
				}
				integrity(t, dsn)
			}
		})
	}
}

// validFacts opens the store as vnetmap does and returns the facts valid
// now, by key.
func validFacts(t *testing.T, dsn string) map[string]string {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open the store after a crash: %v", err)
	}
	defer st.Close()
	vs, err := st.FactsAt(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(vs))
	for _, v := range vs {
		out[v.Key()] = fmt.Sprint(v.Attrs)
	}
	return out
}

func sameFacts(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// integrity checks the database: SQLite's own integrity check, and on
// both backends the store's invariants — no version ends before it starts
// and no key has two open versions.
func integrity(t *testing.T, dsn string) {
	t.Helper()
	driver, conn := "pgx", dsn
	if rest, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, conn = "sqlite", rest
	}
	db, err := sql.Open(driver, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if driver == "sqlite" {
		var res string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
			t.Errorf("SQLite integrity_check = %q, %v", res, err)
		}
	}
	var bad int
	if err := db.QueryRow(`SELECT count(*) FROM facts WHERE valid_to <= valid_from`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("versions ending before they start: %d, %v", bad, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM (SELECT fact_key FROM facts WHERE valid_to = 9223372036854775807
		GROUP BY source, fact_key HAVING count(*) > 1) AS twice`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("keys with two open versions: %d, %v", bad, err)
	}
}
